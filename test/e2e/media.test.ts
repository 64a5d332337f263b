import { createDramatisClient, unwrap, type DramatisClient } from "@dramatis/sdk";
import fs from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job, JobContext } from "../../src/jobs/job-queue.ts";
import { startMockOpenAI, type MockUpstream } from "../mock-upstreams.ts";
import {
  CHROMIUM_PATH,
  openDesktopSession,
  openPhonePage,
  screenshot,
  setUpFirstAdmin,
  sidewaysOverflow,
  type DesktopSession,
  UI_WAIT,
  decodedWidth,
  smallPng,
} from "./browser.ts";

const VISION_REPLY = "A small teal square, as far as I can tell.";
const SEEDED = 500;

/** PNG files start with these eight bytes. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Pictures and videos in the browser, against the real server with its defaults (the offline engine
 * and the offline placeholder renderer): the persona builder's media settings, "send me a picture of
 * you" in a chat with the progress and then the picture, the gallery (filters, the full-screen viewer
 * with the arrow keys, download, delete), a photo sent to a vision model (a loopback fake), and the
 * gallery paging through 500 items as it scrolls.
 */
describe.skipIf(!CHROMIUM_PATH)("pictures and videos in the web app", () => {
  let session: DesktopSession;
  let page: Page;
  let upstream: MockUpstream;
  let api: DramatisClient;
  let personaId = "";
  let selfieId = "";
  let chatWithPhotos = "";

  const url = (where: string) => new URL(where, session.web.server.url).toString();

  beforeAll(async () => {
    upstream = await startMockOpenAI({ reply: VISION_REPLY, models: ["gpt-4o", "mock-text"] });
    session = await openDesktopSession("e2e-media-0123456789", {
      // The tenant's own provider is on loopback: the operator allows exactly its address.
      environment: { DRAMATIS_OUTBOUND_ALLOW: new URL(upstream.baseURL).host },
    });
    page = session.page;
    await setUpFirstAdmin(page, session.web.setupUrl, "Nell");
    api = await apiAsBrowser();
  }, 120_000);

  afterAll(async () => {
    await session?.stop();
    await upstream?.close();
  });

  /** The API as the signed-in admin, through the SDK with the browser's session cookie. */
  async function apiAsBrowser(): Promise<DramatisClient> {
    const cookies = await session.context.cookies();
    const cookie = cookies.map((entry) => `${entry.name}=${entry.value}`).join("; ");
    const reader = createDramatisClient({ baseUrl: session.web.server.url, headers: () => ({ cookie }) });
    const { csrf_token } = await unwrap(reader.GET("/v1/auth/session"));
    return createDramatisClient({
      baseUrl: session.web.server.url,
      headers: () => ({ cookie, "x-csrf-token": csrf_token }),
    });
  }

  /**
   * Holds the media-generation jobs until `release`, after marking each running at 42%: what a slow
   * picture service looks like, so the progress can be seen (the offline renderer takes milliseconds).
   */
  function holdGeneration() {
    const { mediaGeneration, store } = session.web.server.services;
    const run = mediaGeneration.run.bind(mediaGeneration);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    mediaGeneration.run = async (job: Job, context: JobContext) => {
      const { media_id } = job.payload as { media_id: string };
      await store.media.update(job.tenantId, media_id, { status: "running", progress: 0.42 });
      await released;
      return run(job, context);
    };
    return {
      release() {
        mediaGeneration.run = run;
        release();
      },
    };
  }

  it("saves the persona's media settings beside the Media generation toggle", async () => {
    const models = await unwrap(api.GET("/v1/media/models", { params: { query: { kind: "image" } } }));
    const offline = models.data.find((model) => model.offline);
    expect(offline, JSON.stringify(models.data)).toBeDefined();

    await page.goto(url("/personas"));
    await page.getByRole("button", { name: "Use this template" }).first().click();
    await page.waitForURL(/\/personas\/psn_[a-z0-9]+$/);
    personaId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByLabel("Name", { exact: true }).fill("Lumi");
    await page
      .getByRole("navigation", { name: "Persona sections" })
      .getByText("Features", { exact: true })
      .click();
    const imageModel = page.getByLabel("Image model");
    await imageModel.waitFor();
    // Off until media generation is on.
    expect(await imageModel.isDisabled()).toBe(true);
    await page.getByLabel("Media generation", { exact: true }).check();
    expect(await imageModel.isDisabled()).toBe(false);
    expect(await imageModel.locator("option").first().textContent()).toBe("Server default");
    await imageModel.selectOption(offline!.id);
    await page.getByLabel("Video length (seconds)").fill("4");
    await page.getByLabel("Video quality").selectOption("high");
    await page.getByLabel("Priority videos").check();
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText(/saved/i).first().waitFor();
    await screenshot(page, "persona-media-settings");

    const persona = await unwrap(api.GET("/v1/personas/{id}", { params: { path: { id: personaId } } }));
    expect(persona.features.media_generation).toBe(true);
    expect(persona.media).toEqual({
      image_model: offline!.id,
      video_model: null,
      video_seconds: 4,
      video_quality: "high",
      priority_video: true,
    });
  }, 60_000);

  it("asks for a picture in the chat: the reply, its progress, then the picture", async () => {
    const held = holdGeneration();
    await page.goto(url(`/chat?persona=${personaId}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    await page.getByLabel("Message", { exact: true }).fill("Send me a picture of you");
    await page.getByRole("button", { name: "Send" }).click();

    const reply = page.getByRole("listitem", { name: "Lumi", exact: true }).last();
    const progress = reply.getByRole("progressbar", { name: "Making a picture…" });
    await progress.waitFor();
    await reply.getByText("42%").waitFor();
    expect(await progress.getAttribute("aria-valuenow")).toBe("42");
    await screenshot(page, "chat-media-progress");

    held.release();
    const picture = reply.getByRole("button", { name: "Open the picture full screen" });
    await picture.waitFor();
    expect(await decodedWidth(picture.getByRole("img"))).toBeGreaterThan(0);
    await progress.waitFor({ state: "detached" });
    await reply.getByText("Placeholder", { exact: true }).waitFor();
    await screenshot(page, "chat-media-ready");

    // The same full-screen viewer as the gallery's.
    await picture.click();
    const viewer = page.getByRole("dialog", { name: "Media viewer" });
    await viewer.getByText("Lumi", { exact: true }).waitFor();
    await page.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });

    const listed = await unwrap(api.GET("/v1/media", { params: { query: { persona_id: personaId } } }));
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({ status: "ready", offline: true, content_type: "image/png" });
    selfieId = listed.data[0]!.id;
  }, 60_000);

  it("shows the gallery, moves through it full screen, downloads and deletes", async () => {
    // Two more, made through the API: a picture of something else and a (placeholder) video.
    const fox = await unwrap(
      api.POST("/v1/media", {
        body: {
          persona_id: personaId,
          kind: "image",
          description: "a red fox in the snow",
          of_persona: false,
        },
      }),
    );
    const video = await unwrap(
      api.POST("/v1/media", { body: { persona_id: personaId, kind: "video", description: "waving hello" } }),
    );

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Gallery" }).click();
    await page.waitForURL(/\/gallery$/);
    const grid = page.getByRole("list", { name: "Pictures and videos" });
    const tiles = grid.getByRole("listitem");
    await expect.poll(() => tiles.count(), UI_WAIT).toBe(3);
    // Newest first; the tiles show themselves once made.
    const videoTile = grid.getByRole("button", { name: /^Video by Lumi, .*, placeholder$/ });
    const pictureTiles = grid.getByRole("button", { name: /^Picture by Lumi, .*, placeholder$/ });
    await videoTile.waitFor();
    await expect.poll(() => pictureTiles.count(), UI_WAIT).toBe(2);
    await expect.poll(() => grid.locator("img").count(), UI_WAIT).toBe(3);
    expect(await tiles.nth(0).getAttribute("data-status")).toBe("ready");
    expect(await grid.getByText("Placeholder", { exact: true }).count()).toBe(3);
    // The time is the viewer's local time, as the browser writes it.
    const created = await unwrap(api.GET("/v1/media/{id}", { params: { path: { id: selfieId } } }));
    const localTime = await page.evaluate(
      (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
      created.created_at,
    );
    await tiles.nth(2).getByText(localTime).waitFor();
    await screenshot(page, "gallery");

    // Filters: videos only, then all again.
    await page.getByLabel("Type", { exact: true }).selectOption("video");
    await expect.poll(() => tiles.count(), UI_WAIT).toBe(1);
    await videoTile.waitFor();
    await page.getByLabel("Type", { exact: true }).selectOption("");
    await expect.poll(() => tiles.count(), UI_WAIT).toBe(3);

    // Full screen from the oldest (the selfie), moving with the arrow keys.
    await tiles.nth(2).getByRole("button").click();
    const viewer = page.getByRole("dialog", { name: "Media viewer" });
    await viewer.getByText("3 of 3").waitFor();
    await page.keyboard.press("ArrowLeft");
    await viewer.getByText("2 of 3").waitFor();
    await viewer.getByText(fox.request).waitFor();
    await page.keyboard.press("ArrowLeft");
    await viewer.getByText("1 of 3").waitFor();
    await viewer.getByText(video.request).waitFor();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await viewer.getByText("3 of 3").waitFor();
    expect(await decodedWidth(viewer.getByRole("img"))).toBeGreaterThan(0);
    await screenshot(page, "gallery-viewer");

    // Download: the picture's bytes as a file.
    const downloading = page.waitForEvent("download");
    await viewer.getByRole("link", { name: "Download" }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.png$/);
    const file = fs.readFileSync((await download.path())!);
    expect(file.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);

    // Delete after confirming: gone from the gallery and the API, and the viewer shows the next one.
    await viewer.getByRole("button", { name: "Delete" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete this picture?" });
    const deleted = page.waitForResponse(
      (response) =>
        response.request().method() === "DELETE" && response.url().endsWith(`/v1/media/${selfieId}`),
    );
    await confirm.getByRole("button", { name: "Delete", exact: true }).click();
    expect((await deleted).status()).toBe(204);
    await confirm.waitFor({ state: "detached" });
    await viewer.getByText("2 of 2").waitFor();
    await viewer.getByText(fox.request).waitFor();
    await expect.poll(() => tiles.count(), UI_WAIT).toBe(2);
    await page.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });
    const left = await unwrap(api.GET("/v1/media", { params: { query: { persona_id: personaId } } }));
    expect(left.data.map((item) => item.id)).not.toContain(selfieId);
    expect(left.data).toHaveLength(2);
  }, 60_000);

  it("sends a photo to a vision model, and tells when a model cannot see it", async () => {
    await unwrap(
      api.POST("/v1/providers", {
        body: {
          name: "mock",
          kind: "openai-compatible",
          base_url: upstream.baseURL,
          api_key: "sk-mock",
          models: ["gpt-4o", "mock-text"],
        },
      }),
    );
    const iris = await unwrap(api.POST("/v1/personas", { body: { name: "Iris", model: "mock/gpt-4o" } }));
    await page.goto(url(`/chat?persona=${iris.id}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    chatWithPhotos = page.url();

    await page.getByLabel("Attach a photo").setInputFiles({
      name: "square.png",
      mimeType: "image/png",
      buffer: await smallPng({ r: 0, g: 128, b: 128 }),
    });
    const chip = page.getByRole("list", { name: "Attached photos" }).getByRole("listitem");
    await chip.getByText("square.png").waitFor();
    // A photo alone may be sent, once uploaded.
    const send = page.getByRole("button", { name: "Send" });
    await expect.poll(() => send.isEnabled(), UI_WAIT).toBe(true);
    await send.click();
    await chip.waitFor({ state: "detached" });

    const mine = page.getByRole("listitem", { name: "You (No Persona)", exact: true }).last();
    expect(await decodedWidth(mine.getByRole("img"))).toBe(24);
    await page.getByRole("listitem", { name: "Iris", exact: true }).last().getByText(VISION_REPLY).waitFor();
    // The reply's request (streamed), not a memory extraction that may follow it.
    const chat = upstream
      .generationRequests()
      .filter((request) => request.body?.stream === true)
      .at(-1);
    const lastUser = chat!.body.messages
      .filter((message: { role: string }) => message.role === "user")
      .at(-1);
    expect(Array.isArray(lastUser.content), JSON.stringify(lastUser)).toBe(true);
    const imagePart = lastUser.content.find((part: { type: string }) => part.type === "image_url");
    expect(imagePart?.image_url?.url ?? imagePart?.image_url).toMatch(/^data:image\/(png|jpeg|webp);base64,/);
    await screenshot(page, "chat-photo-sent");

    // A model that takes no images: the reply says the photo was not shown to it.
    const tex = await unwrap(api.POST("/v1/personas", { body: { name: "Tex", model: "mock/mock-text" } }));
    await page.goto(url(`/chat?persona=${tex.id}`));
    await page.waitForURL(/\/chat\/cnv_[a-z0-9]+$/);
    await page.getByLabel("Attach a photo").setInputFiles({
      name: "dot.png",
      mimeType: "image/png",
      buffer: await smallPng({ r: 200, g: 40, b: 40 }),
    });
    await chip.getByText("dot.png").waitFor();
    await page.getByLabel("Message", { exact: true }).fill("What colour is this?");
    await expect.poll(() => send.isEnabled(), UI_WAIT).toBe(true);
    await send.click();
    const notes = page
      .getByRole("listitem", { name: "Tex", exact: true })
      .last()
      .getByRole("list", { name: "Notes about this reply" });
    await notes.getByText(/cannot see pictures: the attached picture was not shown to it/).waitFor();
  }, 60_000);

  it("pages through 500 items as the gallery scrolls", async () => {
    const pixel = await unwrap(api.POST("/v1/personas", { body: { name: "Pixel" } }));
    const conversation = await unwrap(
      api.POST("/v1/conversations", { body: { persona_id: pixel.id, channel: "web" } }),
    );
    // Seeded through the server's own upload service (what POST .../attachments runs), without 500 requests.
    const signedIn = await unwrap(api.GET("/v1/auth/session"));
    const { services } = session.web.server;
    const user = await services.store.users.findById(signedIn.account.tenant_id, signedIn.account.user_id);
    const photo = await smallPng({ r: 90, g: 60, b: 200 });
    for (let index = 0; index < SEEDED; index++) {
      await services.media.upload(user!, conversation.id, { bytes: photo, fileName: `photo-${index}.png` });
    }

    await page.goto(url("/gallery"));
    await page.getByLabel("Persona", { exact: true }).selectOption({ label: "Pixel" });
    const grid = page.getByRole("list", { name: "Pictures and videos" });
    // Photos sent are not in the gallery until asked for.
    await page.getByText("Nothing here matches these filters.").waitFor();
    await page.getByLabel("Include photos you sent").check();
    const tiles = grid.getByRole("listitem");
    await expect.poll(() => tiles.count(), UI_WAIT).toBe(60);

    // The fallback button loads a page; scrolling to the end of the grid loads the rest.
    await page.getByRole("button", { name: "Load more" }).click();
    // (Scrolled to, the button is also in the observer's view, which may load one more page.)
    await expect.poll(() => tiles.count(), UI_WAIT).toBeGreaterThanOrEqual(120);
    let shown = await tiles.count();
    while (shown < SEEDED) {
      await tiles.last().scrollIntoViewIfNeeded();
      // The next page has arrived when a tile past those shown exists.
      await tiles.nth(shown).waitFor({ state: "attached" });
      shown = await tiles.count();
    }
    expect(shown).toBe(SEEDED);
    await page.getByText(`${SEEDED} items, all shown.`).waitFor();
    await tiles
      .first()
      .getByRole("button", { name: /^Photo you sent to Pixel, / })
      .waitFor();
    await screenshot(page, "gallery-500");

    expect(session.errors).toEqual([]);
  }, 120_000);

  it("fits a phone: the chat with its photo button, the gallery and the viewer", async () => {
    const { phone, phonePage } = await openPhonePage(session.browser, session.context, session.errors);
    try {
      await phonePage.goto(chatWithPhotos);
      await phonePage.getByLabel("Attach a photo").waitFor({ state: "attached" });
      await phonePage.getByRole("button", { name: "Open the photo full screen" }).first().waitFor();
      expect(await sidewaysOverflow(phonePage)).toBeLessThanOrEqual(0);

      await phonePage.goto(url("/gallery"));
      const tiles = phonePage.getByRole("list", { name: "Pictures and videos" }).getByRole("listitem");
      await tiles.first().waitFor();
      expect(await sidewaysOverflow(phonePage)).toBeLessThanOrEqual(0);
      await tiles.first().getByRole("button").click();
      const viewer = phonePage.getByRole("dialog", { name: "Media viewer" });
      await viewer.getByRole("link", { name: "Download" }).waitFor();
      expect(await sidewaysOverflow(phonePage)).toBeLessThanOrEqual(0);
      await screenshot(phonePage, "gallery-viewer-phone");
    } finally {
      await phone.close();
    }
    expect(session.errors).toEqual([]);
  }, 60_000);
});
