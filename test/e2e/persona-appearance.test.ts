import { createDramatisClient, unwrap, type DramatisClient } from "@dramatis/sdk";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAI, type MockUpstream } from "../mock-upstreams.ts";
import {
  CHROMIUM_PATH,
  openDesktopSession,
  pickModel,
  screenshot,
  setUpFirstAdmin,
  type DesktopSession,
  UI_WAIT,
  decodedWidth,
  smallPng,
} from "./browser.ts";

const VISION_REPLY =
  "woman in her thirties, short black bob, dark brown eyes, warm brown skin, teal linen shirt, silver studs";

/**
 * The persona builder's appearance section in the browser, against the real server with its defaults
 * (the offline engine and the offline placeholder renderer): the art style cards with their previews,
 * appearance presets, profile picture candidates picked, cropped and saved, and a photo described by a
 * vision model (a loopback fake) or refused by one that cannot see.
 */
describe.skipIf(!CHROMIUM_PATH)("the persona builder's appearance section", () => {
  let session: DesktopSession;
  let page: Page;
  let upstream: MockUpstream;
  let api: DramatisClient;
  let cookie = "";
  let personaId = "";

  const url = (where: string) => new URL(where, session.web.server.url).toString();

  beforeAll(async () => {
    upstream = await startMockOpenAI({ reply: VISION_REPLY, models: ["gpt-4o"] });
    session = await openDesktopSession("e2e-appearance-0123456789", {
      // The tenant's own provider is on loopback: the operator allows exactly its address.
      environment: { DRAMATIS_OUTBOUND_ALLOW: new URL(upstream.baseURL).host },
    });
    page = session.page;
    await setUpFirstAdmin(page, session.web.setupUrl, "Ada");
    const cookies = await session.context.cookies();
    cookie = cookies.map((entry) => `${entry.name}=${entry.value}`).join("; ");
    const reader = createDramatisClient({ baseUrl: session.web.server.url, headers: () => ({ cookie }) });
    const { csrf_token } = await unwrap(reader.GET("/v1/auth/session"));
    api = createDramatisClient({
      baseUrl: session.web.server.url,
      headers: () => ({ cookie, "x-csrf-token": csrf_token }),
    });
  }, 120_000);

  afterAll(async () => {
    await session?.stop();
    await upstream?.close();
  });

  /** The persona's profile picture as the API serves it: its ETag and bytes. */
  async function avatarOf(id: string): Promise<{ etag: string; bytes: Buffer }> {
    const response = await fetch(url(`/v1/personas/${id}/avatar`), { headers: { cookie } });
    expect(response.status).toBe(200);
    return { etag: response.headers.get("etag") ?? "", bytes: Buffer.from(await response.arrayBuffer()) };
  }

  const description = () => page.getByLabel("Appearance description", { exact: true });

  it("shows the art styles with their previews and fills the description from a preset", async () => {
    const styles = await unwrap(api.GET("/v1/media/art-styles"));
    const presets = await unwrap(api.GET("/v1/media/appearance-presets"));
    const bombshell = presets.data.find((preset) => preset.name === "Blonde Bombshell")!;
    const siren = presets.data.find((preset) => preset.name === "Brunette Siren")!;
    expect(bombshell && siren).toBeTruthy();

    await page.goto(url("/personas/new"));
    await page.getByLabel("Name", { exact: true }).fill("Vera");
    await page
      .getByRole("navigation", { name: "Persona sections" })
      .getByText("Appearance", { exact: true })
      .click();

    // Not saved yet: the generator waits, saying why.
    const generate = page.getByRole("button", { name: "Generate profile picture" });
    expect(await generate.isDisabled()).toBe(true);
    await page.getByText(/^Save the persona first: the pictures are drawn/).waitFor();

    // One card per style, each with its sample picture; the chosen one's prompt wording as a hint.
    const picker = page.getByRole("group", { name: "Art style" });
    await expect.poll(() => picker.locator("img").count(), UI_WAIT).toBe(styles.data.length);
    for (const style of styles.data) {
      const card = picker.locator("label", {
        has: page.getByRole("radio", { name: style.label, exact: true }),
      });
      expect(await decodedWidth(card.locator("img"))).toBeGreaterThan(0);
    }
    const anime = styles.data.find((style) => style.id === "anime")!;
    await picker.getByRole("radio", { name: anime.label, exact: true }).check();
    await picker.getByText(anime.prompt).waitFor();
    await screenshot(page, "persona-art-styles");

    // A preset fills an empty description without asking, and the sex while it is unset.
    expect(await page.getByLabel("Sex", { exact: true }).inputValue()).toBe("");
    await page.getByText("Start from a preset", { exact: true }).click();
    const list = page.getByRole("list", { name: "Appearance presets" });
    await list.getByRole("button", { name: bombshell.name, exact: true }).click();
    expect(await description().inputValue()).toBe(bombshell.description);
    expect(await page.getByLabel("Sex", { exact: true }).inputValue()).toBe(bombshell.sex);

    // Over a description someone wrote, it asks first: Cancel keeps the text, Replace replaces it.
    await description().fill("tall, grey eyes, long coat");
    await page.getByText("Start from a preset", { exact: true }).click();
    await list.getByRole("button", { name: siren.name, exact: true }).click();
    const confirm = page.getByRole("dialog", { name: "Replace the appearance description?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    expect(await description().inputValue()).toBe("tall, grey eyes, long coat");
    await list.getByRole("button", { name: siren.name, exact: true }).click();
    await confirm.getByRole("button", { name: "Replace description" }).click();
    await confirm.waitFor({ state: "detached" });
    expect(await description().inputValue()).toBe(siren.description);
    // Sex was set by the first preset, so the second leaves it alone (both are female anyway).
    expect(await page.getByLabel("Sex", { exact: true }).inputValue()).toBe("female");

    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    personaId = new URL(page.url()).pathname.split("/").pop()!;
    const persona = await unwrap(api.GET("/v1/personas/{id}", { params: { path: { id: personaId } } }));
    expect(persona.appearance).toMatchObject({ description: siren.description, art_style: "anime" });
    expect(persona.identity.sex).toBe("female");
  }, 60_000);

  it("generates four candidates, crops one and makes it the profile picture", async () => {
    const before = await avatarOf(personaId);
    expect(before.etag).toMatch(/^"g-/);

    // An unsaved change: the draft is saved first, as the portraits are drawn from the saved persona.
    await description().fill("woman around thirty, long dark-brown hair, hazel eyes, black satin blouse");
    const generate = page.getByRole("button", { name: "Generate profile picture" });
    await page.getByText(/^Your unsaved changes are saved as the draft first/).waitFor();
    const queued = page.waitForResponse(
      (response) =>
        response.request().method() === "POST" &&
        response.url().endsWith(`/v1/personas/${personaId}/avatar/candidates`),
    );
    await generate.click();
    const response = await queued;
    expect(response.status()).toBe(202);
    const asked = ((await response.json()) as { data: { id: string }[] }).data;
    expect(asked).toHaveLength(4);

    const candidates = page.getByRole("list", { name: "Profile picture candidates" }).getByRole("listitem");
    await expect.poll(() => candidates.count(), UI_WAIT).toBe(4);
    // The default server has no image model: each one is a labelled offline placeholder.
    const radios = page.getByRole("radio", { name: /^Candidate \d Offline placeholder$/ });
    await expect.poll(() => radios.count(), UI_WAIT).toBe(4);
    for (let index = 0; index < 4; index++) {
      expect(await decodedWidth(candidates.nth(index).locator("img"))).toBeGreaterThan(0);
    }
    const saved = await unwrap(api.GET("/v1/personas/{id}", { params: { path: { id: personaId } } }));
    expect(saved.appearance.description).toContain("black satin blouse");
    const made = await unwrap(api.GET("/v1/media", { params: { query: { persona_id: personaId } } }));
    expect(made.data).toHaveLength(4);
    expect(made.data.every((item) => item.offline && item.status === "ready")).toBe(true);
    await screenshot(page, "persona-avatar-candidates");

    // Pick the second, then crop: smallest square, moved right and down with the keyboard, then dragged.
    await page.getByRole("radio", { name: /^Candidate 2 / }).check();
    const crop = page.getByRole("region", { name: "Crop the profile picture" });
    const size = crop.getByRole("slider", { name: "Crop size" });
    await size.waitFor();
    await size.focus();
    await page.keyboard.press("Home");
    const left = crop.getByRole("slider", { name: "Crop left edge" });
    const top = crop.getByRole("slider", { name: "Crop top edge" });
    await left.focus();
    await page.keyboard.press("End");
    const topBefore = Number(await top.inputValue());
    await top.focus();
    for (let press = 0; press < 5; press++) await page.keyboard.press("ArrowRight");
    const maxLeft = Number(await left.getAttribute("max"));
    expect(maxLeft).toBeGreaterThan(0);
    expect(Number(await left.inputValue())).toBe(maxLeft);
    expect(Number(await top.inputValue())).toBe(topBefore + 5);

    // Dragging the square moves it left (in the picture's pixels, however large it is shown).
    const square = crop.locator(".avatar-crop-square");
    const box = (await square.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 40, box.y + box.height / 2 + 20, { steps: 4 });
    await page.mouse.up();
    const x = Number(await left.inputValue());
    const y = Number(await top.inputValue());
    const side = Number(await size.inputValue());
    expect(x).toBeLessThan(maxLeft);
    expect(y).toBeGreaterThan(topBefore + 5);
    expect(side).toBe(64);
    await screenshot(page, "persona-avatar-crop");

    const stored = page.waitForRequest(
      (request) =>
        request.method() === "PUT" && request.url().endsWith(`/v1/personas/${personaId}/avatar/from-media`),
    );
    const shown = page.getByRole("img", { name: "Vera's avatar" });
    const shownBefore = await shown.getAttribute("src");
    await crop.getByRole("button", { name: "Use as profile picture" }).click();
    const request = await stored;
    expect(request.postDataJSON()).toEqual({
      media_id: asked[1]!.id,
      crop: { x, y, width: side, height: side },
    });
    await page.getByText("Profile picture saved.").waitFor();
    await crop.waitFor({ state: "detached" });

    // The builder shows the new picture, and the API serves it: an upload now, 512×512.
    await expect.poll(() => shown.getAttribute("src"), UI_WAIT).not.toBe(shownBefore);
    expect(await decodedWidth(shown)).toBeGreaterThan(0);
    const after = await avatarOf(personaId);
    expect(after.etag).toMatch(/^"u-/);
    expect(after.bytes.equals(before.bytes)).toBe(false);
    expect(await sharp(after.bytes).metadata()).toMatchObject({ width: 512, height: 512, format: "png" });
    await page.getByText("Uploaded picture.").waitFor();
  }, 60_000);

  it("describes a photo with a vision model, and shows why a model that cannot see refuses", async () => {
    await unwrap(
      api.POST("/v1/providers", {
        body: {
          name: "mock",
          kind: "openai-compatible",
          base_url: upstream.baseURL,
          api_key: "sk-mock",
          models: ["gpt-4o"],
        },
      }),
    );
    await page.reload();
    await page
      .getByRole("navigation", { name: "Persona sections" })
      .getByText("Appearance", { exact: true })
      .click();

    await page.getByRole("button", { name: "Describe from a photo" }).click();
    const panel = page.getByRole("region", { name: "Describe from a photo" });
    const photo = await smallPng({ r: 0, g: 128, b: 128 }, { width: 40, height: 32 });
    await panel.getByLabel("Photo", { exact: true }).setInputFiles({
      name: "portrait.png",
      mimeType: "image/png",
      buffer: photo,
    });
    await panel.getByRole("img", { name: "The photo chosen, portrait.png" }).waitFor();
    await pickModel(page, "Model that looks at the photo", "mock/gpt-4o");
    await panel.getByRole("button", { name: "Describe the photo" }).click();

    const suggestion = panel.getByRole("region", { name: "Assistant suggestion" });
    await suggestion.getByText("Suggested by mock/gpt-4o", { exact: false }).waitFor();
    expect(await suggestion.getByLabel("Suggested text").inputValue()).toBe(VISION_REPLY);
    // The fake was shown the photo: an image_url part carrying it as a data: URL.
    const asked = upstream.generationRequests().at(-1)!;
    const parts = asked.body.messages.flatMap((message: { content: unknown }) =>
      Array.isArray(message.content) ? message.content : [],
    );
    const imagePart = parts.find((part: { type: string }) => part.type === "image_url");
    expect(imagePart?.image_url?.url ?? imagePart?.image_url, JSON.stringify(asked.body)).toMatch(
      /^data:image\/(png|jpeg|webp);base64,/,
    );
    await screenshot(page, "persona-describe-photo");

    await suggestion.getByRole("button", { name: "Accept" }).click();
    expect(await description().inputValue()).toBe(VISION_REPLY);
    await panel.waitFor({ state: "detached" });

    // The offline engine cannot see pictures: the server's 422 says so, and the description stays.
    const offline = (await unwrap(api.GET("/v1/model-setup/models"))).models.find(
      (model) => model.source === "offline",
    )!;
    expect(offline).toBeDefined();
    await page.getByRole("button", { name: "Describe from a photo" }).click();
    // (Picked by its own row, not the tenant default's, which names the same model.)
    const picker = page.getByRole("combobox", { name: "Model that looks at the photo", exact: true });
    await picker.click();
    await picker.fill(offline.id);
    await page
      .getByRole("listbox", { name: "Model that looks at the photo", exact: true })
      .getByRole("option")
      .filter({ hasText: offline.label })
      .click();
    const refused = page.waitForResponse((response) => response.url().endsWith("/v1/personas/assist"));
    await panel.getByRole("button", { name: "Describe the photo" }).click();
    expect((await refused).status()).toBe(422);
    await panel
      .getByRole("alert")
      .getByText(/cannot see pictures/)
      .waitFor();
    expect(await description().inputValue()).toBe(VISION_REPLY);
    await screenshot(page, "persona-describe-photo-refused");

    // Nothing went wrong in the page but the refusal the test asked for.
    expect(
      session.errors.filter(
        (error) =>
          !error.startsWith("HTTP 422: POST") && !error.includes("the server responded with a status of 422"),
      ),
    ).toEqual([]);
  }, 60_000);
});
