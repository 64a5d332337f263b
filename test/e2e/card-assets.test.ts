import type { Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readZipFiles } from "../../src/lib/bounded-unzip.ts";
import { CHARX_LIMITS } from "../../src/services/character-card/charx-card.ts";
import { zipArchive } from "../zip-archive.ts";
import {
  CHROMIUM_PATH,
  setUpFirstAdmin,
  openDesktopSession,
  type DesktopSession,
  type WebServer,
} from "./browser.ts";

const solidPng = async (background: { r: number; g: number; b: number }) =>
  await sharp({ create: { width: 48, height: 48, channels: 3, background } })
    .png()
    .toBuffer();

/**
 * A CHARX card imported in the library shows its assets in the builder (thumbnails, names), an editor
 * deletes one, and "Export as CHARX" downloads an archive holding the rest.
 */
describe.skipIf(!CHROMIUM_PATH)("card assets in the web app", () => {
  let web: WebServer;
  let page: Page;
  let errors: string[];
  let session: DesktopSession | undefined;

  beforeAll(async () => {
    session = await openDesktopSession("e2e-card-assets-0123");
    ({ web, page, errors } = session);
  }, 120_000);

  afterAll(async () => session?.stop());

  const url = (path: string) => new URL(path, web.server.url).toString();

  it("lists, deletes and exports a CHARX card's assets", async () => {
    await setUpFirstAdmin(page, web.setupUrl, "Ana");
    const card = {
      spec: "chara_card_v3",
      spec_version: "3.0",
      data: {
        name: "Quill",
        description: "A scribe.",
        personality: "",
        scenario: "",
        first_mes: "Hello.",
        mes_example: "",
        creator_notes: "",
        system_prompt: "",
        post_history_instructions: "",
        alternate_greetings: [],
        group_only_greetings: [],
        tags: [],
        creator: "",
        character_version: "1",
        extensions: {},
        assets: [
          { type: "icon", uri: "embeded://assets/icon/images/main.png", name: "main", ext: "png" },
          { type: "emotion", uri: "embeded://assets/emotion/images/happy.png", name: "happy", ext: "png" },
          { type: "background", uri: "embeded://assets/background/images/sky.png", name: "sky", ext: "png" },
        ],
      },
    };
    const archive = zipArchive([
      { name: "card.json", content: JSON.stringify(card) },
      { name: "assets/icon/images/main.png", content: await solidPng({ r: 200, g: 20, b: 20 }) },
      { name: "assets/emotion/images/happy.png", content: await solidPng({ r: 250, g: 220, b: 0 }) },
      { name: "assets/background/images/sky.png", content: await solidPng({ r: 20, g: 20, b: 200 }) },
    ]);

    await page.goto(url("/personas"));
    await page
      .getByText("Choose a card file")
      .locator("xpath=..")
      .locator('input[type="file"]')
      .setInputFiles({ name: "quill.charx", mimeType: "application/zip", buffer: Buffer.from(archive) });
    await page.getByRole("link", { name: "Open it in the builder" }).click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);

    const assets = page.getByRole("region", { name: "Card assets" });
    await assets.getByRole("img", { name: "emotion happy" }).waitFor();
    await assets.getByRole("img", { name: "background sky" }).waitFor();
    // The thumbnails really load (the asset route serves the image to the session); lazy, so scroll first.
    const happy = assets.getByRole("img", { name: "emotion happy" });
    await happy.scrollIntoViewIfNeeded();
    const width = await happy.evaluate(
      (element) =>
        new Promise<number>((resolve) => {
          // The page's DOM types are not the test's: the few members used, typed here.
          const image = element as unknown as {
            complete: boolean;
            naturalWidth: number;
            addEventListener(type: string, listener: () => void): void;
          };
          if (image.complete) resolve(image.naturalWidth);
          else {
            image.addEventListener("load", () => resolve(image.naturalWidth));
            image.addEventListener("error", () => resolve(-1));
          }
        }),
    );
    expect(width).toBe(48);

    page.once("dialog", (dialog) => void dialog.accept());
    await assets.getByRole("button", { name: "Delete the asset sky" }).click();
    await assets.getByRole("img", { name: "background sky" }).waitFor({ state: "detached" });

    const download = page.waitForEvent("download");
    await page
      .getByRole("button", { name: /Export Quill as CHARX/ })
      .first()
      .click();
    const file = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of file) chunks.push(chunk as Buffer);
    const files = readZipFiles(new Uint8Array(Buffer.concat(chunks)), CHARX_LIMITS);
    const exported = JSON.parse(Buffer.from(files.get("card.json")!).toString("utf8"));
    expect(exported.data.assets.map((asset: { name: string }) => asset.name)).toEqual(["main", "happy"]);
    expect(errors).toEqual([]);
  }, 120_000);
});
