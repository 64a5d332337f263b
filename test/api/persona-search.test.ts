import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";

/**
 * Persona lists that scale: search by name on the server (`?q=`), and the personas a research population
 * generated kept out of the library, the chat picker and /v1/models unless asked for.
 */
describe.each(BACKENDS)("persona search and generated personas on $name", (backend) => {
  let app: TestApp;
  let populationId: string;

  const names = async (query: string): Promise<string[]> => {
    const response = await app.request(`/v1/personas?kind=persona&limit=200${query}`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return (JSON.parse(text).data as { name: string }[]).map((persona) => persona.name).sort();
  };

  beforeAll(async () => {
    app = await createTestApp({ backend });
    for (const name of ["Captain Vex", "vexillologist Ada", "Mira", "100%_done"]) {
      const created = await app.request("/v1/personas", { method: "POST", json: { name } });
      expect(created.status).toBe(201);
    }
    const cohort = await app.request("/v1/cohorts", {
      method: "POST",
      json: {
        name: "Adults",
        generator: {
          age: { type: "uniform", min: 20, max: 60 },
          sex: { female: 1, male: 1 },
          location: { "Lisbon, Portugal": 1 },
          occupation: ["nurse", "teacher"],
        },
      },
    });
    expect(cohort.status).toBe(201);
    const population = await app.request("/v1/populations", {
      method: "POST",
      json: {
        name: "Panel",
        size: 30,
        seed: 7,
        cohorts: [{ cohort_id: (await cohort.json()).id, proportion: 1 }],
      },
    });
    expect(population.status).toBe(201);
    populationId = (await population.json()).id;
    await app.settleJobs("population-generation");
  });
  afterAll(async () => app?.close());

  it("finds personas by any part of the name, in any case, with % and _ as plain characters", async () => {
    expect(await names("&q=vex")).toEqual(["Captain Vex", "vexillologist Ada"]);
    expect(await names("&q=VEX")).toEqual(["Captain Vex", "vexillologist Ada"]);
    expect(await names("&q=%25")).toEqual(["100%_done"]);
    expect(await names("&q=_")).toEqual(["100%_done"]);
    expect(await names("&q=nobody")).toEqual([]);
  });

  it("keeps a renamed persona findable by its new name", async () => {
    const [mira] = (await (await app.request("/v1/personas?q=Mira")).json()).data;
    const renamed = await app.request(`/v1/personas/${mira.id}`, {
      method: "PATCH",
      json: { name: "Marlowe" },
    });
    expect(renamed.status).toBe(200);
    expect(await names("&q=mira")).toEqual([]);
    expect(await names("&q=marl")).toEqual(["Marlowe"]);
  });

  it("leaves generated personas out unless asked, and lists a population's members", async () => {
    expect(await names("")).toHaveLength(4);
    expect(await names("&include_generated=true")).toHaveLength(34);
    expect(await names(`&population_id=${populationId}`)).toHaveLength(30);
    const models = await (await app.request("/v1/models")).json();
    expect(models.data.length).toBeLessThan(30);
  });

  it("answers 422 naming the parameter for a query that is too long or empty", async () => {
    const long = await app.request(`/v1/personas?q=${"x".repeat(101)}`);
    expect(long.status).toBe(422);
    expect(JSON.stringify(await long.json())).toContain("q");
    expect((await app.request("/v1/personas?q=")).status).toBe(422);
    expect((await app.request("/v1/personas?include_generated=maybe")).status).toBe(422);
  });
});
