import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  openDesktopSession,
  openPhonePage,
  screenshot,
  setUpFirstAdmin,
  sidewaysOverflow,
  tabTo,
  type DesktopSession,
} from "./browser.ts";

/** A shown curl command, taken apart: the URL, its -H headers and its -d body. */
interface CurlRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Reads the curl command the panel shows (one option per line, as it writes them). */
function parseCurl(command: string): CurlRequest {
  const lines = command.split("\n").map((line) => line.replace(/\s*\\$/, "").trim());
  const url = /^curl (\S+)$/.exec(lines[0] ?? "")?.[1];
  if (!url) throw new Error(`no URL in ${command}`);
  const headers: Record<string, string> = {};
  let body = "";
  for (const line of lines.slice(1)) {
    const header = /^-H "([^:]+): (.*)"$/.exec(line);
    const data = /^-d '(.*)'$/.exec(line);
    if (header) headers[header[1]!] = header[2]!;
    else if (data) body = data[1]!;
    else throw new Error(`unexpected curl option: ${line}`);
  }
  return { url, headers, body };
}

/**
 * The persona page's "Use from other apps" panel: the base URL and model id it shows (and copies) are
 * the ones that work, its tabs work by keyboard, and the curl command it shows — with a real key put in
 * place of `$DRAMATIS_API_KEY` — gets a chat completion from the persona. Read-only presets show it too,
 * and it fits a phone.
 */
describe.skipIf(!CHROMIUM_PATH)("persona page: Use from other apps", () => {
  let session: DesktopSession;
  let page: Page;
  let key = "";
  let personaId = "";

  const url = (path: string) => new URL(path, session.web.server.url).toString();
  const api = async (path: string, init: { method?: string; json?: unknown } = {}): Promise<any> => {
    const response = await fetch(url(path), {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
    const body = await response.json();
    expect(response.ok, JSON.stringify(body)).toBe(true);
    return body;
  };
  const panel = (on: Page): Locator => on.getByRole("region", { name: "Use from other apps" });

  beforeAll(async () => {
    session = await openDesktopSession("e2e-api-access-0123");
    page = session.page;
    await session.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: new URL(session.web.server.url).origin,
    });
    await setUpFirstAdmin(page, session.web.setupUrl, "Ana");
    // A key made through the API, as the signed-in admin (session cookie and CSRF token), the way
    // Settings → API keys makes one.
    key = await page.evaluate<string>(`(async () => {
      const current = await (await fetch("/v1/auth/session")).json();
      const response = await fetch("/v1/keys", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": current.csrf_token },
        body: JSON.stringify({ name: "e2e OpenAI client", scopes: ["read", "write"] }),
      });
      return (await response.json()).key;
    })()`);
    expect(key).toMatch(/^\S{16,}$/);
    personaId = (await api("/v1/personas", { method: "POST", json: { name: "Captain Vex" } })).id;
  });

  afterAll(async () => {
    await session?.stop();
  });

  it("shows the base URL and the model id of this persona", async () => {
    await page.goto(url(`/personas/${personaId}`));
    const access = panel(page);
    await access.getByRole("heading", { name: "Use from other apps" }).waitFor();
    const origin = new URL(session.web.server.url).origin;
    expect(await access.getByLabel("Base URL").inputValue()).toBe(`${origin}/v1`);
    expect(await access.getByLabel("Model id").inputValue()).toBe(`persona/${personaId}`);
    const curl = await access.getByRole("tabpanel").locator("code").innerText();
    expect(curl).toContain(`${origin}/v1/chat/completions`);
    expect(curl).toContain(`persona/${personaId}`);
    expect(curl).toContain("Bearer $DRAMATIS_API_KEY");
    expect(curl).not.toContain(key);
    await access.scrollIntoViewIfNeeded();
    await screenshot(page, "persona-api-access");
  });

  it("copies the model id and the curl command", async () => {
    const access = panel(page);
    await access.getByRole("button", { name: "Copy model id" }).click();
    await access.getByRole("status").filter({ hasText: "Copied" }).waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(`persona/${personaId}`);

    await access.getByRole("button", { name: "Copy curl command" }).click();
    const shown = await access.getByRole("tabpanel").locator("code").innerText();
    await expect.poll(() => page.evaluate<string>("navigator.clipboard.readText()")).toBe(shown);
  });

  it("switches snippets with the arrow keys", async () => {
    const access = panel(page);
    const origin = new URL(session.web.server.url).origin;
    const curlTab = access.getByRole("tab", { name: "curl" });
    await access.getByLabel("Model id").focus();
    await tabTo(page, curlTab);
    expect(await curlTab.getAttribute("aria-selected")).toBe("true");

    await page.keyboard.press("ArrowRight");
    const javascript = access.getByRole("tab", { name: "JavaScript" });
    expect(await javascript.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(
      true,
    );
    expect(await javascript.getAttribute("aria-selected")).toBe("true");
    const code = access.getByRole("tabpanel", { name: "JavaScript" });
    expect(await code.innerText()).toContain(`baseURL: "${origin}/v1"`);
    expect(await code.innerText()).toContain(`model: "persona/${personaId}"`);

    await page.keyboard.press("ArrowRight");
    const python = await access.getByRole("tabpanel", { name: "Python" }).innerText();
    expect(python).toContain(`base_url="${origin}/v1"`);
    expect(python).toContain(`os.environ["DRAMATIS_API_KEY"]`);

    await page.keyboard.press("End");
    const apps = await access.getByRole("tabpanel", { name: "SillyTavern / Open WebUI" }).innerText();
    expect(apps).toContain("Custom (OpenAI-compatible)");
    expect(apps).toContain(`${origin}/v1`);
    expect(apps).toContain(`persona/${personaId}`);

    await page.keyboard.press("ArrowRight");
    expect(await curlTab.getAttribute("aria-selected")).toBe("true");
    // Only the selected tab is in the Tab order; Tab goes on to its panel.
    await page.keyboard.press("Tab");
    expect(
      await access
        .getByRole("tabpanel", { name: "curl" })
        .evaluate((element) => element === element.ownerDocument.activeElement),
    ).toBe(true);
  });

  it("answers the curl command it shows, with a real key in place of the placeholder", async () => {
    const access = panel(page);
    const model = await access.getByLabel("Model id").inputValue();
    const command = await access.getByRole("tabpanel", { name: "curl" }).locator("code").innerText();
    const request = parseCurl(command);
    expect(request.headers.Authorization).toBe("Bearer $DRAMATIS_API_KEY");
    const headers = {
      ...request.headers,
      Authorization: request.headers.Authorization!.replace("$DRAMATIS_API_KEY", key),
    };
    expect(JSON.parse(request.body).model).toBe(model);

    const response = await fetch(request.url, { method: "POST", headers, body: request.body });
    const completion = (await response.json()) as any;
    expect(response.status, JSON.stringify(completion)).toBe(200);
    expect(completion.object).toBe("chat.completion");
    expect(completion.persona_id).toBe(personaId);
    expect(completion.choices[0].message.role).toBe("assistant");
    expect(completion.choices[0].message.content).toEqual(expect.any(String));
  });

  it("links admins to Settings → API keys", async () => {
    await panel(page).getByRole("link", { name: "Settings → API keys" }).click();
    await page.waitForURL(/\/settings\/keys$/);
    await page.getByRole("heading", { name: "API keys", exact: true }).waitFor();
  });

  it("is shown on a read-only preset too, and fits a phone", async () => {
    const presets = await api("/v1/personas?kind=preset&limit=1");
    const preset = presets.data[0];
    expect(preset, "the server ships presets").toBeDefined();

    const { phone, phonePage } = await openPhonePage(session.browser, session.context, session.errors);
    try {
      await phonePage.goto(url(`/personas/${preset.id}`));
      await phonePage.getByText("This is a preset").waitFor();
      const access = panel(phonePage);
      await access.getByRole("heading", { name: "Use from other apps" }).waitFor();
      expect(await access.getByLabel("Model id").inputValue()).toBe(`persona/${preset.id}`);
      await access.getByRole("tab", { name: "SillyTavern / Open WebUI" }).click();
      await access.getByRole("tabpanel", { name: "SillyTavern / Open WebUI" }).waitFor();
      expect(await sidewaysOverflow(phonePage), "the builder scrolls sideways").toBeLessThanOrEqual(0);
      const right = (await access.evaluate((element) => element.getBoundingClientRect().right)) as number;
      expect(right).toBeLessThanOrEqual(phonePage.viewportSize()!.width);
      await screenshot(phonePage, "persona-api-access-phone");
    } finally {
      await phone.close();
    }
    expect(session.errors).toEqual([]);
  });
});
