import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  setUpFirstAdmin,
  openDesktopSession,
  type DesktopSession,
  type WebServer,
} from "./browser.ts";

/**
 * An alternate greeting (a card's alternate_greetings) written in the builder is offered when a
 * conversation starts, and the conversation opens with it, its macros replaced; the first message then
 * swipes between the greetings.
 */
describe.skipIf(!CHROMIUM_PATH)("choosing a greeting in the web app", () => {
  let web: WebServer;
  let page: Page;
  let errors: string[];

  let session: DesktopSession | undefined;

  beforeAll(async () => {
    session = await openDesktopSession("e2e-greetings-0123");
    ({ web, page, errors } = session);
  }, 120_000);

  afterAll(async () => session?.stop());

  const url = (path: string) => new URL(path, web.server.url).toString();

  it("opens a conversation with the alternate greeting picked for it", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Ana");

    await page.goto(url("/personas"));
    await page.getByRole("button", { name: "Use this template" }).first().click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    await page.getByLabel("Name", { exact: true }).fill("Mira");
    await page.getByRole("navigation", { name: "Persona sections" }).getByText("Communication").click();
    await page.getByRole("button", { name: "Add a greeting" }).click();
    await page.getByLabel("Greeting 1", { exact: true }).fill("{{char}} waves at {{user}} from the pier.");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByText(/Published version (\d+)/).waitFor();

    await page.goto(url("/chat"));
    await page.getByLabel("Persona", { exact: true }).selectOption({ label: "Mira" });
    const greeting = page.getByLabel("Greeting", { exact: true });
    await greeting.selectOption({ label: "Alternate 1: Mira waves at you from the pier." });
    await page.getByRole("button", { name: "Start conversation" }).click();
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    await page.getByText("Mira waves at Ana from the pier.").waitFor();
    expect(await page.getByText("{{").count()).toBe(0);

    // The first message swipes between the greetings, like a reply between its alternatives.
    const log = page.getByRole("list", { name: "Conversation log" });
    const swipeCount = log.locator(".chat-swipe-count");
    expect(await swipeCount.textContent()).toBe("2/2");
    await page.getByRole("button", { name: "Previous greeting" }).click();
    await swipeCount.filter({ hasText: "1/2" }).waitFor();
    await page.getByText("Mira waves at Ana from the pier.").waitFor({ state: "detached" });
    expect(await log.locator(":scope > li").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Regenerate" }).count()).toBe(0);
    await page.getByRole("button", { name: "Next greeting" }).click();
    await page.getByText("Mira waves at Ana from the pier.").waitFor();
    await swipeCount.filter({ hasText: "2/2" }).waitFor();

    // The choice is stored: read back, the conversation still opens with it.
    await page.reload();
    await page.getByText("Mira waves at Ana from the pier.").waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
