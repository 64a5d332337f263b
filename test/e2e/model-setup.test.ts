import { createDramatisClient, unwrap, type DramatisClient } from "@dramatis/sdk";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
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
/** A real (tiny, not chat-tuned) GGUF, served by a loopback file server as the catalog's download. */
const GGUF = path.resolve(import.meta.dirname, "../../../shared/models/stories260K.gguf");
const GGUF_AVAILABLE = fs.existsSync(GGUF);

/** A loopback file server for the GGUF that answers 404 until `available`, and honours Range requests. */
async function startFileServer(file: string) {
  // Without the shared model the download test skips; the catalog still needs a file of some size.
  const bytes = GGUF_AVAILABLE ? fs.readFileSync(file) : Buffer.from("GGUF");
  const state = { available: false, requests: 0 };
  const server = http.createServer((request, response) => {
    state.requests += 1;
    if (!state.available) {
      response.writeHead(404).end("not yet");
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    response.writeHead(range ? 206 : 200, {
      "content-type": "application/octet-stream",
      "content-length": String(bytes.length - start),
      ...(range ? { "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    response.end(bytes.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stories260K.gguf`,
    size: bytes.length,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A real model from the first minute: a fresh install with an Ollama-compatible server on loopback finds
 * its models on the first-run screen, and choosing one makes every preset answer through it. Then the
 * persona builder's model picker (a searchable combobox, never free text) saves the model picked.
 */
describe.skipIf(!CHROMIUM_PATH)("choosing a model on the first-run screen", () => {
  let ollama: MockUpstream;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let catalogDirectory: string;
  let session: DesktopSession | undefined;
  let page: Page;

  beforeAll(async () => {
    ollama = await startMockOpenAI({ reply: FAKE_REPLY, models: MODELS, ollamaTags: true });
    files = await startFileServer(GGUF);
    catalogDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-e2e-catalog-"));
    const catalog = path.join(catalogDirectory, "catalog.json");
    fs.writeFileSync(
      catalog,
      JSON.stringify([
        {
          id: "stories-260k",
          name: "Stories 260K (test)",
          description: "A tiny story model, for the test.",
          size_bytes: files.size,
          licence: "MIT",
          sha256: null,
          url: files.url,
        },
      ]),
    );
    const origin = new URL(ollama.baseURL).origin;
    session = await openDesktopSession("e2e-model-setup-0123", {
      environment: {
        // Discovery probes only this fake, never the machine's real ports.
        DRAMATIS_LOCAL_MODEL_SERVERS: `ollama=${origin}`,
        DRAMATIS_MODEL_CATALOG: catalog,
      },
    });
    page = session.page;
  }, 120_000);

  afterAll(async () => {
    await session?.stop();
    await ollama?.close();
    await files?.close();
    if (catalogDirectory) fs.rmSync(catalogDirectory, { recursive: true, force: true });
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
    // The label waits for the default model (GET /v1/model-setup) to arrive.
    await expect.poll(() => picker.inputValue()).toBe("Tenant default (ollama/llama3.2:1b)");
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
    await expect.poll(() => list.getByRole("option", { name: /llama3\.2:1b/ }).count()).toBe(0);
    await list.getByRole("option", { name: /qwen2\.5:0\.5b/ }).waitFor();
    await screenshot(page, "persona-model-picker");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Enter");
    await list.waitFor({ state: "hidden" });
    await expect.poll(() => picker.inputValue()).toContain("ollama/qwen2.5:0.5b");

    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();
    const api = await apiAsBrowser();
    const persona = await unwrap(api.GET("/v1/personas/{id}", { params: { path: { id: personaId } } }));
    expect(persona.model).toBe("ollama/qwen2.5:0.5b");
    expect(session!.errors).toEqual([]);
  }, 120_000);

  it.skipIf(!GGUF_AVAILABLE)(
    "downloads a catalog model with a progress bar, and continues a failed download on Retry",
    async () => {
      await page.goto(url("/settings/model"));
      const item = page
        .getByRole("listitem")
        .filter({ has: page.getByRole("heading", { name: "Stories 260K (test)" }) });
      await item.getByText("MIT", { exact: true }).waitFor();
      // The file server answers 404 at first: the download fails and offers to continue.
      await item.getByRole("button", { name: /^Download/ }).click();
      const retry = item.getByRole("button", { name: "Retry (continues where it stopped)" });
      await retry.waitFor();
      await item.getByText(/Stopped at/).waitFor();
      expect(await item.getByRole("progressbar").count()).toBe(1);

      files.state.available = true;
      await retry.click();
      await item.getByText("Downloaded", { exact: true }).waitFor();
      await item.getByRole("button", { name: "Use this model" }).waitFor();
      expect(files.state.requests).toBeGreaterThanOrEqual(2);
      expect(session!.errors).toEqual([]);
    },
    120_000,
  );
});
