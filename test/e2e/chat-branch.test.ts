import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  screenshot,
  setUpFirstAdmin,
  openDesktopSession,
  type DesktopSession,
  type WebServer,
} from "./browser.ts";

/**
 * Branching, search, export and import in the web app, in Chromium against the real server (offline
 * engine): "Branch from here" opens a new conversation holding the messages up to that one; a search hit
 * opens its conversation at the message, highlighted; a chat exported as SillyTavern JSONL comes back in
 * through "Import chat" — with no console error on the way.
 */
describe.skipIf(!CHROMIUM_PATH)("branching, search, export and import in the web app", () => {
  let web: WebServer;
  let page: Page;
  let errors: string[];
  let session: DesktopSession | undefined;
  let sourceUrl = "";
  let personaId = "";

  beforeAll(async () => {
    session = await openDesktopSession("e2e-chat-branch-0123456");
    ({ web, page, errors } = session);
  }, 120_000);

  afterAll(async () => session?.stop());

  const url = (address: string) => new URL(address, web.server.url).toString();
  const replies = () => page.getByRole("listitem", { name: "Mira", exact: true });
  const userMessages = () => page.getByRole("listitem", { name: "You (No Persona)", exact: true });
  const log = () => page.getByRole("list", { name: "Conversation log" });
  const idle = () => page.getByRole("button", { name: "Send" }).waitFor();

  async function send(text: string) {
    await page.getByLabel("Message", { exact: true }).fill(text);
    await page.getByRole("button", { name: "Send" }).click();
    await userMessages().getByText(text).waitFor();
    await idle();
    await replies().last().getByRole("button", { name: "Regenerate" }).waitFor();
  }

  it("starts a conversation with two exchanges", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Ana");
    await page.goto(url("/personas"));
    await page.getByRole("button", { name: "Use this template" }).first().click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    personaId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByLabel("Name", { exact: true }).fill("Mira");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();
    await page.goto(url(`/chat?persona=${personaId}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    sourceUrl = page.url();
    await send("Tell me about the harbour");
    await send("And the lighthouse keeper?");
  }, 120_000);

  it("branches from the first user message into a new conversation", async () => {
    const before = await log().getByRole("listitem").count();
    await userMessages().first().getByRole("button", { name: "Branch from here" }).click();
    await page.waitForURL(
      (address) => address.toString() !== sourceUrl && /\/chat\/cnv_/.test(address.toString()),
    );
    await page.getByText("Branched from").waitFor();
    await userMessages().getByText("Tell me about the harbour").waitFor();
    // Greeting and the first user message only: nothing after the branch point.
    expect(await userMessages().count()).toBe(1);
    expect(await page.getByText("And the lighthouse keeper?").count()).toBe(0);
    await page.getByText("Chat with Mira (branch)").first().waitFor();
    // The branch goes its own way; the source keeps every message.
    await send("What about the ships?");
    await page.goto(sourceUrl);
    await userMessages().getByText("And the lighthouse keeper?").waitFor();
    expect(await log().getByRole("listitem").count()).toBe(before);
    expect(await page.getByText("What about the ships?").count()).toBe(0);
    await screenshot(page, "chat-branch");
  }, 60_000);

  it("finds a message by search and opens it highlighted", async () => {
    await page.getByRole("searchbox", { name: "Search messages" }).fill("LIGHTHOUSE");
    const hits = page.getByRole("list", { name: "Search results" });
    const hit = hits.getByRole("link").filter({ hasText: "lighthouse" }).first();
    await hit.waitFor();
    await hit.getByText("lighthouse", { exact: true }).waitFor(); // the match is marked
    await hit.click();
    await page.waitForURL(/\?message=msg_/);
    const highlighted = page.locator(".chat-message-highlighted");
    await highlighted.getByText("And the lighthouse keeper?").waitFor();
    await screenshot(page, "chat-search");
  }, 60_000);

  it("exports the conversation as SillyTavern JSONL and imports it back", async () => {
    await page.goto(sourceUrl);
    await idle();
    await page.getByLabel("Export format").selectOption("sillytavern");
    const downloading = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export", exact: true }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe("Chat_with_Mira.jsonl");
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-e2e-chat-"));
    const file = path.join(directory, download.suggestedFilename());
    await download.saveAs(file);
    const lines = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ character_name: "Mira" });
    expect(lines.some((line) => line.mes === "And the lighthouse keeper?" && line.is_user)).toBe(true);

    await page.getByRole("button", { name: "Import chat" }).click();
    const form = page.getByRole("form", { name: "Import a chat" });
    await form.getByLabel(/Chat file/).setInputFiles(file);
    await form.getByLabel("Persona").selectOption(personaId);
    const before = page.url();
    await form.getByRole("button", { name: "Import" }).click();
    await page.waitForURL(
      (address) => address.toString() !== before && /\/chat\/cnv_[a-z0-9]+$/.test(address.toString()),
    );
    await userMessages().getByText("And the lighthouse keeper?").waitFor();
    expect(await userMessages().count()).toBe(2);
    fs.rmSync(directory, { recursive: true, force: true });
  }, 60_000);

  it("logged no console errors", () => {
    expect(errors).toEqual([]);
  });
});
