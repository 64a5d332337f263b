import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, createTestApp, type TestApp } from "../../test/test-app.ts";
import { startMockOpenAI, type MockUpstream } from "../../test/mock-upstreams.ts";
import { modelSetupCommand } from "./model-setup-command.ts";

describe("dramatis models setup, default, available, discover", () => {
  let app: TestApp;
  let lmStudio: MockUpstream;

  beforeAll(async () => {
    lmStudio = await startMockOpenAI({ models: ["qwen2.5-7b-instruct"] });
    app = await createTestApp({
      localModelServers: [{ kind: "lm-studio", name: "lm-studio", origin: new URL(lmStudio.baseURL).origin }],
    });
  });
  afterAll(async () => {
    await app.close();
    await lmStudio.close();
  });

  async function run(
    action: string,
    positionals: string[] = [],
    values: Record<string, string | boolean> = {},
  ) {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await modelSetupCommand({
      action,
      positionals,
      values: { key: ADMIN_KEY, url: "http://dramatis.test", ...values },
      environment: {},
      print: (line) => lines.push(line),
      printError: (line) => errors.push(line),
      fetch: app.fetch,
    });
    return { code, out: lines.join("\n"), errors: errors.join("\n") };
  }

  it("walks from the offline engine to a discovered local server as the default", async () => {
    const setup = await run("setup");
    expect(setup.code).toBe(0);
    expect(setup.out).toMatch(/offline test engine/);
    expect(setup.out).toMatch(/dramatis models discover/);

    const discovered = await run("discover");
    expect(discovered.out).toMatch(/lm-studio .*found .*qwen2.5-7b-instruct/);
    const added = await run("discover", [], { add: "lm-studio" });
    expect(added).toMatchObject({ code: 0 });
    expect(added.out).toMatch(/added lm-studio as provider lm-studio/);

    const available = await run("available", ["qwen"]);
    expect(available.out).toMatch(/lm-studio\/qwen2.5-7b-instruct +tenant/);

    const chosen = await run("default", ["lm-studio/qwen2.5-7b-instruct"]);
    expect(chosen.out).toBe(
      "personas without a model of their own now answer with lm-studio/qwen2.5-7b-instruct",
    );
    const json = await run("setup", [], { json: true });
    expect(JSON.parse(json.out)).toMatchObject({
      default_model: "lm-studio/qwen2.5-7b-instruct",
      offline: false,
    });
  });

  it("reports the server's refusal and wrong usage with their exit codes", async () => {
    const unknown = await run("default", ["nowhere/model"]);
    expect(unknown.code).toBe(1);
    expect(unknown.errors).toMatch(/dramatis models default: .*nowhere/);
    expect((await run("default", [])).code).toBe(2);
    expect((await run("discover", [], { add: "gopher" })).code).toBe(2);
  });
});
