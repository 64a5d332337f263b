import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  launchBrowser,
  screenshot,
  startWebServer,
  watchForErrors,
  type WebServer,
  openPhonePage,
  sidewaysOverflow,
  PHONE_WIDTH,
} from "./browser.ts";
import { startConnectionCutter, type ConnectionCutter } from "./connection-cutter.ts";

/**
 * Proactive messages in real Chromium against the real server: the Scheduled page (empty state, counts,
 * filters, Cancel and a cancel refused with 409), a good morning from a persona with initiative 10
 * arriving live as a toast with an unread count (no reload), listed as sent, the inbox opened by keyboard
 * clearing the count, and a phone on which a new count moves nothing — with no console error, failed
 * request (other than the expected 409), uncaught exception or CSP violation on the way.
 *
 * The server's scheduler ticks once a minute on the system clock; this test calls its tick directly, and
 * moves a planned slot's due time to now instead of waiting until it comes due.
 */

const SETUP_TOKEN = "e2e-proactive-setup-token";
const EMAIL = "lena@example.com";

if (!CHROMIUM_PATH) {
  console.warn(
    "proactive end-to-end tests skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)",
  );
}

interface SessionInfo {
  csrf_token: string;
  account: { user_id: string };
}

describe.skipIf(!CHROMIUM_PATH)("proactive messages in Chromium", () => {
  let web: WebServer;
  let cutter: ConnectionCutter;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let session: SessionInfo;
  let personaId = "";
  let conversationId = "";

  beforeAll(async () => {
    web = await startWebServer({ setupToken: SETUP_TOKEN });
    cutter = await startConnectionCutter(web.server.url);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const watcher = watchForErrors(context);
    errors = watcher.errors;
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cutter?.close();
    await web?.stop();
  });

  // Through the cutter, so a test can drop the page's connections.
  const url = (path: string) => new URL(path, cutter.url).toString();
  const bell = (target: Page, name: string) => target.getByRole("button", { name, exact: true });

  /** The user's soonest pending slot of a kind, moved to be due now, then one scheduler pass. */
  async function makeDueNow(kind: "good_morning" | "good_night" | "check_in"): Promise<string> {
    const { db } = web.server.services.store;
    const slot = await db
      .selectFrom("scheduled_messages")
      .select("id")
      .where("user_id", "=", session.account.user_id)
      .where("kind", "=", kind)
      .where("status", "=", "pending")
      .orderBy("due_at")
      .executeTakeFirstOrThrow();
    // Instead of waiting for the slot's time, move the slot's time to now.
    await db
      .updateTable("scheduled_messages")
      .set({ due_at: new Date().toISOString() })
      .where("id", "=", slot.id)
      .execute();
    await web.server.services.proactive.tick();
    return slot.id;
  }

  it("sets up the first admin and shows the Scheduled page's empty state", async () => {
    await page.goto(url(new URL(web.setupUrl).pathname + new URL(web.setupUrl).search));
    await page.getByRole("heading", { name: "Create the first admin" }).waitFor();
    await page.getByLabel("Name").fill("Lena");
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill("a long proactive password");
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    session = (await (await page.request.get(url("/v1/auth/session"))).json()) as SessionInfo;

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Scheduled" }).click();
    await page.getByRole("heading", { name: "Scheduled messages" }).waitFor();
    await page.getByText("No scheduled messages yet.").waitFor();
    await page.getByText(/initiative of 3 or more .* in the last 14 days/).waitFor();
    expect(await page.getByRole("link", { name: "persona builder" }).getAttribute("href")).toBe(
      "/personas/new",
    );
    await bell(page, "Inbox, no unread messages").waitFor();
  });

  it("creates a persona with initiative 10, active all day in UTC, and chats with it once", async () => {
    const created = await page.request.post(url("/v1/personas"), {
      headers: { "x-csrf-token": session.csrf_token },
      data: {
        name: "Mira",
        initiative: 10,
        // An end at or before the start runs past midnight: 00:00-00:00 is the whole day, every day.
        active_hours: { start: "00:00", end: "00:00", time_zone: "UTC" },
        modifiers: { responds_immediately: true },
      },
    });
    expect(created.status()).toBe(201);
    personaId = ((await created.json()) as { id: string }).id;

    await page.goto(url(`/chat?persona=${personaId}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    conversationId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByLabel("Message", { exact: true }).fill("I start a new job on Monday.");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByText("Offline engine").first().waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();
  });

  it("lists the planned messages with counts and filters, cancels one, and shows a 409", async () => {
    const { planned } = await web.server.services.proactive.tick();
    expect(planned).toBeGreaterThan(0);
    await page.goto(url("/scheduled"));
    const tile = (label: string) =>
      page
        .locator(".scheduled-tile")
        .filter({ has: page.getByText(label, { exact: true }) })
        .locator("dd");
    await expect.poll(() => tile("Total").textContent()).toBe(String(planned));
    expect(await tile("Pending").textContent()).toBe(String(planned));
    expect(await tile("Sent").textContent()).toBe("0");
    const items = page.locator(".scheduled-item");
    await items.first().waitFor();
    expect(await items.count()).toBe(planned);
    await page.locator(".scheduled-item", { hasText: "Good morning" }).first().waitFor();

    await page.getByLabel("Persona").selectOption({ label: "Mira" });
    await page.getByLabel("Kind").selectOption({ label: "Check-in" });
    await page.waitForURL(/kind=check_in/);
    // The filtered list, once loaded: an empty list while it loads also has no other kind in it.
    await expect
      .poll(
        async () =>
          (await items.count()) > 0 && (await items.filter({ hasNotText: "Check-in" }).count()) === 0,
      )
      .toBe(true);
    const checkIns = await items.count();
    expect(checkIns).toBeGreaterThanOrEqual(2);

    await items
      .first()
      .getByRole("button", { name: /^Cancel the check-in from Mira due / })
      .click();
    await page.getByText("Cancelled the check-in from Mira.").waitFor();
    await expect.poll(() => items.count()).toBe(checkIns - 1);
    await expect.poll(() => tile("Cancelled").textContent()).toBe("1");

    // Settled behind the page's back (as when a worker sends it meanwhile): Cancel shows the server's 409.
    const [soonest] = (
      (await (await page.request.get(url("/v1/scheduled-messages?kind=check_in&limit=1"))).json()) as {
        data: { id: string }[];
      }
    ).data;
    const behind = await page.request.post(url(`/v1/scheduled-messages/${soonest!.id}/cancel`), {
      headers: { "x-csrf-token": session.csrf_token },
    });
    expect(behind.status()).toBe(200);
    await items
      .first()
      .getByRole("button", { name: /^Cancel / })
      .click();
    await items
      .first()
      .getByRole("alert")
      .getByText(/already cancelled/)
      .waitFor();
    const isRefusal = (entry: string) =>
      /^HTTP 409: POST .*\/v1\/scheduled-messages\/[^/]+\/cancel$/.test(entry) ||
      /^console: Failed to load resource: .*409/.test(entry);
    expect(errors.some(isRefusal)).toBe(true);
    errors.splice(0, errors.length, ...errors.filter((entry) => !isRefusal(entry)));
  });

  it("shows a good morning live, as a toast with an unread count, without reloading", async () => {
    await page.goto(url("/scheduled"));
    await bell(page, "Inbox, no unread messages").waitFor();
    await page.evaluate("window.loadedOnce = true");

    const slotId = await makeDueNow("good_morning");
    const toast = page
      .getByRole("status")
      .locator(".inbox-toast")
      .filter({ hasText: /^Mira:/ });
    await toast.waitFor({ timeout: 20_000 });
    expect(await toast.getByRole("link").getAttribute("href")).toBe(`/chat/${conversationId}`);
    await bell(page, "Inbox, 1 unread").waitFor();
    expect(await page.locator(".inbox-bell-count").textContent()).toBe("1");
    expect(await page.evaluate("window.loadedOnce")).toBe(true);

    const sent = await web.server.services.store.scheduledMessages.findById(slotId);
    expect(sent?.status).toBe("sent");
    expect(sent?.content?.length).toBeGreaterThan(0);

    // The page reloaded its list by itself: the good morning is no longer pending, and it is sent.
    await page.getByLabel("Include sent").check();
    await page.waitForURL(/include_sent=true/);
    const item = page.locator(".scheduled-item", { hasText: "Good morning" }).filter({
      has: page.locator(".badge", { hasText: /^Sent$/ }),
    });
    await item.waitFor();
    expect((await item.locator(".scheduled-item-content").textContent())?.trim().length).toBeGreaterThan(0);
    const sentTile = page
      .locator(".scheduled-tile")
      .filter({ has: page.getByText("Sent", { exact: true }) })
      .locator("dd");
    await expect.poll(() => sentTile.textContent()).toBe("1");
    await screenshot(page, "scheduled");
  });

  it("opens the inbox by keyboard, which marks everything read", async () => {
    const button = bell(page, "Inbox, 1 unread");
    for (let presses = 0; presses < 20; presses++) {
      if (await button.evaluate((element) => element === element.ownerDocument.activeElement)) break;
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    const panel = page.locator(".inbox-panel");
    await panel.getByRole("heading", { name: "Inbox" }).waitFor();
    await panel.getByRole("link", { name: /Mira/ }).first().waitFor();
    await bell(page, "Inbox, no unread messages").waitFor();
    expect(await page.locator(".inbox-bell-count").count()).toBe(0);
    const inbox = (await (await page.request.get(url("/v1/inbox"))).json()) as { unread: number };
    expect(inbox.unread).toBe(0);

    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    expect(
      await bell(page, "Inbox, no unread messages").evaluate(
        (element) => element === element.ownerDocument.activeElement,
      ),
    ).toBe(true);
  });

  it("catches up after a dropped connection: what was sent meanwhile still arrives as a toast", async () => {
    // No toast left from before, so the one awaited below can only be the missed message's.
    const toasts = page.locator(".inbox-toast");
    while ((await toasts.count()) > 0) {
      await toasts
        .first()
        .getByRole("button", { name: /^Dismiss/ })
        .click();
    }
    // The page's stream drops, and its reconnects are refused until restore().
    cutter.cut();
    // A check-in, as if Lena had last written three hours ago (one within two hours is skipped).
    await web.server.services.store.db
      .updateTable("messages")
      .set({ created_at: new Date(Date.now() - 3 * 3_600_000).toISOString() })
      .where("conversation_id", "=", conversationId)
      .execute();
    // Sent while the page cannot hear: only Last-Event-ID on the reconnect brings it back as an event.
    const slotId = await makeDueNow("check_in");
    await expect
      .poll(async () => (await web.server.services.store.scheduledMessages.findById(slotId))?.status, {
        timeout: 20_000,
      })
      .toBe("sent");
    cutter.restore();
    // The reconnect waits out its back-off (a few seconds after failed tries) before it asks again.
    await page
      .getByRole("status")
      .locator(".inbox-toast")
      .filter({ hasText: /^Mira:/ })
      .waitFor({ timeout: 40_000 });
    await bell(page, "Inbox, 1 unread").waitFor({ timeout: 40_000 });
    // The dropped stream and the refused reconnects are expected.
    const isCut = (entry: string) =>
      /ERR_CONNECTION_(RESET|REFUSED|CLOSED)|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(entry);
    errors.splice(0, errors.length, ...errors.filter((entry) => !isCut(entry)));
    await bell(page, "Inbox, 1 unread").click();
    await bell(page, "Inbox, no unread messages").waitFor();
    await page.keyboard.press("Escape");
  }, 90_000);

  it("fits a phone, where a new message's count moves nothing", async () => {
    const { phone, phonePage } = await openPhonePage(browser, context, errors);
    await phonePage.goto(url("/scheduled?include_sent=true"));
    await phonePage.getByRole("heading", { name: "Scheduled messages" }).waitFor();
    await phonePage.locator(".scheduled-item").first().waitFor();
    const phoneBell = bell(phonePage, "Inbox, no unread messages");
    await phoneBell.waitFor();
    const overflow = await sidewaysOverflow(phonePage);
    expect(overflow, `/scheduled scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);

    // A string, since the test's own TypeScript has no DOM types.
    const layout = `(() => {
      const box = (selector) => {
        const rect = document.querySelector(selector).getBoundingClientRect();
        return [rect.x, rect.y, rect.width, rect.height].map(Math.round).join(",");
      };
      return [box(".topbar"), box(".inbox-bell-button"), box(".menu-toggle"), box("main h1")].join(" ");
    })()`;
    const before = (await phonePage.evaluate(layout)) as string;
    await makeDueNow("good_night");
    await bell(phonePage, "Inbox, 1 unread").waitFor({ timeout: 20_000 });
    await phonePage
      .locator(".inbox-toast")
      .filter({ hasText: /^Mira:/ })
      .waitFor();
    expect(await phonePage.evaluate(layout)).toBe(before);
    const toastRight = (await phonePage.evaluate(
      `document.querySelector(".inbox-toast").getBoundingClientRect().right`,
    )) as number;
    expect(toastRight).toBeLessThanOrEqual(PHONE_WIDTH);

    await bell(phonePage, "Inbox, 1 unread").click();
    await phonePage.locator(".inbox-panel").getByRole("heading", { name: "Inbox" }).waitFor();
    const panelRight = (await phonePage.evaluate(
      `document.querySelector(".inbox-panel").getBoundingClientRect().right`,
    )) as number;
    expect(panelRight).toBeLessThanOrEqual(PHONE_WIDTH);
    await bell(phonePage, "Inbox, no unread messages").waitFor();
    await phone.close();
  });

  it("reported no console errors, failed requests, uncaught exceptions or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
