import { createHmac } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockPushService, type MockPushService } from "../mock-push-service.ts";
import {
  MOCK_WHATSAPP_ACCESS_TOKEN,
  MOCK_WHATSAPP_APP_SECRET,
  MOCK_WHATSAPP_VERIFY_TOKEN,
  startMockWhatsApp,
  type MockWhatsApp,
} from "../mock-whatsapp.ts";
import {
  CHROMIUM_PATH,
  launchBrowser,
  screenshot,
  startWebServer,
  watchForErrors,
  type WebServer,
  openPhonePage,
  sidewaysOverflow,
  setUpFirstAdmin,
} from "./browser.ts";

/**
 * The WhatsApp and notification screens in real Chromium against the real server, with a loopback Graph
 * API and push service (the SMS screens have test/e2e/sms.test.ts): a persona's WhatsApp number in the
 * builder (what is not a phone number id refused inline), linking a WhatsApp with a code
 * the test sends as a signed webhook (the screen notices by itself), and the Notifications tab: devices
 * listed, renamed, tested (the mock push service decrypts the test), removed by the push service's 410
 * and by hand, the service worker showing a pushed notification, and "Turn on" failing clearly where no
 * push service is reachable. Then the same tabs on a phone, and no console errors on the way.
 */

const SETUP_TOKEN = "e2e-channels-setup-token";
const PHONE_NUMBER_ID = "106540352242922";
const WA_ID = "14155550123";

if (!CHROMIUM_PATH) {
  console.warn(
    "channel end-to-end tests skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)",
  );
}

describe.skipIf(!CHROMIUM_PATH)("WhatsApp and notification screens in Chromium", () => {
  let web: WebServer;
  let meta: MockWhatsApp;
  let push: MockPushService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let csrf = "";
  let personaId = "";

  beforeAll(async () => {
    [meta, push] = await Promise.all([startMockWhatsApp(), startMockPushService()]);
    web = await startWebServer({
      setupToken: SETUP_TOKEN,
      environment: {
        WHATSAPP_VERIFY_TOKEN: MOCK_WHATSAPP_VERIFY_TOKEN,
        WHATSAPP_APP_SECRET: MOCK_WHATSAPP_APP_SECRET,
        WHATSAPP_ACCESS_TOKEN: MOCK_WHATSAPP_ACCESS_TOKEN,
        WHATSAPP_BASE_URL: meta.settings.baseUrl,
        DRAMATIS_PUSH_ALLOW_HTTP: "true",
        // the mock push service is on loopback, which the outbound policy refuses unless listed
        DRAMATIS_OUTBOUND_ALLOW: new URL(push.baseUrl).host,
        DRAMATIS_VAPID_SUBJECT: "mailto:ops@example.com",
      },
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    errors = watchForErrors(context).errors;
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await Promise.all([meta?.close(), push?.close()]);
  });

  const url = (path: string) => new URL(path, web.server.url).toString();
  /** Drops the errors a step provoked on purpose, named by a pattern each. */
  const expectAndForget = (...patterns: RegExp[]) => {
    for (const pattern of patterns)
      expect(
        errors.some((entry) => pattern.test(entry)),
        String(pattern),
      ).toBe(true);
    errors.splice(
      0,
      errors.length,
      ...errors.filter((entry) => !patterns.some((pattern) => pattern.test(entry))),
    );
  };

  it("sets up the first admin and a persona", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Rui");
    csrf = ((await (await page.request.get(url("/v1/auth/session"))).json()) as { csrf_token: string })
      .csrf_token;
    const created = await page.request.post(url("/v1/personas"), {
      headers: { "x-csrf-token": csrf },
      data: {
        name: "Ada",
        modifiers: { responds_immediately: true, responds_outside_active_hours: true },
      },
    });
    personaId = ((await created.json()) as { id: string }).id;
  });

  it("binds a WhatsApp number in the persona builder, refusing what is not Meta's phone number id", async () => {
    await page.goto(url(`/personas/${personaId}`));
    const channels = page.locator(".persona-channels");
    await channels.getByRole("heading", { name: "Channels" }).waitFor();
    const whatsappForm = channels.getByRole("form", { name: "Add a WhatsApp number" });
    await whatsappForm.getByLabel("Phone number id").fill("+1 555 0100");
    await whatsappForm.getByLabel("The number as people see it").fill("+1 555 0100");
    await whatsappForm.getByRole("button", { name: "Add WhatsApp number" }).click();
    await whatsappForm.locator(".field-error").waitFor();
    expect(await whatsappForm.locator(".field-error").textContent()).toMatch(/phone number id/);
    expectAndForget(/HTTP 422: POST .*\/whatsapp-numbers$/, /status of 422/);
    expect(await channels.getByText(/\/v1\/channels\/whatsapp$/).count()).toBe(1);
    await whatsappForm.getByLabel("Phone number id").fill(PHONE_NUMBER_ID);
    await whatsappForm.getByLabel("The number as people see it").fill("+1 555 0100");
    await whatsappForm.getByRole("button", { name: "Add WhatsApp number" }).click();
    await channels.locator(".channel-list li", { hasText: `id ${PHONE_NUMBER_ID}` }).waitFor();
  });

  it("links a WhatsApp with a code the screen shows, noticing the link by itself", async () => {
    await page.goto(url("/settings/whatsapp"));
    await page.getByRole("heading", { name: "WhatsApp", exact: true }).waitFor();
    await page.getByText("No WhatsApp linked yet.").waitFor();
    await page.getByRole("button", { name: "Link my WhatsApp" }).click();
    const region = page.getByRole("region", { name: "Your link code" });
    const code = ((await region.locator(".link-code").textContent()) ?? "").trim();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const open = region.getByRole("link", { name: "Open in WhatsApp" });
    expect(await open.getAttribute("href")).toBe(`https://wa.me/15550100?text=${encodeURIComponent(code)}`);

    // The user sends the code from WhatsApp: Meta posts it to the webhook, signed.
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          changes: [
            {
              field: "messages",
              value: {
                metadata: { phone_number_id: PHONE_NUMBER_ID, display_phone_number: "15550100" },
                contacts: [{ wa_id: WA_ID, profile: { name: "Rui" } }],
                messages: [
                  { from: WA_ID, id: "wamid.E2E1", timestamp: "1", type: "text", text: { body: code } },
                ],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac("sha256", MOCK_WHATSAPP_APP_SECRET).update(body).digest("hex")}`;
    const posted = await fetch(url("/v1/channels/whatsapp"), {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body,
    });
    expect(posted.status).toBe(200);
    await page.getByText(`Linked +${WA_ID} (Rui)`).waitFor({ timeout: 20_000 });
    await page.locator(".settings-item", { hasText: `+${WA_ID}` }).waitFor();
    expect((await meta.waitForMessages(1))[0]).toMatchObject({ to: WA_ID, phoneNumberId: PHONE_NUMBER_ID });
    await screenshot(page, "settings-whatsapp");
  });

  it("lists, renames, tests and removes notification devices, and the push service's 410 removes one", async () => {
    const { public_key } = (await (await page.request.get(url("/v1/push/vapid-public-key"))).json()) as {
      public_key: string;
    };
    const register = async (name: string) => {
      const subscription = push.subscribe({ applicationServerKey: public_key });
      const response = await page.request.post(url("/v1/push/subscriptions"), {
        headers: { "x-csrf-token": csrf },
        data: { ...subscription.subscription, name },
      });
      expect(response.status()).toBe(201);
      return subscription;
    };
    const laptop = await register("Laptop");
    await register("Old phone");

    await page.goto(url("/settings/notifications"));
    await page.getByRole("heading", { name: "Notifications" }).waitFor();
    const laptopItem = page.locator(".settings-item", { hasText: "Laptop" });
    await laptopItem.waitFor();
    expect(await laptopItem.textContent()).toContain(new URL(push.baseUrl).origin);

    await laptopItem.getByRole("button", { name: "Rename" }).click();
    await laptopItem.getByLabel("Device name").fill("Work laptop");
    await laptopItem.getByRole("button", { name: "Save name" }).click();
    const workItem = page.locator(".settings-item", { hasText: "Work laptop" });
    await workItem.waitFor();

    const delivered = push.deliveries.length;
    await workItem.getByRole("button", { name: "Send a test notification" }).click();
    await page.getByText("A test notification is on its way to Work laptop.").waitFor();
    const [test] = (await push.waitForDeliveries(delivered + 1)).slice(delivered);
    expect(test).toMatchObject({
      subscriptionId: laptop.id,
      json: { title: "Test notification", test: true },
    });

    laptop.gone = true;
    await workItem.getByRole("button", { name: "Send a test notification" }).click();
    await page
      .getByText(/Work laptop was removed: its push service no longer knows it \(HTTP 410\)/)
      .waitFor();
    await workItem.waitFor({ state: "detached" });

    const oldPhone = page.locator(".settings-item", { hasText: "Old phone" });
    await oldPhone.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove device" }).click();
    await page.getByText("No device gets notifications yet.").waitFor();
  });

  it("shows a pushed message as a notification from the service worker", { timeout: 60_000 }, async () => {
    await context.grantPermissions(["notifications"], { origin: web.server.url });
    await page.goto(url("/settings/notifications"));
    const devtools = await context.newCDPSession(page);
    await devtools.send("ServiceWorker.enable");
    const registered = new Promise<string>((resolve) => {
      devtools.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const registration = registrations.find((entry) => entry.scopeURL === url("/") && !entry.isDeleted);
        if (registration) resolve(registration.registrationId);
      });
    });
    await page.evaluate(
      `navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).then(() => navigator.serviceWorker.ready)`,
    );
    const registrationId = await registered;
    const deliver = () =>
      devtools.send("ServiceWorker.deliverPushMessage", {
        origin: new URL(web.server.url).origin,
        registrationId,
        data: JSON.stringify({ title: "Mira", body: "Good morning!", url: "/chat/cnv_x", tag: "sch_1" }),
      });
    const shown = async () =>
      (await page.evaluate(
        `navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((list) => list.map((n) => [n.title, n.body, n.tag, n.data && n.data.url].join("|")))`,
      )) as string[];
    await deliver();
    // A push that reaches the worker while a busy browser is still starting it can be dropped; the same
    // tag replaces, so delivering again until the notification shows is safe.
    await expect
      .poll(
        async () => {
          const notifications = await shown();
          if (notifications.length === 0) await deliver();
          return notifications;
        },
        { timeout: 30_000 },
      )
      .toEqual(["Mira|Good morning!|sch_1|/chat/cnv_x"]);
    await devtools.detach();
  });

  it("says clearly when this browser cannot reach a push service", async () => {
    await page.goto(url("/settings/notifications"));
    const turnOn = page.getByRole("button", { name: "Turn on notifications on this device" });
    await turnOn.click();
    // Headless Chromium here has no push service to subscribe with.
    await page.getByText(/could not reach its push service/).waitFor({ timeout: 30_000 });
    // Chromium says why on the console itself (test contexts are incognito, where it has no push service).
    expectAndForget(/does not support the Push API in incognito mode/);
  });

  it("fits a phone on these tabs", async () => {
    const { phone, phonePage } = await openPhonePage(browser, context, errors);
    for (const path of [
      "/settings/notifications",
      "/settings/phone-numbers",
      "/settings/whatsapp",
      `/personas/${personaId}`,
    ]) {
      await phonePage.goto(url(path));
      // The page's own content has loaded once its section heading shows (the inbox stream never idles).
      await phonePage.locator("main h2").first().waitFor();
      const overflow = await sidewaysOverflow(phonePage);
      expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
    }
    await phone.close();
  });

  it("reported no console errors, failed requests, uncaught exceptions or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
