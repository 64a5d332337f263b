import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localTime } from "../../src/proactive/schedule-planning.ts";
import {
  CHROMIUM_PATH,
  launchBrowser,
  setUpFirstAdmin,
  startWebServer,
  watchForErrors,
  type WebServer,
} from "./browser.ts";

/**
 * Proactive messages on a fast clock, nothing moved by hand: the real server runs on a simulated clock
 * (DRAMATIS_CLOCK_SPEED=120, a minute every half second) and its own scheduler ticks; a persona with
 * initiative 10 whose active hours begin a few simulated minutes from now sends its good morning by
 * itself. It shows up live in Chromium (a toast and the unread count, no reload) and in
 * /v1/scheduled-messages as sent.
 */

const SETUP_TOKEN = "e2e-fast-clock-setup-token";
const SPEED = 120;
const TIME_ZONE = "Asia/Tokyo";

if (!CHROMIUM_PATH) {
  console.warn(
    "fast-clock end-to-end test skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)",
  );
}

describe.skipIf(!CHROMIUM_PATH)("a good morning on a fast clock, live in Chromium", () => {
  let web: WebServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    web = await startWebServer({
      setupToken: SETUP_TOKEN,
      // 06:30 in Tokyo on the simulated clock, so the persona's hours can begin later that morning.
      environment: { DRAMATIS_CLOCK_START: "2026-12-03T06:30:00+09:00", DRAMATIS_CLOCK_SPEED: String(SPEED) },
    });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    errors = watchForErrors(context).errors;
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  const url = (path: string) => new URL(path, web.server.url).toString();

  it("sends the good morning by itself once the persona's day begins, shown live and listed as sent", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Kai");
    const session = (await (await page.request.get(url("/v1/auth/session"))).json()) as {
      csrf_token: string;
    };
    const headers = { "x-csrf-token": session.csrf_token };

    // The persona's day begins ten simulated minutes from now (five real seconds), on the minute.
    const serverNow = web.server.services.clock.now();
    const start = localTime(new Date(serverNow.getTime() + 10 * 60_000), TIME_ZONE);
    const created = await page.request.post(url("/v1/personas"), {
      headers,
      data: {
        name: "Mira",
        initiative: 10,
        active_hours: { start, end: "23:30", time_zone: TIME_ZONE },
        modifiers: { responds_immediately: true },
      },
    });
    expect(created.status()).toBe(201);
    const personaId = ((await created.json()) as { id: string }).id;
    const conversation = await page.request.post(url("/v1/conversations"), {
      headers,
      data: { persona_id: personaId, channel: "web" },
    });
    const conversationId = ((await conversation.json()) as { id: string }).id;
    const said = await page.request.post(url(`/v1/conversations/${conversationId}/messages`), {
      headers,
      data: { content: "Morning plans: a run by the river." },
    });
    expect(said.status()).toBe(200);
    // Still before the persona's day: nothing can have been sent yet.
    expect(localTime(web.server.services.clock.now(), TIME_ZONE) < start).toBe(true);

    await page.goto(url("/scheduled"));
    await page.getByRole("button", { name: "Inbox, no unread messages", exact: true }).waitFor();
    await page.evaluate("window.loadedOnce = true");

    // Due within the first 30 simulated minutes of the day: at most 20 real seconds from here.
    const toast = page
      .getByRole("status")
      .locator(".inbox-toast")
      .filter({ hasText: /^Mira:/ });
    await toast.waitFor({ timeout: 40_000 });
    await page.getByRole("button", { name: "Inbox, 1 unread", exact: true }).waitFor();
    expect(await toast.getByRole("link").getAttribute("href")).toBe(`/chat/${conversationId}`);
    expect(await page.evaluate("window.loadedOnce")).toBe(true);

    const listed = (await (
      await page.request.get(url("/v1/scheduled-messages?include_sent=true&kind=good_morning"))
    ).json()) as {
      data: { status: string; content: string | null; sent_at: string | null; due_at: string }[];
    };
    const sent = listed.data.filter((message) => message.status === "sent");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.content?.length).toBeGreaterThan(0);
    const sentAt = new Date(sent[0]!.sent_at!);
    expect(localTime(sentAt, TIME_ZONE) >= start).toBe(true);
    expect(sentAt.getTime() - Date.parse(sent[0]!.due_at)).toBeLessThan(5 * 60_000);
    const statistics = (await (await page.request.get(url("/v1/scheduled-messages/statistics"))).json()) as {
      sent: number;
      good_mornings: number;
    };
    expect(statistics.sent).toBeGreaterThanOrEqual(1);
    expect(statistics.good_mornings).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
  }, 90_000);
});
