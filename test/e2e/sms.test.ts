import { createHmac } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOCK_TWILIO_AUTH_TOKEN, startMockTwilio, type MockTwilio } from "../mock-twilio.ts";
import {
  CHROMIUM_PATH,
  launchBrowser,
  screenshot,
  setUpFirstAdmin,
  startWebServer,
  tabTo,
  watchForErrors,
  type WebServer,
  openPhonePage,
  sidewaysOverflow,
  PHONE_WIDTH,
} from "./browser.ts";

/**
 * The SMS screens in real Chromium against the real server, with Twilio played by the loopback mock:
 * a persona made in the builder binds its Twilio number (a non-US number refused with 422 and a number
 * of another persona with 409, each next to the field; binding twice says so), warns while "SMS enabled"
 * is off, and unbinds one by keyboard through the confirmation. In Settings a phone is verified with
 * the code the mock received (429 and a wrong code shown on the way), the numbers to text are listed,
 * a phone that texted STOP is shown opted out and refused with 409, and numbers are removed. Then both
 * screens at phone width, and, on a server without Twilio, the calm explanation instead of errors.
 * Every request the test provokes to fail is named and dropped; anything else fails the last check.
 */

const PERSONA_NUMBER = "+14155550100";
const SPARE_NUMBER = "+14155550102";
const OTHER_PERSONAS_NUMBER = "+14155550101";
const USER_NUMBER = "+14155550111";
const STOPPED_NUMBER = "+14155550112";
const WEBHOOK_PATH = "/v1/channels/twilio/sms";

if (!CHROMIUM_PATH) {
  console.warn("SMS end-to-end tests skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)");
}

describe.skipIf(!CHROMIUM_PATH)("SMS screens in Chromium, with Twilio", () => {
  let web: WebServer;
  let twilio: MockTwilio;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let csrf = "";
  let personaId = "";

  beforeAll(async () => {
    twilio = await startMockTwilio();
    web = await startWebServer({
      setupToken: "e2e-sms-setup-token",
      environment: {
        TWILIO_ACCOUNT_SID: twilio.settings.accountSid,
        TWILIO_AUTH_TOKEN: twilio.settings.authToken,
        TWILIO_BASE_URL: twilio.settings.baseUrl,
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
    await twilio?.close();
  });

  const url = (path: string) => new URL(path, web.server.url).toString();

  /** Drops the failed requests a step provoked on purpose: its HTTP status line and Chromium's console line. */
  const expectAndForget = (status: number, request: RegExp) => {
    const provoked = (entry: string) =>
      (entry.startsWith(`HTTP ${status}: `) && request.test(entry)) ||
      new RegExp(`^console: Failed to load resource: .*status of ${status}\\b`).test(entry);
    expect(errors.some(provoked), `expected a ${status} from ${request}`).toBe(true);
    errors.splice(0, errors.length, ...errors.filter((entry) => !provoked(entry)));
  };

  /** Twilio's webhook for a text from `from` to `to`, signed with the account's auth token. */
  async function textFromPhone(from: string, to: string, body: string, sid: string): Promise<number> {
    const webhookUrl = url(WEBHOOK_PATH);
    const parameters: Record<string, string> = { Body: body, From: from, MessageSid: sid, To: to };
    const signed = Object.keys(parameters)
      .sort()
      .reduce((text, name) => text + name + parameters[name], webhookUrl);
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": createHmac("sha1", MOCK_TWILIO_AUTH_TOKEN).update(signed).digest("base64"),
      },
      body: new URLSearchParams(parameters).toString(),
    });
    return response.status;
  }

  it("sets up the first admin through the setup page", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Sol");
    csrf = ((await (await page.request.get(url("/v1/auth/session"))).json()) as { csrf_token: string })
      .csrf_token;
  });

  it("creates a persona in the builder, binds its number, and warns until SMS is enabled", async () => {
    await page.goto(url("/personas/new"));
    await page.getByLabel("Name", { exact: true }).fill("Ada");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    personaId = new URL(page.url()).pathname.split("/").pop()!;

    const channels = page.locator(".persona-channels");
    await channels.getByRole("heading", { name: "SMS (Twilio)" }).waitFor();
    await channels.getByText("No phone number yet.").waitFor();
    // Where Twilio must post: this server's own address.
    await channels.getByText(`${new URL(web.server.url).origin}${WEBHOOK_PATH}`, { exact: true }).waitFor();

    const form = channels.getByRole("form", { name: "Add a Twilio number" });
    const field = form.getByLabel("Twilio number");
    await field.fill(PERSONA_NUMBER);
    await field.press("Enter");
    await channels.getByText(`Bound ${PERSONA_NUMBER}.`).waitFor();
    await channels.locator(".channel-list li", { hasText: PERSONA_NUMBER }).waitFor();
    // Never published, so the draft answers, and its "SMS enabled" is off.
    const warning = channels.getByRole("alert").filter({ hasText: "“SMS enabled” is off" });
    await warning.getByText(/the draft\): texts to these numbers are not answered/).waitFor();

    await page.getByRole("button", { name: "Features", exact: true }).click();
    await page.getByLabel("SMS enabled").check();
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Draft saved.").waitFor();
    await warning.waitFor({ state: "detached" });
    const listed = (await (
      await page.request.get(url(`/v1/personas/${personaId}/phone-numbers`))
    ).json()) as {
      sms_enabled: boolean;
    };
    expect(listed.sms_enabled).toBe(true);
  });

  it("shows the server's 422 and 409 next to the field, and says when a number was already bound", async () => {
    // Another persona of the tenant holds a number already.
    const other = await page.request.post(url("/v1/personas"), {
      headers: { "x-csrf-token": csrf },
      data: { name: "Bea" },
    });
    const otherId = ((await other.json()) as { id: string }).id;
    const bound = await page.request.post(url(`/v1/personas/${otherId}/phone-numbers`), {
      headers: { "x-csrf-token": csrf },
      data: { phone_number: OTHER_PERSONAS_NUMBER },
    });
    expect(bound.status()).toBe(201);

    const channels = page.locator(".persona-channels");
    const form = channels.getByRole("form", { name: "Add a Twilio number" });
    const field = form.getByLabel("Twilio number");
    const fieldError = form.locator(".field-error");
    const submit = form.getByRole("button", { name: "Add number" });

    await field.fill("+447700900123");
    await submit.click();
    await fieldError.getByText(/United States|Canada/).waitFor();
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    // The message is tied to the field for screen readers, and the summary announces it.
    const describedBy = (await field.getAttribute("aria-describedby")) ?? "";
    expect(describedBy.split(" ")).toContain(await fieldError.getAttribute("id"));
    await form.getByRole("alert").getByText("Check the fields marked below.").waitFor();
    expectAndForget(422, /POST .*\/v1\/personas\/[^/]+\/phone-numbers$/);

    await field.fill(OTHER_PERSONAS_NUMBER);
    expect(await fieldError.count()).toBe(0);
    await submit.click();
    await fieldError.getByText(`${OTHER_PERSONAS_NUMBER} is already bound to another persona`).waitFor();
    expectAndForget(409, /POST .*\/v1\/personas\/[^/]+\/phone-numbers$/);

    await field.fill(PERSONA_NUMBER);
    await submit.click();
    await channels.getByText(`${PERSONA_NUMBER} was already bound to Ada.`).waitFor();
    expect(await channels.locator(".channel-list li").count()).toBe(1);
    await channels.getByRole("heading", { name: "SMS (Twilio)" }).scrollIntoViewIfNeeded();
    await screenshot(page, "sms-persona-numbers");
  });

  it("unbinds a number by keyboard, through the confirmation", async () => {
    const channels = page.locator(".persona-channels");
    const field = channels.getByRole("textbox", { name: "Twilio number" });
    await field.fill(SPARE_NUMBER);
    await field.press("Enter");
    await channels.getByText(`Bound ${SPARE_NUMBER}.`).waitFor();

    // From the section before Channels, Tab reaches the Unbind button.
    await page.getByRole("button", { name: "Copy join code" }).focus();
    await tabTo(page, channels.getByRole("button", { name: `Unbind ${SPARE_NUMBER}` }));
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Unbind ${SPARE_NUMBER} from Ada?` });
    await dialog.waitFor();
    // Cancel has the focus, so a second Enter does no harm; the action is one step back.
    await expect
      .poll(() =>
        dialog
          .getByRole("button", { name: "Cancel" })
          .evaluate((element) => element === element.ownerDocument.activeElement),
      )
      .toBe(true);
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    await channels.locator(".channel-list li", { hasText: SPARE_NUMBER }).waitFor({ state: "detached" });
    await channels.locator(".channel-list li", { hasText: PERSONA_NUMBER }).waitFor();
  });

  it("verifies the user's phone in Settings with the texted code, by keyboard", async () => {
    await page.goto(url("/settings/phone-numbers"));
    await page.getByRole("heading", { name: "Phone numbers", level: 2 }).waitFor();
    await page.getByText("No phone numbers yet.").waitFor();
    // Two personas have numbers: the user may pick which one texts the code.
    await page.getByLabel("Text the code from").selectOption({ label: `Bea (${OTHER_PERSONAS_NUMBER})` });

    const before = twilio.messages.length;
    await page.getByLabel("Your phone number").focus();
    await page.keyboard.type(USER_NUMBER);
    await page.keyboard.press("Enter");
    const [text] = (await twilio.waitForMessages(before + 1)).slice(before);
    expect(text).toMatchObject({ from: OTHER_PERSONAS_NUMBER, to: USER_NUMBER });
    const code = /\b(\d{6})\b/.exec(text!.body)?.[1] ?? "";
    expect(code).toMatch(/^\d{6}$/);
    await page.getByText(`We texted a code to ${USER_NUMBER}. Enter it below.`).waitFor();
    const item = page.locator(".settings-item", { hasText: USER_NUMBER });
    await item.getByText("Waiting for the code").waitFor();
    const codeField = item.getByLabel("Code from the text");
    // The code field opens with the focus: the next thing to do is type the code.
    await expect
      .poll(() => codeField.evaluate((element) => element === element.ownerDocument.activeElement))
      .toBe(true);

    // Asking again at once: the server's 429 says to wait.
    await item.getByRole("button", { name: "Text a new code" }).click();
    await item
      .getByRole("alert")
      .getByText(/a code was just sent to .*; ask for another in 30 seconds/)
      .waitFor();
    expectAndForget(429, /POST .*\/v1\/phone-numbers$/);
    expect(twilio.messages.length).toBe(before + 1);

    await codeField.fill(code === "000000" ? "111111" : "000000");
    await codeField.press("Enter");
    await item.locator(".field-error").getByText("is not the code we sent").waitFor();
    expectAndForget(422, /POST .*\/v1\/phone-numbers\/verify$/);

    await codeField.fill("");
    await codeField.focus();
    // Pasted with a space, as codes often are: only the digits count.
    await page.keyboard.insertText(`${code.slice(0, 3)} ${code.slice(3)}`);
    expect(await codeField.inputValue()).toBe(code);
    await page.keyboard.press("Enter");
    await item.getByText("Verified", { exact: true }).waitFor();
    await page.getByText(`${USER_NUMBER} is verified: its texts now reach your personas.`).waitFor();

    // The numbers to text: Ada answers; Bea has "SMS enabled" off, so hers is not offered.
    const texting = page.getByRole("region", { name: "Text your personas" });
    const adaLink = texting.getByRole("link", { name: PERSONA_NUMBER });
    expect(await adaLink.getAttribute("href")).toBe(`sms:${PERSONA_NUMBER}`);
    await texting.locator("li", { hasText: PERSONA_NUMBER }).getByText("· Ada").waitFor();
    expect(await texting.locator("li").count()).toBe(1);
    expect(await texting.getByText(OTHER_PERSONAS_NUMBER).count()).toBe(0);
    await screenshot(page, "sms-settings");

    // Asking for a code for a number already verified to you sends nothing, and says so.
    await page.getByLabel("Your phone number").fill(USER_NUMBER);
    await page.getByRole("button", { name: "Text me a code" }).click();
    await page.getByText(`${USER_NUMBER} is already verified to you.`).waitFor();
    expect(twilio.messages.length).toBe(before + 1);
  });

  it("shows a phone that texted STOP as opted out, and refuses it a code with 409", async () => {
    const before = twilio.messages.length;
    await page.getByLabel("Your phone number").fill(STOPPED_NUMBER);
    await page.getByRole("button", { name: "Text me a code" }).click();
    await page.getByText(`We texted a code to ${STOPPED_NUMBER}. Enter it below.`).waitFor();
    await twilio.waitForMessages(before + 1);

    expect(await textFromPhone(STOPPED_NUMBER, PERSONA_NUMBER, "STOP", `SM${"5".repeat(32)}`)).toBe(200);
    await page.reload();
    const item = page.locator(".settings-item", { hasText: STOPPED_NUMBER });
    await item.getByText("Opted out", { exact: true }).waitFor();
    await item.getByText(/Text START to a persona's number to get texts again/).waitFor();

    const field = page.getByLabel("Your phone number");
    await field.fill(STOPPED_NUMBER);
    await field.press("Enter");
    await page
      .getByRole("form", { name: "Add a phone number" })
      .locator(".field-error")
      .getByText(`${STOPPED_NUMBER} has opted out of SMS (it texted STOP)`)
      .waitFor();
    expectAndForget(409, /POST .*\/v1\/phone-numbers$/);
    expect(twilio.messages.length).toBe(before + 1);
  });

  it("removes both numbers by keyboard, through the confirmation", async () => {
    for (const number of [STOPPED_NUMBER, USER_NUMBER]) {
      const item = page.locator(".settings-item", { hasText: number });
      await item.getByRole("heading", { name: number }).waitFor();
      await page.getByLabel("Your phone number").focus();
      await tabTo(page, item.getByRole("button", { name: "Remove" }));
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: `Remove ${number}?` });
      await dialog.waitFor();
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("Enter");
      await item.waitFor({ state: "detached" });
    }
    await page.getByText("No phone numbers yet.").waitFor();
    const listed = (await (await page.request.get(url("/v1/phone-numbers"))).json()) as { data: unknown[] };
    expect(listed.data).toEqual([]);
  });

  it("fits a phone: both screens, with a pending number and its code field open", async () => {
    const { phone, phonePage } = await openPhonePage(browser, context, errors);

    await phonePage.goto(url("/settings/phone-numbers"));
    await phonePage.getByLabel("Your phone number").fill(USER_NUMBER);
    await phonePage.getByRole("button", { name: "Text me a code" }).click();
    await phonePage.getByLabel("Code from the text").waitFor();
    expect(await sidewaysOverflow(phonePage), "Settings scrolls sideways").toBeLessThanOrEqual(0);
    await screenshot(phonePage, "sms-settings-phone");

    await phonePage.goto(url(`/personas/${personaId}`));
    const channels = phonePage.locator(".persona-channels");
    await channels.locator(".channel-list li", { hasText: PERSONA_NUMBER }).waitFor();
    await channels.getByRole("button", { name: `Unbind ${PERSONA_NUMBER}` }).scrollIntoViewIfNeeded();
    expect(await sidewaysOverflow(phonePage), "the builder scrolls sideways").toBeLessThanOrEqual(0);
    await screenshot(phonePage, "sms-persona-numbers-phone");
    const webhookRight = (await phonePage.evaluate(
      `[...document.querySelectorAll(".persona-channels code")].reduce((right, code) => Math.max(right, code.getBoundingClientRect().right), 0)`,
    )) as number;
    expect(webhookRight).toBeLessThanOrEqual(PHONE_WIDTH);
    await phone.close();
  });

  it("reported no console errors, failed requests, uncaught exceptions or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});

describe.skipIf(!CHROMIUM_PATH)("SMS screens in Chromium, on a server without Twilio", () => {
  let web: WebServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    web = await startWebServer({ setupToken: "e2e-sms-off-setup-token" });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    errors = watchForErrors(context).errors;
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  const url = (path: string) => new URL(path, web.server.url).toString();

  it("explains in the builder and in Settings that SMS is not set up, without an error", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Noor");
    await page.goto(url("/personas/new"));
    await page.getByLabel("Name", { exact: true }).fill("Ada");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    const channels = page.locator(".persona-channels");
    const explained = channels.getByRole("status").filter({ hasText: "SMS is not set up on this server" });
    await explained.getByText("TWILIO_ACCOUNT_SID").waitFor();
    expect(await channels.getByRole("form", { name: "Add a Twilio number" }).count()).toBe(0);
    expect(await channels.getByRole("alert").count()).toBe(0);

    await page.goto(url("/settings/phone-numbers"));
    await page
      .getByRole("status")
      .filter({ hasText: "SMS is not set up on this server" })
      .getByText("TWILIO_AUTH_TOKEN")
      .waitFor();
    expect(await page.getByLabel("Your phone number").count()).toBe(0);
    expect(await page.getByRole("alert").count()).toBe(0);
    // The screens asked the server what is set up instead of calling routes that answer 404.
    expect(errors).toEqual([]);
  });
});
