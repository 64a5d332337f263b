import { describe, expect, it } from "vitest";
import {
  PERSONA_TEMPLATES,
  PRESET_ID_PREFIX,
  PRESET_PERSONAS,
  TEMPLATE_ID_PREFIX,
  findCatalogPersona,
  type CatalogPersona,
} from "./persona-catalog.ts";
import { personaDefinitionSchema } from "../domain/persona-definition.ts";

const catalog: readonly CatalogPersona[] = [...PRESET_PERSONAS, ...PERSONA_TEMPLATES];
const label = (persona: CatalogPersona) => persona.id;

describe("persona catalog", () => {
  it("ships 5 presets and 6 templates", () => {
    expect(PRESET_PERSONAS).toHaveLength(5);
    expect(PERSONA_TEMPLATES).toHaveLength(6);
  });

  it("has unique ids across presets and templates", () => {
    const ids = catalog.map(label);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("prefixes ids with preset_ or template_ followed by a slug", () => {
    for (const persona of PRESET_PERSONAS) expect(persona.id).toMatch(/^preset_[a-z0-9]+(_[a-z0-9]+)*$/);
    for (const persona of PERSONA_TEMPLATES) expect(persona.id).toMatch(/^template_[a-z0-9]+(_[a-z0-9]+)*$/);
    expect(PRESET_ID_PREFIX).toBe("preset_");
    expect(TEMPLATE_ID_PREFIX).toBe("template_");
  });

  it.each(catalog.map((persona) => [persona.id, persona] as const))(
    "%s parses with personaDefinitionSchema unchanged",
    (_id, persona) => {
      const result = personaDefinitionSchema.safeParse(persona.definition);
      expect(result.error?.issues ?? []).toEqual([]);
      expect(result.data).toEqual(persona.definition);
    },
  );

  it.each(catalog.map((persona) => [persona.id, persona] as const))("%s is fully written", (_id, persona) => {
    const { definition } = persona;
    expect(definition.name.trim()).not.toBe("");
    expect(persona.description.trim()).not.toBe("");
    expect(persona.category).toMatch(/^[a-z_]+$/);
    expect(definition.system_message.length).toBeGreaterThan(800);
    expect(definition.system_message).toMatch(/React to the user's persona name and backstory/);
    expect(definition.identity.age).not.toBeNull();
    expect(definition.identity.sex).not.toBeNull();
    expect(definition.identity.location).toBeTruthy();
    expect(definition.identity.occupation).toBeTruthy();
    expect(definition.identity.summary).not.toBe("");
    expect(definition.personality).not.toBe("");
    expect(definition.first_message).not.toBe("");
    expect(definition.communication_examples.length).toBeGreaterThanOrEqual(2);
    expect(definition.communication_examples.length).toBeLessThanOrEqual(4);
    expect(definition.appearance.description).not.toBe("");
    expect(definition.tags.length).toBeGreaterThan(0);
  });

  it("has unique names", () => {
    const names = catalog.map((persona) => persona.definition.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("keeps presets safe for work", () => {
    for (const persona of PRESET_PERSONAS) expect(persona.definition.modifiers.nsfw, persona.id).toBe(false);
  });

  it("gives the customer support template an en-US voice configuration and a chat configuration", () => {
    const support = findCatalogPersona("template_customer_support");
    expect(support?.definition.voice_configurations.map((voice) => voice.locale)).toEqual(["en-US"]);
    expect(support?.definition.voice_configurations[0]?.first_message).not.toBe("");
    expect(support?.definition.chat_configuration.prompt).not.toBe("");
  });

  it("gives the fantasy innkeeper alternate greetings and the roleplay personas a scenario", () => {
    expect(
      findCatalogPersona("template_fantasy_innkeeper")?.definition.alternate_greetings.length,
    ).toBeGreaterThan(1);
    for (const persona of catalog.filter((entry) => entry.category === "roleplay")) {
      expect(persona.definition.scenario, persona.id).not.toBe("");
    }
  });

  it("finds entries of both lists by id", () => {
    for (const persona of catalog) expect(findCatalogPersona(persona.id)).toBe(persona);
    expect(findCatalogPersona("preset_unknown")).toBeUndefined();
    expect(findCatalogPersona("")).toBeUndefined();
  });

  it("is deeply frozen, so no caller can change a shared definition", () => {
    const preset = PRESET_PERSONAS[0]!;
    expect(Object.isFrozen(PRESET_PERSONAS)).toBe(true);
    expect(Object.isFrozen(preset.definition.identity)).toBe(true);
    expect(Object.isFrozen(preset.definition.tags)).toBe(true);
    expect(Object.isFrozen(preset.definition.alternate_greetings)).toBe(true);
    expect(() => {
      (preset.definition.tags as string[]).push("changed");
    }).toThrow(TypeError);
  });
});
