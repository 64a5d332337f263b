import { createDramatisClient, unwrap, type DramatisClient } from "@dramatis/sdk";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAI, type MockUpstream } from "../mock-upstreams.ts";
import {
  CHROMIUM_PATH,
  openDesktopSession,
  screenshot,
  setUpFirstAdmin,
  type DesktopSession,
} from "./browser.ts";

const FAKE_REPLY = "Hello from the fake Ollama on loopback.";
const MODELS = ["llama3.2:1b", "qwen2.5:0.5b"];

/**
 * A real model from the first minute: a fresh install with an Ollama-compatible server on loopback finds
 * its models on the first-run screen, and choosing one makes every preset answer through it. Then the
 * persona builder's model picker (a searchable combobox, never free text) saves the model picked.
 */
describe.skipIf(!CHROMIUM_PATH)("choosing a model on the first-run screen", () => {
  let ollama: MockUpstream;
  let session: DesktopSession | undefined;
  let page: Page;

  beforeAll(async () => {
    ollama = await startMockOpenAI({ reply: FAKE_REPLY, models: MODELS, ollamaTags: true });
    const origin = new URL(ollama.baseURL).origin;
    session = await openDesktopSession("e2e-model-setup-0123", {
      // Discovery probes only this fake, never the machine's real ports.
      environment: { DRAMATIS_LOCAL_MODEL_SERVERS: `ollama=${origin}` },
    });
    page = session.page;
  }, 120_000);

  afterAll(async () => {
    await session?.stop();
    await ollama?.close();
  });

  const url = (path: string) => new URL(path, session!.web.server.url).toString();

  /** The API as the signed-in admin, through the SDK with the browser's session cookie. */
  async function apiAsBrowser(): Promise<DramatisClient> {
    const cookies = await session!.context.cookies();
    const cookie = cookies.map((entry) => `${entry.name}=${entry.value}`).join("; ");
    const reader = createDramatisClient({ baseUrl: session!.web.server.url, headers: () => ({ cookie }) });
    const { csrf_token } = await unwrap(reader.GET("/v1/auth/session"));
    return createDramatisClient({
      baseUrl: session!.web.server.url,
      headers: () => ({ cookie, "x-csrf-token": csrf_token }),
    });
  }

  it("lists the loopback server's models after the first admin is created, and uses the one chosen", async () => {
    await setUpFirstAdmin(page, session!.web.setupUrl, "Ada");
    await page.waitForURL(/\/model-setup$/);
    await page.getByRole("heading", { name: "Choose a model" }).waitFor();
    // Left for later, the home screen says replies are canned and links back here.
    await page.goto(url("/personas"));
    const banner = page.getByRole("region", { name: "Model set-up" });
    await banner.getByText("canned demo text").waitFor();
    await banner.getByRole("link", { name: "Choose a model" }).click();
    await page.waitForURL(/\/model-setup$/);
    const local = page.getByRole("region", { name: "On this machine" });
    for (const model of MODELS) await local.getByText(model, { exact: true }).waitFor();
    expect(ollama.requests.some((request) => request.path === "/api/tags")).toBe(true);
    await screenshot(page, "model-setup");

    await local.getByRole("button", { name: "Use llama3.2:1b from Ollama" }).click();
    await page.getByText("Done: new replies come from ollama/llama3.2:1b.").waitFor();
    await page
      .getByRole("region", { name: "Replies come from" })
      .getByText("ollama/llama3.2:1b", { exact: true })
      .waitFor();

    // The home screen no longer asks to choose a model.
    await page.goto(url("/personas"));
    await page.getByRole("heading", { name: "Personas" }).first().waitFor();
    expect(await page.getByRole("region", { name: "Model set-up" }).count()).toBe(0);
    // Settings → Model shows the same choice, in the picker that changes it.
    await page.goto(url("/settings/model"));
    const picker = page.getByRole("combobox", { name: "Default model" });
    await expect.poll(() => picker.inputValue()).toContain("ollama/llama3.2:1b");
    expect(session!.errors).toEqual([]);
  }, 120_000);

  it("answers a preset's chat in the browser through the loopback server", async () => {
    const api = await apiAsBrowser();
    const presets = (await unwrap(api.GET("/v1/personas", { params: { query: { kind: "preset" } } }))).data;
    expect(presets.length).toBeGreaterThan(0);
    const first = presets[0]!;

    const before = ollama.generationRequests().length;
    await page.goto(url(`/chat?persona=${first.id}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    await page.getByLabel("Message", { exact: true }).fill("What do you see from the window?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("listitem", { name: first.name, exact: true }).getByText(FAKE_REPLY).waitFor();
    const requests = ollama.generationRequests().slice(before);
    expect(requests.map((request) => request.body.model)).toContain("llama3.2:1b");
    expect(JSON.stringify(requests.at(-1)?.body.messages)).toContain("What do you see from the window?");
    expect(session!.errors).toEqual([]);
  }, 120_000);

  it("answers every preset through the loopback server", async () => {
    const api = await apiAsBrowser();
    const presets = (await unwrap(api.GET("/v1/personas", { params: { query: { kind: "preset" } } }))).data;
    for (const preset of presets) {
      const conversation = await unwrap(api.POST("/v1/conversations", { body: { persona_id: preset.id } }));
      const exchange = await unwrap(
        api.POST("/v1/conversations/{id}/messages", {
          params: { path: { id: conversation.id } },
          body: { content: `Hello, ${preset.name}.` },
        }),
      );
      // Without `async` the reply comes in the answer (an accepted job only when asked for one).
      if (!("message" in exchange)) throw new Error("expected the reply itself, not a job");
      expect({
        preset: preset.name,
        model: exchange.message.model,
        content: exchange.message.content,
      }).toEqual({ preset: preset.name, model: "ollama/llama3.2:1b", content: FAKE_REPLY });
    }
  }, 120_000);

  it("picks a persona's model from the searchable list, by keyboard, and saves that id", async () => {
    await page.goto(url("/personas"));
    await page.getByRole("button", { name: "Use this template" }).first().click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    const personaId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByLabel("Name", { exact: true }).fill("Quill");
    await page
      .getByRole("navigation", { name: "Persona sections" })
      .getByText("Advanced model settings")
      .click();

    const picker = page.getByRole("combobox", { name: "Model", exact: true });
    await picker.waitFor();
    expect(await picker.inputValue()).toBe("Tenant default (ollama/llama3.2:1b)");
    await picker.click();
    const list = page.getByRole("listbox", { name: "Model", exact: true });
    await list.getByRole("option", { name: /Tenant default \(ollama\/llama3\.2:1b\)/ }).waitFor();
    // Escape closes the list and leaves the model as it was.
    await page.keyboard.press("Escape");
    await list.waitFor({ state: "hidden" });
    expect(await picker.inputValue()).toBe("Tenant default (ollama/llama3.2:1b)");

    // Typing searches; arrows and Enter pick.
    await picker.click();
    await picker.fill("qwen");
    // The server searches: the list shows the answer for "qwen" once it has come.
    await list.getByRole("option", { name: /llama3\.2:1b/ }).waitFor({ state: "detached" });
    await list.getByRole("option", { name: /qwen2\.5:0\.5b/ }).waitFor();
    await screenshot(page, "persona-model-picker");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Enter");
    await list.waitFor({ state: "hidden" });
    expect(await picker.inputValue()).toContain("ollama/qwen2.5:0.5b");

    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();
    const api = await apiAsBrowser();
    const persona = await unwrap(api.GET("/v1/personas/{id}", { params: { path: { id: personaId } } }));
    expect(persona.model).toBe("ollama/qwen2.5:0.5b");
    expect(session!.errors).toEqual([]);
  }, 120_000);
});
