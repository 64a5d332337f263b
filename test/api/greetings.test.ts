import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-app.ts";

/** A card's alternate greetings: one is chosen when a conversation starts, with its macros replaced. */
describe("choosing the greeting a conversation opens with", () => {
  let app: TestApp;
  let personaId: string;

  beforeAll(async () => {
    app = await createTestApp();
    const created = await app.request("/v1/personas", {
      method: "POST",
      json: {
        name: "Vex",
        first_message: "Halt, {{user}}.",
        alternate_greetings: ["{{char}} looks up from the ledger.", "The gate creaks open for {{user}}."],
      },
    });
    expect(created.status).toBe(201);
    personaId = (await created.json()).id;
  });
  afterAll(async () => app?.close());

  const start = (json: Record<string, unknown>) =>
    app.request("/v1/conversations", {
      method: "POST",
      user: "greeter",
      json: { persona_id: personaId, ...json },
    });

  it("opens with the first message by default and with the chosen alternate greeting", async () => {
    const first = await start({});
    expect(first.status).toBe(201);
    expect((await first.json()).messages[0].content).toBe("Halt, User.");

    const second = await start({ greeting: 2 });
    expect(second.status).toBe(201);
    expect((await second.json()).messages[0].content).toBe("The gate creaks open for User.");

    const alternate = await start({ greeting: 1 });
    expect((await alternate.json()).messages[0].content).toBe("Vex looks up from the ledger.");
  });

  it("refuses a greeting the persona does not have, naming the field and the range", async () => {
    const response = await start({ greeting: 3 });
    expect(response.status).toBe(422);
    const problem = await response.json();
    expect(problem.errors).toEqual([
      {
        field: "greeting",
        message: "this persona has 2 alternate greetings: use 0 (its first message) to 2",
      },
    ]);
    expect((await start({ greeting: -1 })).status).toBe(422);
    expect((await start({ greeting: "1" })).status).toBe(422);
  });
});
