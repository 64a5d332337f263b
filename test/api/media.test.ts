import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest } from "../../src/models/language-model.ts";
import { ModelRegistry } from "../../src/models/model-registry.ts";
import { createOfflineProvider } from "../../src/models/offline-model.ts";
import { createOpenAIImages } from "../../src/media/openai-images.ts";
import { createReplicate } from "../../src/media/replicate.ts";
import { MOCK_MP4, startMockReplicate, type MockReplicate } from "../mock-replicate.ts";
import { capturingProvider } from "../capturing-model.ts";
import { startMockOpenAI, type MockUpstream } from "../mock-upstreams.ts";
import { createOpenAICompatibleProvider } from "../../src/models/openai-compatible-provider.ts";
import { MOCK_IMAGES_KEY, startMockImages, type MockImages } from "../mock-images.ts";
import { ADMIN_KEY, createTestApp, type TestApp } from "../test-app.ts";

const USER = "media-user";
const MEDIA_ON = { sms: false, premium_model: false, media_generation: true, auto_speech: false };

async function createPersona(app: TestApp, definition: Record<string, unknown> = {}): Promise<string> {
  const response = await app.request("/v1/personas", {
    method: "POST",
    json: {
      name: "Ada",
      identity: { age: 29, sex: "female" },
      appearance: {
        description: "short red hair, freckles, green eyes",
        art_style: "anime",
        avatar_url: null,
      },
      features: MEDIA_ON,
      ...definition,
    },
  });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

async function startConversation(app: TestApp, personaId: string): Promise<string> {
  const response = await app.request("/v1/conversations", {
    method: "POST",
    user: USER,
    json: { persona_id: personaId },
  });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

async function send(app: TestApp, conversationId: string, json: Record<string, unknown>) {
  const response = await app.request(`/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    user: USER,
    json,
  });
  return { status: response.status, body: await response.json() };
}

/** A JPEG photo with EXIF (a camera and GPS position) that uploads must strip. */
async function photoWithExif(): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 30, g: 120, b: 200 } } })
      .jpeg()
      .withExif({
        IFD0: { Make: "SecretCam", Model: "X1" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 0/1" },
      })
      .toBuffer(),
  );
}

async function upload(app: TestApp, conversationId: string, bytes: Uint8Array, type = "image/jpeg") {
  const form = new FormData();
  form.set("file", new File([bytes as Uint8Array<ArrayBuffer>], "beach.jpg", { type }));
  return app.request(`/v1/conversations/${conversationId}/attachments`, {
    method: "POST",
    user: USER,
    body: form,
  });
}

describe("media: offline placeholder", () => {
  let app: TestApp;
  const requests: GenerateRequest[] = [];

  beforeAll(async () => {
    app = await createTestApp({
      models: new ModelRegistry(
        [
          createOfflineProvider(),
          capturingProvider(requests, {
            name: "vision",
            capabilities: { images: true, audio: false, files: true, tools: false, structuredOutput: false },
          }),
        ],
        "offline/default",
      ),
    });
  });
  afterAll(async () => app?.close());

  it("answers 'send me a picture of you' with a labelled placeholder, in the chat and the gallery", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    const { status, body } = await send(app, conversationId, {
      content: "Send me a picture of you at the beach!",
    });
    expect(status).toBe(200);
    expect(body.message.content).toMatch(/picture of me/);
    expect(body.message.media).toHaveLength(1);
    const [started] = body.message.media;
    expect(started).toMatchObject({
      kind: "image",
      source: "generated",
      offline: true,
      message_id: body.message.id,
    });
    expect(started.request).toBe("at the beach");
    expect(started.prompt).toMatch(/anime/i);
    expect(started.prompt).toContain("short red hair, freckles, green eyes");
    await app.settleJobs("media-generation");

    const item = await (await app.request(`/v1/media/${started.id}`, { user: USER })).json();
    expect(item).toMatchObject({
      status: "ready",
      offline: true,
      persona_name: "Ada",
      model: "offline/card",
    });
    const content = await app.request(item.url, { user: USER });
    expect(content.status).toBe(200);
    expect(content.headers.get("content-type")).toBe("image/png");
    expect(content.headers.get("x-content-type-options")).toBe("nosniff");
    const meta = await sharp(Buffer.from(await content.arrayBuffer())).metadata();
    expect(meta.width).toBeGreaterThan(100);
    const thumbnail = await app.request(`${item.url}?thumbnail=true`, { user: USER });
    expect(thumbnail.headers.get("content-type")).toBe("image/webp");
    const small = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect(small.width).toBeLessThanOrEqual(384);
    expect(small.width).toBeLessThan(meta.width!);

    const gallery = await (await app.request("/v1/media?source=generated", { user: USER })).json();
    expect(gallery.data.map((entry: { id: string }) => entry.id)).toContain(started.id);
    const messages = await (
      await app.request(`/v1/conversations/${conversationId}/messages`, { user: USER })
    ).json();
    const reply = messages.data.find((message: { id: string }) => message.id === body.message.id);
    expect(reply.media[0]).toMatchObject({ id: started.id, status: "ready" });

    // The placeholder costs nothing; it is still metered.
    const usage = await app.database.db
      .selectFrom("usage_events")
      .selectAll()
      .where("kind", "=", "image_generation")
      .execute();
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ cost_usd: 0, message_id: body.message.id });
  });

  it("makes no picture when the persona's media generation is off", async () => {
    const personaId = await createPersona(app, { features: { ...MEDIA_ON, media_generation: false } });
    const conversationId = await startConversation(app, personaId);
    const { body } = await send(app, conversationId, { content: "Send me a picture of you" });
    expect(body.message.media).toEqual([]);
    const refused = await app.request("/v1/media", {
      method: "POST",
      user: USER,
      json: { persona_id: personaId, kind: "image", description: "smiling" },
    });
    expect(refused.status).toBe(409);
    expect((await refused.json()).detail).toMatch(/media generation is turned off/);
  });

  it("refuses adult pictures of a persona that does not allow them, and says why", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    const { body } = await send(app, conversationId, { content: "send me a nude picture of you" });
    expect(body.message.media).toEqual([]);
    expect(body.message.content).toMatch(/can't send that.*adult content is off/);
  });

  it("takes a photo: stripped of EXIF, shown to a vision model as an image part, edited on request", async () => {
    const personaId = await createPersona(app, { model: "vision/model" });
    const conversationId = await startConversation(app, personaId);
    const uploaded = await upload(app, conversationId, await photoWithExif());
    expect(uploaded.status).toBe(201);
    const photo = await uploaded.json();
    expect(photo).toMatchObject({ source: "upload", kind: "image", status: "ready", file_name: "beach.jpg" });
    const stored = Buffer.from(await (await app.request(photo.url, { user: USER })).arrayBuffer());
    expect(stored.includes(Buffer.from("SecretCam"))).toBe(false);
    expect((await sharp(stored).metadata()).exif).toBeUndefined();

    requests.length = 0;
    const { status, body } = await send(app, conversationId, {
      content: "What do you think?",
      attachment_ids: [photo.id],
    });
    expect(status).toBe(200);
    expect(body.user_message.media).toMatchObject([{ id: photo.id }]);
    const last = requests.at(-1)!.messages.at(-1)!;
    expect(
      last.parts?.some((part) => part.type === "image" && part.url.startsWith("data:image/jpeg;base64,")),
    ).toBe(true);

    // Sent once: the same attachment cannot go with another message.
    const again = await send(app, conversationId, { content: "again", attachment_ids: [photo.id] });
    expect(again.status).toBe(404);
  });

  it("turns a photo into a video: a labelled animated still in the gallery", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    const photo = await (await upload(app, conversationId, await photoWithExif())).json();
    const { body } = await send(app, conversationId, {
      content: "turn this photo into a video of her waving",
      attachment_ids: [photo.id],
    });
    const [video] = body.message.media;
    expect(video).toMatchObject({ kind: "video", reference_media_id: photo.id, request: "her waving" });
    await app.settleJobs("media-generation");
    const gallery = await (
      await app.request(`/v1/media?kind=video&persona_id=${personaId}`, { user: USER })
    ).json();
    expect(gallery.data).toHaveLength(1);
    expect(gallery.data[0]).toMatchObject({
      id: video.id,
      status: "ready",
      offline: true,
      content_type: "image/webp",
    });
    expect(gallery.data[0].duration_seconds).toBeGreaterThan(0);
    const usage = await app.database.db
      .selectFrom("usage_events")
      .selectAll()
      .where("kind", "=", "video_generation")
      .execute();
    expect(usage).toHaveLength(1);

    // Asking for a video from a photo in a chat that has none says why.
    const empty = await startConversation(app, personaId);
    const refused = await send(app, empty, { content: "animate this picture" });
    expect(refused.body.message.media).toEqual([]);
    expect(refused.body.message.content).toMatch(/no picture to make the video from/);
  });

  it("stops at the daily limit with a clear message", async () => {
    const limited = await createTestApp({ media: { limits: { perUserPerDay: 1 } } });
    try {
      const personaId = await createPersona(limited);
      const ask = () =>
        limited.request("/v1/media", {
          method: "POST",
          user: USER,
          json: { persona_id: personaId, kind: "image", description: "waving" },
        });
      expect((await ask()).status).toBe(202);
      const refused = await ask();
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await refused.json()).detail).toMatch(/limit of 1 pictures and videos a day/);
    } finally {
      await limited.close();
    }
  });

  it("draws profile picture candidates from the appearance and makes the chosen one the avatar, cropped", async () => {
    const personaId = await createPersona(app, { features: { ...MEDIA_ON, media_generation: false } });
    const asked = await app.request(`/v1/personas/${personaId}/avatar/candidates`, {
      method: "POST",
      user: USER,
      json: { count: 3 },
    });
    expect(asked.status).toBe(202);
    const candidates = (await asked.json()).data;
    expect(candidates).toHaveLength(3);
    expect(candidates[0].prompt).toContain("short red hair, freckles, green eyes");
    await app.settleJobs("media-generation");
    const seeds = await app.database.db
      .selectFrom("media")
      .select("seed")
      .where(
        "id",
        "in",
        candidates.map((candidate: { id: string }) => candidate.id),
      )
      .execute();
    expect(new Set(seeds.map((row) => row.seed)).size).toBe(3);

    const before = Buffer.from(await (await app.request(`/v1/personas/${personaId}/avatar`)).arrayBuffer());
    const chosen = await app.request(`/v1/personas/${personaId}/avatar/from-media`, {
      method: "PUT",
      user: USER,
      json: { media_id: candidates[1].id, crop: { x: 10, y: 10, width: 300, height: 300 } },
    });
    expect(chosen.status).toBe(200);
    const after = Buffer.from(await (await app.request(`/v1/personas/${personaId}/avatar`)).arrayBuffer());
    expect(after.equals(before)).toBe(false);
    expect(await sharp(after).metadata()).toMatchObject({ width: 512, height: 512, format: "png" });

    const outside = await app.request(`/v1/personas/${personaId}/avatar/from-media`, {
      method: "PUT",
      user: USER,
      json: { media_id: candidates[0].id, crop: { x: 0, y: 0, width: 99_999, height: 10 } },
    });
    expect(outside.status).toBe(422);
  });

  it("describes the appearance from a picture with a vision model, and says when the model cannot see", async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#a52" } })
      .png()
      .toBuffer();
    const image = `data:image/png;base64,${png.toString("base64")}`;
    requests.length = 0;
    const described = await app.request("/v1/personas/assist", {
      method: "POST",
      json: { task: "describe_appearance", definition: { name: "Ada" }, image, model: "vision/model" },
    });
    expect(described.status).toBe(200);
    expect((await described.json()).text).toBe("Noted.");
    expect(
      requests
        .at(-1)!
        .messages.at(-1)!
        .parts?.some((part) => part.type === "image"),
    ).toBe(true);

    const blind = await app.request("/v1/personas/assist", {
      method: "POST",
      json: { task: "describe_appearance", definition: { name: "Ada" }, image },
    });
    expect(blind.status).toBe(422);
    expect(JSON.stringify(await blind.json())).toMatch(/cannot see pictures/);
    const svg = `data:image/svg+xml;base64,${Buffer.from("<svg/>").toString("base64")}`;
    const refused = await app.request("/v1/personas/assist", {
      method: "POST",
      json: { task: "describe_appearance", definition: { name: "Ada" }, image: svg, model: "vision/model" },
    });
    expect(refused.status).toBe(415);
  });

  it("takes documents: a text file quoted for any model, a PDF as a file part or a warning, always a download", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    const attach = async (bytes: Uint8Array, name: string, type: string) => {
      const form = new FormData();
      form.set("file", new File([bytes as Uint8Array<ArrayBuffer>], name, { type }));
      return app.request(`/v1/conversations/${conversationId}/attachments`, {
        method: "POST",
        user: USER,
        body: form,
      });
    };
    const notes = await (
      await attach(new TextEncoder().encode("Pack: tent, stove, 3 days of food."), "trip.md", "text/markdown")
    ).json();
    expect(notes).toMatchObject({ kind: "file", content_type: "text/markdown", file_name: "trip.md" });
    const download = await app.request(notes.url, { user: USER });
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="trip\.md"/);

    const { body } = await send(app, conversationId, {
      content: "What am I missing?",
      attachment_ids: [notes.id],
    });
    const prompt = await (
      await app.request(`/v1/conversations/${conversationId}/messages/${body.message.id}/prompt`, {
        user: USER,
      })
    ).json();
    expect(JSON.stringify(prompt.messages)).toContain("Pack: tent, stove, 3 days of food.");

    const pdf = new TextEncoder().encode("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
    const report = await (await attach(pdf, "report.pdf", "application/pdf")).json();
    expect(report).toMatchObject({ kind: "file", content_type: "application/pdf" });
    const blind = await send(app, conversationId, { content: "Read this", attachment_ids: [report.id] });
    expect(blind.body.warnings.join(" ")).toMatch(/cannot read files: report\.pdf/);

    const html = await attach(
      new TextEncoder().encode("<html><script>alert(1)</script></html>"),
      "page.html",
      "text/html",
    );
    expect(html.status).toBe(415);
    expect((await html.json()).detail).toMatch(/PDFs and text files/);
  });

  it("gives a model that takes files the PDF as a file part", async () => {
    const personaId = await createPersona(app, { model: "vision/model" });
    const conversationId = await startConversation(app, personaId);
    const form = new FormData();
    form.set(
      "file",
      new File([new TextEncoder().encode("%PDF-1.7\n%%EOF\n")], "menu.pdf", { type: "application/pdf" }),
    );
    const report = await (
      await app.request(`/v1/conversations/${conversationId}/attachments`, {
        method: "POST",
        user: USER,
        body: form,
      })
    ).json();
    requests.length = 0;
    await send(app, conversationId, { content: "What's good here?", attachment_ids: [report.id] });
    const parts = requests.at(-1)!.messages.at(-1)!.parts ?? [];
    expect(parts).toContainEqual(
      expect.objectContaining({ type: "file", mediaType: "application/pdf", filename: "menu.pdf" }),
    );
  });

  it("copies the photos sent into a branch, which keeps them when the original goes", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    const photo = await (await upload(app, conversationId, await photoWithExif())).json();
    const { body } = await send(app, conversationId, { content: "Look!", attachment_ids: [photo.id] });
    const branched = await app.request(`/v1/conversations/${conversationId}/branch`, {
      method: "POST",
      user: USER,
      json: { message_id: body.message.id },
    });
    expect(branched.status).toBe(201);
    const branch = await branched.json();
    const listed = await (
      await app.request(`/v1/conversations/${branch.id}/messages`, { user: USER })
    ).json();
    const copy = listed.data.find(
      (message: { role: string; content: string }) => message.content === "Look!",
    );
    expect(copy.media).toHaveLength(1);
    expect(copy.media[0].id).not.toBe(photo.id);
    const original = Buffer.from(await (await app.request(photo.url, { user: USER })).arrayBuffer());
    expect(
      (await app.request(`/v1/conversations/${conversationId}`, { method: "DELETE", user: USER })).status,
    ).toBe(204);
    expect((await app.request(`/v1/media/${photo.id}`, { user: USER })).status).toBe(404);
    const kept = await app.request(copy.media[0].url, { user: USER });
    expect(Buffer.from(await kept.arrayBuffer()).equals(original)).toBe(true);
  });

  it("tells the user when the persona's model cannot see pictures", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    const photo = await (await upload(app, conversationId, await photoWithExif())).json();
    const { body } = await send(app, conversationId, { content: "", attachment_ids: [photo.id] });
    expect(body.warnings.join(" ")).toMatch(/cannot see pictures/);
  });

  it("refuses what is not a picture, and other users' media are not found", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    const refused = await upload(app, conversationId, svg, "image/svg+xml");
    expect(refused.status).toBe(415);
    const photo = await (await upload(app, conversationId, await photoWithExif())).json();
    expect((await app.request(`/v1/media/${photo.id}`, { user: "someone-else" })).status).toBe(404);
    expect(
      (await app.request(`/v1/media/${photo.id}`, { method: "DELETE", user: "someone-else" })).status,
    ).toBe(404);
    expect((await app.request(`/v1/media/${photo.id}`, { method: "DELETE", user: USER })).status).toBe(204);
    expect((await app.request(`/v1/media/${photo.id}`, { user: USER })).status).toBe(404);
  });
});

describe("media: OpenAI Images", () => {
  let app: TestApp;
  let images: MockImages;

  beforeAll(async () => {
    images = await startMockImages();
    app = await createTestApp({
      media: {
        providers: [
          createOpenAIImages({
            name: "openai",
            kind: "openai-compatible",
            base_url: `${images.baseUrl}/v1`,
            api_key: MOCK_IMAGES_KEY,
            image_models: ["gpt-image-1"],
          }),
        ],
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await images?.close();
  });

  it("sends the appearance, the art style and the profile picture, and shows the provider's picture", async () => {
    const personaId = await createPersona(app);
    const avatar = await sharp({ create: { width: 256, height: 256, channels: 3, background: "#c33" } })
      .png()
      .toBuffer();
    const put = await app.request(`/v1/personas/${personaId}/avatar`, {
      method: "PUT",
      headers: { "content-type": "image/png", authorization: `Bearer ${ADMIN_KEY}` },
      body: avatar,
    });
    expect(put.status).toBe(200);
    const conversationId = await startConversation(app, personaId);
    const { body } = await send(app, conversationId, { content: "send me a selfie" });
    expect(body.message.media[0]).toMatchObject({ model: "openai/gpt-image-1", offline: false });
    await app.settleJobs("media-generation");
    const [edit] = images.requests.filter((request) => request.path === "/v1/images/edits");
    expect(edit).toBeDefined();
    const form = edit!.form ?? {};
    expect(String(form.prompt)).toContain("short red hair, freckles, green eyes");
    expect(String(form.prompt)).toMatch(/anime/i);
    expect(Object.values(form).some((value) => typeof value === "object" && value.type === "image/png")).toBe(
      true,
    );
    const item = await (await app.request(`/v1/media/${body.message.media[0].id}`, { user: USER })).json();
    expect(item).toMatchObject({ status: "ready", offline: false });
    const usage = await app.database.db
      .selectFrom("usage_events")
      .selectAll()
      .where("kind", "=", "image_generation")
      .execute();
    expect(usage.at(-1)?.cost_usd).toBe(0.005);
  });

  it("edits the attached photo through the edits endpoint", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    const photo = await (await upload(app, conversationId, await photoWithExif())).json();
    images.requests.length = 0;
    const { body } = await send(app, conversationId, {
      content: "edit this photo to make the sky purple",
      attachment_ids: [photo.id],
    });
    expect(body.message.media[0]).toMatchObject({
      reference_media_id: photo.id,
      request: "make the sky purple",
    });
    await app.settleJobs("media-generation");
    const [edit] = images.requests.filter((request) => request.path === "/v1/images/edits");
    expect(String(edit?.form?.prompt)).toContain("make the sky purple");
    const sent = Object.values(edit?.form ?? {}).find((value) => typeof value === "object");
    expect(sent && typeof sent === "object" && sent.type).toBe("image/jpeg");
  });

  it("a failed generation says why, in the chat and the gallery", async () => {
    const personaId = await createPersona(app);
    const conversationId = await startConversation(app, personaId);
    images.options.refuse = "content_policy_violation";
    try {
      const { body } = await send(app, conversationId, { content: "send me a picture of a castle" });
      await app.settleJobs("media-generation");
      const item = await (await app.request(`/v1/media/${body.message.media[0].id}`, { user: USER })).json();
      expect(item.status).toBe("failed");
      expect(item.error).toMatch(/refused/);
    } finally {
      images.options.refuse = undefined;
    }
  });
});

describe("media: a real model's tool call", () => {
  let app: TestApp;
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockOpenAI({
      reply: (body) =>
        body.messages.some((message: { role: string }) => message.role === "tool")
          ? "Here it is, fresh from the beach!"
          : "One second, grabbing my camera.",
      toolCalls: (body) =>
        body.messages.some((message: { role: string }) => message.role === "tool")
          ? undefined
          : [
              {
                name: "send_media",
                arguments: { kind: "image", of_persona: true, description: "at the beach" },
              },
            ],
    });
    app = await createTestApp({
      models: new ModelRegistry(
        [
          createOfflineProvider(),
          createOpenAICompatibleProvider({
            name: "upstream",
            baseURL: upstream.baseURL,
            models: ["gpt-4o-mini"],
          }),
        ],
        "offline/default",
      ),
    });
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
  });

  it("offers send_media, runs the call and sends the result back for the reply's text", async () => {
    const personaId = await createPersona(app, { model: "upstream/gpt-4o-mini" });
    const conversationId = await startConversation(app, personaId);
    const { status, body } = await send(app, conversationId, { content: "I miss you, where are you?" });
    expect(status).toBe(200);
    const [first, second] = upstream.generationRequests();
    expect(first!.body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual([
      "send_media",
    ]);
    const result = second!.body.messages.find((message: { role: string }) => message.role === "tool");
    expect(JSON.parse(result.content)).toMatchObject({
      status: "started",
      kind: "image",
      description: "at the beach",
    });
    expect(second!.body.tools).toBeUndefined();
    // What it said before the call and after the result, as one reply.
    expect(body.message.content).toBe("One second, grabbing my camera. Here it is, fresh from the beach!");
    expect(body.message.media[0]).toMatchObject({ kind: "image", request: "at the beach" });
    await app.settleJobs("media-generation");
  });
});

describe("media: videos on a Replicate-style service", () => {
  let app: TestApp;
  let replicate: MockReplicate;

  beforeAll(async () => {
    replicate = await startMockReplicate();
    app = await createTestApp({
      media: {
        providers: [
          createReplicate(
            {
              name: "replicate",
              kind: "replicate",
              base_url: replicate.baseUrl,
              api_key: replicate.key,
              video_models: ["kwaivgi/kling-v1.6-standard"],
            },
            { pollIntervalMs: 0 },
          ),
        ],
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await replicate?.close();
  });

  it("makes a priority video of the persona: queued first, its length and quality from the persona, billed as priority", async () => {
    const personaId = await createPersona(app, {
      media: {
        image_model: null,
        video_model: "replicate/kwaivgi/kling-v1.6-standard",
        video_seconds: 10,
        video_quality: "high",
        priority_video: true,
      },
    });
    const conversationId = await startConversation(app, personaId);
    const { body } = await send(app, conversationId, { content: "send me a video of you dancing" });
    const [video] = body.message.media;
    expect(video).toMatchObject({
      kind: "video",
      priority: true,
      model: "replicate/kwaivgi/kling-v1.6-standard",
    });
    const job = await app.database.db
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", video.job_id)
      .executeTakeFirst();
    expect(job?.priority).toBe(1);
    await app.settleJobs("media-generation");
    const item = await (await app.request(`/v1/media/${video.id}`, { user: USER })).json();
    expect(item).toMatchObject({ status: "ready", content_type: "video/mp4", offline: false });
    const created = replicate.requests.find((request) => request.method === "POST");
    expect(JSON.stringify(created?.json)).toMatch(/"duration":10/);
    const content = await app.request(item.url, { user: USER });
    expect(Buffer.from(await content.arrayBuffer()).equals(Buffer.from(MOCK_MP4))).toBe(true);
    const usage = await app.database.db
      .selectFrom("usage_events")
      .selectAll()
      .where("kind", "=", "video_generation")
      .execute();
    expect(usage.at(-1)?.cost_usd).toBe(0.1);
  });
});

describe("media: the builder's art styles and presets", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app?.close());

  it("lists each art style with its prompt wording and a PNG preview, and appearance presets", async () => {
    const styles = (await (await app.request("/v1/media/art-styles")).json()).data;
    expect(styles.map((style: { id: string }) => style.id)).toEqual(["realistic", "semi_realistic", "anime"]);
    const anime = styles.find((style: { id: string }) => style.id === "anime");
    expect(anime.prompt).toMatch(/anime/);
    const preview = await app.request(anime.preview_url);
    expect(preview.headers.get("content-type")).toBe("image/png");
    expect((await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).format).toBe("png");
    expect((await app.request("/v1/media/art-styles/watercolour/preview")).status).toBe(422);
    const presets = (await (await app.request("/v1/media/appearance-presets")).json()).data;
    expect(presets.map((preset: { name: string }) => preset.name)).toEqual(
      expect.arrayContaining(["Blonde Bombshell", "Brunette Siren"]),
    );
  });
});
