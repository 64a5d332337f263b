import { describe, expect, it } from "vitest";
import { personaDefinitionSchema } from "./persona-definition.ts";
import { personaDefinitionDefaults } from "./persona-defaults.ts";

describe("persona defaults", () => {
  it("are a valid definition but for the name, and each call is a fresh copy", () => {
    const defaults = personaDefinitionDefaults();
    expect(personaDefinitionSchema.parse({ ...defaults, name: "Mira" })).toEqual({
      ...defaults,
      name: "Mira",
    });
    (defaults.tags as string[]).push("changed");
    expect(personaDefinitionDefaults().tags).toEqual([]);
  });
});
