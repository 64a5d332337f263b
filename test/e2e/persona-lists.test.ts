import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TENANT_ID } from "../../src/services/tenant-service.ts";
import { waitUntil } from "../server-processes.ts";
import {
  CHROMIUM_PATH,
  launchBrowser,
  startWebServer,
  watchForErrors,
  setUpFirstAdmin,
  type WebServer,
} from "./browser.ts";

/**
 * Lists that scale: with a 2,000-persona research population in the tenant, the library shows only the
 * user's own personas (the generated ones behind an opt-in), the chat picker finds "Captain Vex" by
 * typing "Vex" (the server searches), and "Chat" on a persona resumes the latest conversation with it.
 */
const POPULATION_SIZE = 2_000;

describe.skipIf(!CHROMIUM_PATH)("persona lists with a large research population", () => {
  let web: WebServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let key = "";
  let vexId = "";

  const url = (path: string) => new URL(path, web.server.url).toString();
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

  beforeAll(async () => {
    web = await startWebServer({ setupToken: "e2e-lists-0123" });
    key = (
      await web.server.services.apiKeys.create(DEFAULT_TENANT_ID, {
        name: "e2e",
        scopes: ["read", "write", "admin"],
      })
    ).key;
    vexId = (await api("/v1/personas", { method: "POST", json: { name: "Captain Vex" } })).id;
    const cohort = await api("/v1/cohorts", {
      method: "POST",
      json: {
        name: "Panel",
        generator: {
          age: { type: "uniform", min: 20, max: 70 },
          sex: { female: 1, male: 1 },
          location: { "Lisbon, Portugal": 1, "Oslo, Norway": 1 },
          occupation: ["nurse", "teacher", "pilot"],
        },
      },
    });
    const population = await api("/v1/populations", {
      method: "POST",
      json: {
        name: "Big panel",
        size: POPULATION_SIZE,
        seed: 3,
        cohorts: [{ cohort_id: cohort.id, proportion: 1 }],
      },
    });
    await waitUntil(
      async () => (await api(`/v1/populations/${population.id}`)).generated === POPULATION_SIZE,
      {
        what: `${POPULATION_SIZE} personas to be generated`,
        timeoutMs: 240_000,
        intervalMs: 250,
      },
    );

    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    errors = watchForErrors(context).errors;
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await setUpFirstAdmin(page, web.setupUrl, "Ana");
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("finds Captain Vex in the chat picker by typing Vex, and starts a conversation", async () => {
    await page.goto(url("/chat"));
    await page.getByLabel("Find a persona").fill("Vex");
    const picker = page.getByLabel("Persona", { exact: true });
    await expect.poll(() => picker.locator("option").allTextContents()).toEqual(["Captain Vex"]);
    await page.getByRole("button", { name: "Start conversation" }).click();
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
  });

  it("resumes the latest conversation when Chat is pressed on the persona", async () => {
    const started = new URL(page.url()).pathname;
    await page.goto(url("/personas"));
    await page.getByRole("link", { name: "Chat with Captain Vex" }).click();
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    expect(new URL(page.url()).pathname).toBe(started);
  });

  it("keeps the generated personas out of the library unless asked for", async () => {
    await page.goto(url("/personas"));
    const yours = page.locator("section[aria-labelledby='your-personas-heading']");
    await yours.getByRole("heading", { name: "Captain Vex" }).waitFor();
    expect(await yours.locator("article").count()).toBe(1);
    await page.getByLabel("Include personas generated for research populations").check();
    await expect.poll(() => yours.locator("article").count()).toBe(100);
    await page.getByLabel("Search your personas by name").fill("vex");
    await expect.poll(() => yours.locator("article").count()).toBe(1);
    expect(vexId).toMatch(/^psn_/);
    expect(errors).toEqual([]);
  });
});
