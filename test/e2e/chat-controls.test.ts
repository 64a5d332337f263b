import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  openPhonePage,
  screenshot,
  setUpFirstAdmin,
  sidewaysOverflow,
  openDesktopSession,
  type DesktopSession,
  type WebServer,
} from "./browser.ts";

/**
 * The chat controls in the web app, in Chromium against the real server (offline engine): regenerate
 * the latest reply and swipe between its alternatives, continue it, edit a message, delete one and
 * rename the conversation — each surviving a reload, with no console error on the way.
 */
describe.skipIf(!CHROMIUM_PATH)("chat controls in the web app", () => {
  let web: WebServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let conversationUrl = "";

  let session: DesktopSession | undefined;

  beforeAll(async () => {
    session = await openDesktopSession("e2e-chat-controls-0123");
    ({ web, browser, context, page, errors } = session);
  }, 120_000);

  afterAll(async () => session?.stop());

  const url = (path: string) => new URL(path, web.server.url).toString();
  const replies = () => page.getByRole("listitem", { name: "Mira", exact: true });
  const userMessages = () => page.getByRole("listitem", { name: "You (No Persona)", exact: true });
  const idle = () => page.getByRole("button", { name: "Send" }).waitFor();

  it("starts a conversation with a persona made from a template", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Ana");
    await page.goto(url("/personas"));
    await page.getByRole("button", { name: "Use this template" }).first().click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    const personaId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByLabel("Name", { exact: true }).fill("Mira");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();

    await page.goto(url(`/chat?persona=${personaId}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    conversationUrl = page.url();
    await page.getByLabel("Message", { exact: true }).fill("Tell me about the harbour");
    await page.getByRole("button", { name: "Send" }).click();
    await replies().last().getByRole("button", { name: "Regenerate" }).waitFor();
    await idle();
  }, 120_000);

  it("regenerates the latest reply and swipes back to the first alternative", async () => {
    const streams: string[] = [];
    page.on("response", (response) => {
      if ((response.headers()["content-type"] ?? "").startsWith("text/event-stream"))
        streams.push(response.url());
    });
    await replies().last().getByRole("button", { name: "Regenerate" }).click();
    // The offline engine may answer the same words again: the counter is what shows a new alternative.
    await replies().last().getByText("2/2").waitFor();
    expect(streams.some((address) => address.endsWith("/regenerate"))).toBe(true);
    const previous = replies().last().getByRole("button", { name: "Previous alternative" });
    const next = replies().last().getByRole("button", { name: "Next alternative" });
    expect(await next.getAttribute("aria-disabled")).toBe("true");
    await previous.click();
    await replies().last().getByText("1/2").waitFor();
    expect(await previous.getAttribute("aria-disabled")).toBe("true");
    // The choice is stored: a reload shows the first alternative still.
    await page.reload();
    await replies().last().getByText("1/2").waitFor();
    // And by keyboard: focus the next arrow, press Enter; the focus stays on it.
    await next.focus();
    await page.keyboard.press("Enter");
    await replies().last().getByText("2/2").waitFor();
    expect(await next.evaluate((button) => button === button.ownerDocument.activeElement)).toBe(true);
    await screenshot(page, "chat-controls-swipe");
  });

  it("continues the latest reply", async () => {
    const content = replies().last().locator(".chat-message-content");
    const before = (await content.innerText()).trim();
    const continued = page.waitForResponse((response) => response.url().endsWith("/continue"));
    await replies().last().getByRole("button", { name: "Continue" }).click();
    expect((await continued).status()).toBe(200);
    await idle();
    await expect.poll(async () => (await content.innerText()).trim().length).toBeGreaterThan(before.length);
    expect((await content.innerText()).trim().startsWith(before.slice(0, 20))).toBe(true);
  });

  it("edits a user message in place, and Escape cancels an edit", async () => {
    const mine = userMessages().last();
    await mine.getByRole("button", { name: "Edit" }).click();
    const box = page.getByRole("textbox", { name: "Edit message" });
    expect(await box.inputValue()).toBe("Tell me about the harbour");
    await page.keyboard.press("Escape");
    await box.waitFor({ state: "detached" });
    const edit = mine.getByRole("button", { name: "Edit" });
    expect(await edit.evaluate((button) => button === button.ownerDocument.activeElement)).toBe(true);

    await mine.getByRole("button", { name: "Edit" }).click();
    await box.fill("Tell me about the lighthouse");
    await mine.getByRole("button", { name: "Save" }).click();
    await box.waitFor({ state: "detached" });
    await mine.getByText("Tell me about the lighthouse").waitFor();
    await mine.getByText("Edited").waitFor();
    await page.reload();
    await userMessages().last().getByText("Tell me about the lighthouse").waitFor();
  });

  it("deletes a reply after confirming", async () => {
    const before = await replies().count();
    await replies().last().getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this message?" });
    await dialog.waitFor();
    // Cancel has the focus, so a stray Enter deletes nothing.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await replies().count()).toBe(before);

    await replies().last().getByRole("button", { name: "Delete" }).click();
    await dialog.getByRole("button", { name: "Delete message" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => replies().count()).toBe(before - 1);
    await page.reload();
    await userMessages().last().getByText("Tell me about the lighthouse").waitFor();
    expect(await replies().count()).toBe(before - 1);
  });

  it("renames the conversation", async () => {
    await page.getByRole("button", { name: "Rename" }).click();
    const title = page.getByRole("textbox", { name: "Conversation title" });
    await title.fill("Harbour talk");
    await title.press("Enter");
    await title.waitFor({ state: "detached" });
    await page.locator(".chat-header").getByText("Harbour talk").waitFor();
    // The conversation list follows.
    await page.getByRole("link").filter({ hasText: "Harbour talk" }).first().waitFor();
    await page.reload();
    await page.locator(".chat-header").getByText("Harbour talk").waitFor();
    await screenshot(page, "chat-controls");
  });

  it("fits a phone screen, with no console errors along the way", async () => {
    const { phone, phonePage } = await openPhonePage(browser, context, errors);
    await phonePage.goto(conversationUrl);
    await phonePage.getByRole("button", { name: "Edit" }).first().waitFor();
    expect(await sidewaysOverflow(phonePage)).toBeLessThanOrEqual(0);
    // The editor and the title form fit too.
    await phonePage.getByRole("button", { name: "Edit" }).last().click();
    await phonePage.getByRole("textbox", { name: "Edit message" }).waitFor();
    await phonePage.getByRole("button", { name: "Rename" }).click();
    await phonePage.getByRole("textbox", { name: "Conversation title" }).waitFor();
    expect(await sidewaysOverflow(phonePage)).toBeLessThanOrEqual(0);
    await screenshot(phonePage, "chat-controls-phone");
    await phone.close();
    expect(errors).toEqual([]);
  });
});
