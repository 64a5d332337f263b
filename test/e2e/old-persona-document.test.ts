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
 * A persona stored by an older release (no schema_version, and none of the fields added since: memory
 * settings, initiative, chat configuration) opens in the web builder with those fields at their defaults,
 * is edited, saved and published there, and the stored document comes back upgraded. The API half of the
 * same story is test/api/persona-stored-documents.test.ts.
 */

const SETUP_TOKEN = "e2e-old-persona-0123";

describe.skipIf(!CHROMIUM_PATH)("an old-version persona in the web app", () => {
  let web: WebServer;
  let page: Page;
  let errors: string[];

  let session: DesktopSession | undefined;

  beforeAll(async () => {
    session = await openDesktopSession(SETUP_TOKEN);
    ({ web, page, errors } = session);
  }, 120_000);

  afterAll(async () => session?.stop());

  const url = (path: string) => new URL(path, web.server.url).toString();
  const db = () => web.server.services.store.db;
  const storedDraft = async (id: string): Promise<Record<string, unknown>> =>
    JSON.parse(
      (await db().selectFrom("personas").select("draft").where("id", "=", id).executeTakeFirstOrThrow())
        .draft,
    );

  it("opens, edits and publishes a persona whose stored draft predates today's schema", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Ana");

    await page.goto(url("/personas"));
    await page.getByRole("button", { name: "Use this template" }).first().click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    const id = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByLabel("Name", { exact: true }).fill("Old Mira");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();

    // Rewrite the stored draft as an older release wrote it.
    const {
      schema_version: _version,
      memory: _memory,
      initiative: _initiative,
      chat_configuration: _chat,
      ...oldest
    } = await storedDraft(id);
    await db()
      .updateTable("personas")
      .set({ draft: JSON.stringify(oldest) })
      .where("id", "=", id)
      .execute();
    expect(await storedDraft(id)).not.toHaveProperty("initiative");

    await page.goto(url(`/personas/${id}`));
    const name = page.getByLabel("Name", { exact: true });
    await name.waitFor();
    expect(await name.inputValue()).toBe("Old Mira");
    // The fields the old document lacked show their defaults.
    await page.getByRole("navigation", { name: "Persona sections" }).getByText("Response controls").click();
    const initiative = page.getByLabel("Initiative", { exact: true });
    expect(await initiative.inputValue()).toBe("5");

    await name.fill("Mira, upgraded");
    await initiative.focus();
    for (let step = 0; step < 3; step++) await page.keyboard.press("ArrowRight");
    expect(await initiative.inputValue()).toBe("8");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByText(/Published version (\d+)/).waitFor();

    const stored = await storedDraft(id);
    expect(stored.schema_version).toBeTypeOf("number");
    expect(stored).toMatchObject({
      name: "Mira, upgraded",
      initiative: 8,
      memory: { tier: "basic", scope: "account", extraction: true },
    });
    const version = await db()
      .selectFrom("persona_versions")
      .select("definition")
      .where("persona_id", "=", id)
      .orderBy("version", "desc")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(version.definition)).toMatchObject({ name: "Mira, upgraded", initiative: 8 });
    expect(errors).toEqual([]);
  }, 120_000);
});
