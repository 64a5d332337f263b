import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  openDesktopSession,
  setUpFirstAdmin,
  type DesktopSession,
  type WebServer,
} from "./browser.ts";

/**
 * A lorebook made in the browser: created on the Lorebooks screen, an entry with a keyword added in the
 * editor, attached to a persona; saying the keyword in a chat with that persona brings the entry into the
 * prompt, where the inspector shows it under World info with the book's name.
 */
describe.skipIf(!CHROMIUM_PATH)("lorebooks in the web app", () => {
  let web: WebServer;
  let page: Page;
  let errors: string[];
  let session: DesktopSession | undefined;

  beforeAll(async () => {
    session = await openDesktopSession("e2e-lorebooks-0123");
    ({ web, page, errors } = session);
  }, 120_000);

  afterAll(async () => session?.stop());

  const url = (path: string) => new URL(path, web.server.url).toString();

  it("creates a book, adds an entry, attaches it to a persona and sees the entry in the prompt", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Ana");

    await page.goto(url("/personas"));
    await page.getByRole("button", { name: "Use this template" }).first().click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    const personaId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByLabel("Name", { exact: true }).fill("Mira");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Lorebooks" }).click();
    await page.getByRole("heading", { name: "Lorebooks", exact: true }).waitFor();
    await page.getByLabel("New lorebook name").fill("Eldoria");
    await page.getByRole("button", { name: "Create lorebook" }).click();
    await page.waitForURL(/\/lorebooks\/lbk_[a-z0-9]+$/);

    await page.getByRole("button", { name: "Add entry" }).click();
    const entry = page.getByRole("group", { name: "Entry 1" });
    await entry.getByLabel("Title").fill("Dragons");
    await entry.getByLabel("Keys", { exact: true }).fill("dragon, wyrm");
    await entry.getByLabel("Content").fill("Vyrn, the last dragon, sleeps beneath the Ashen Peak.");
    await entry.getByLabel("Position").selectOption("at_depth");
    await entry.getByLabel("Depth", { exact: true }).fill("1");
    await page.getByRole("button", { name: "Save lorebook" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();

    await page.getByLabel("Attach to a persona").selectOption({ label: "Mira" });
    await page.getByRole("button", { name: "Attach to persona" }).click();
    await page.getByText("Persona: Mira").waitFor();

    await page.goto(url(`/chat?persona=${personaId}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    await page.getByLabel("Message", { exact: true }).fill("Is there a dragon in these hills?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByText("Offline engine").first().waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();

    await page.getByRole("button", { name: "Inspect prompt" }).last().click();
    await page.getByRole("heading", { name: "Prompt inspector" }).waitFor();
    await page
      .getByText("Lorebook “Eldoria”, entry “Dragons”: key “dragon” in the chat, at depth 1 as system")
      .waitFor();

    // The persona's page lists the book attached to it.
    await page.goto(url(`/personas/${personaId}`));
    await page.getByRole("region", { name: "Lorebooks" }).getByRole("link", { name: "Eldoria" }).waitFor();
    expect(errors).toEqual([]);
  }, 180_000);

  it("imports a World Info file with the file picker, exports it as a download and deletes it", async () => {
    await page.goto(url("/lorebooks"));
    await page.getByLabel("Import a file").setInputFiles({
      name: "harbor.json",
      mimeType: "application/json",
      buffer: Buffer.from(
        JSON.stringify({
          name: "Harbor",
          entries: { "0": { uid: 0, key: ["tide"], content: "The tide turns at dusk.", comment: "Tides" } },
        }),
      ),
    });
    await page.waitForURL(/\/lorebooks\/lbk_[a-z0-9]+$/);
    const entry = page.getByRole("group", { name: "Entry 1" });
    expect(await entry.getByLabel("Content").inputValue()).toBe("The tide turns at dusk.");
    // Attached to the one conversation of the test before: only its replies scan the book.
    await page.getByLabel("Attach to one of your conversations").selectOption({ label: "Chat with Mira" });
    await page.getByRole("button", { name: "Attach to conversation" }).click();
    await page.getByText("Conversation: Chat with Mira").waitFor();

    const downloaded = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export (SillyTavern)" }).click();
    const download = await downloaded;
    expect(download.suggestedFilename()).toBe("Harbor.json");

    await page.goto(url("/lorebooks"));
    const item = page
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name: "Harbor", exact: true }) });
    await item.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Delete lorebook" }).click();
    await page.getByRole("heading", { name: "Harbor", exact: true }).waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Eldoria" }).waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
