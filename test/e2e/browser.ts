import sharp from "sharp";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { loadConfig } from "../../src/config/config.ts";
import { buildWebAppIfStale } from "../../src/cli/web-build.ts";
import { startServer, type RunningServer } from "../../src/server.ts";

/** Debian's chromium (apt-get install chromium), or CHROMIUM_PATH; undefined when neither exists. */
export const CHROMIUM_PATH = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
].find(
  (candidate): candidate is string => candidate !== undefined && candidate !== "" && fs.existsSync(candidate),
);

/** The flags that work on these machines: no sandbox as root, no GPU, and no calls home. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** `chromiumArgs` are added to the usual flags (e.g. a fake microphone: `--use-fake-device-for-media-stream`). */
export async function launchBrowser(options: { chromiumArgs?: string[] } = {}): Promise<Browser> {
  if (!CHROMIUM_PATH) throw new Error("no Chromium: apt-get install chromium, or set CHROMIUM_PATH");
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...(options.chromiumArgs ?? [])],
  });
}

export interface WebServer {
  server: RunningServer;
  setupUrl: string;
  stop(): Promise<void>;
}

/** Builds the web app if needed and starts the real server on a loopback port over a fresh data dir. */
export async function startWebServer(options: {
  setupToken: string;
  /** more settings, as environment variables (DRAMATIS_CLOCK_SPEED, ...) */
  environment?: Record<string, string>;
}): Promise<WebServer> {
  await buildWebAppIfStale();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-e2e-"));
  const config = loadConfig({
    // A browser under test clicks faster than a person: rate limits out of reach unless a suite sets them.
    DRAMATIS_RATE_LIMIT_PER_MINUTE: "1000000",
    DRAMATIS_RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
    DRAMATIS_VERIFICATION_CODES_PER_HOUR: "10000",
    ...options.environment,
    DRAMATIS_DATA_DIR: dataDir,
    PORT: "0",
    DRAMATIS_SETUP_TOKEN: options.setupToken,
  });
  const server = await startServer({ config, logger: pino({ level: "silent" }) });
  if (!server.setupUrl) throw new Error("a fresh server should offer first-start setup");
  return {
    server,
    setupUrl: server.setupUrl,
    async stop() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Collects everything the page reports as an error (console errors, uncaught exceptions, CSP
 * violations, failed requests), so a test can require there were none.
 */
export function watchForErrors(context: BrowserContext): { errors: string[]; attach(page: Page): void } {
  const errors: string[] = [];
  const attach = (page: Page) => {
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    // Chromium logs a failed request as "Failed to load resource" without its address; record which.
    page.on("response", (response) => {
      if (response.status() >= 400)
        errors.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
    });
  };
  context.on("page", attach);
  return { errors, attach };
}

/** Saves a screenshot when DRAMATIS_SCREENSHOTS names a directory (see docs/web-app.md). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const directory = process.env.DRAMATIS_SCREENSHOTS;
  if (!directory) return;
  fs.mkdirSync(directory, { recursive: true });
  await page.screenshot({ path: path.join(directory, `${name}.png`), fullPage: false });
}

/** Creates the first admin through the setup page, as a person would. */
export async function setUpFirstAdmin(page: Page, setupUrl: string, name: string): Promise<void> {
  await page.goto(setupUrl);
  await page.getByRole("heading", { name: "Create the first admin" }).waitFor();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(`${name.toLowerCase()}@example.com`);
  await page.getByLabel("Password").fill(`a long password for ${name}`);
  await page.getByRole("button", { name: "Create admin account" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** Presses Tab until `target` has the focus, proving it is reachable by keyboard from where focus is. */
export async function tabTo(page: Page, target: Locator, limit = 60): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    if (await target.evaluate((element) => element === element.ownerDocument.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`not reached with ${limit} presses of Tab`);
}

/**
 * Picks `modelId` in the model combobox labelled `label` (a model is never typed in free text): opens
 * it, searches for the id, and clicks the option once the server's answer lists it.
 */
export async function pickModel(page: Page, label: string, modelId: string): Promise<void> {
  const picker = page.getByRole("combobox", { name: label, exact: true });
  await picker.click();
  await picker.fill(modelId);
  await page
    .getByRole("listbox", { name: label, exact: true })
    .getByRole("option", { name: modelId })
    .click();
}

/** Phone width used by the layout checks. */
export const PHONE_WIDTH = 375;

/**
 * A phone-sized, touch browser context signed in as `context` is, whose console errors and uncaught
 * exceptions go into `errors` ("phone console: …", "phone page error: …"). Close `phone` when done.
 */
export async function openPhonePage(
  browser: Browser,
  context: BrowserContext,
  errors: string[],
): Promise<{ phone: BrowserContext; phonePage: Page }> {
  const phone = await browser.newContext({
    viewport: { width: PHONE_WIDTH, height: 780 },
    isMobile: true,
    hasTouch: true,
  });
  phone.on("page", (phonePage) => {
    phonePage.on("console", (entry) => {
      if (entry.type() === "error") errors.push(`phone console: ${entry.text()}`);
    });
    phonePage.on("pageerror", (error) => errors.push(`phone page error: ${error.message}`));
  });
  await phone.addCookies(await context.cookies());
  return { phone, phonePage: await phone.newPage() };
}

/** The page's horizontal overflow at phone width, in pixels (0 or less when nothing scrolls sideways). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return (await page.evaluate(`document.documentElement.scrollWidth - ${PHONE_WIDTH}`)) as number;
}

export interface DesktopSession {
  web: WebServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions, CSP violations and failed requests seen so far. */
  errors: string[];
  stop(): Promise<void>;
}

/**
 * A real server and a desktop-sized Chromium page watched for errors: where most suites start.
 * `environment` adds server settings (e.g. `DRAMATIS_LOCAL_MODEL_SERVERS` pointing at a fake Ollama);
 * `chromiumArgs` adds browser flags.
 */
export async function openDesktopSession(
  setupToken: string,
  options: { environment?: Record<string, string>; chromiumArgs?: string[] } = {},
): Promise<DesktopSession> {
  const web = await startWebServer({
    setupToken,
    ...(options.environment ? { environment: options.environment } : {}),
  });
  const browser = await launchBrowser(options.chromiumArgs ? { chromiumArgs: options.chromiumArgs } : {});
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const { errors } = watchForErrors(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return {
    web,
    browser,
    context,
    page,
    errors,
    async stop() {
      await browser.close();
      await web.stop();
    },
  };
}

/**
 * How long `expect.poll` waits for what the page shows when it follows a background job and the page's own
 * polling (a picture being made, a page of the gallery): vitest's default second is too short on a busy
 * machine. The wait ends as soon as the page shows it.
 */
export const UI_WAIT = { timeout: 30_000, interval: 100 };

/** A small real picture, as a phone would send one. */
export function smallPng(
  colour: { r: number; g: number; b: number },
  size: { width: number; height: number } = { width: 24, height: 16 },
): Promise<Buffer> {
  return sharp({ create: { ...size, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

/** What a test reads of an <img> in the page (the tests' types have no DOM). */
interface PageImage {
  complete: boolean;
  naturalWidth: number;
  src: string;
  addEventListener(type: "load" | "error", listener: () => void, options: { once: boolean }): void;
}

/** Resolves with the picture's width once it has been decoded; rejects if it cannot load. */
export function decodedWidth(image: ReturnType<Page["locator"]>): Promise<number> {
  return image.evaluate((element) => {
    const picture = element as unknown as PageImage;
    if (picture.complete && picture.naturalWidth > 0) return picture.naturalWidth;
    return new Promise<number>((resolve, reject) => {
      picture.addEventListener("load", () => resolve(picture.naturalWidth), { once: true });
      picture.addEventListener("error", () => reject(new Error(`${picture.src} did not load`)), {
        once: true,
      });
    });
  });
}
