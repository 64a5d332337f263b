import { crc32 } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPngTextChunks, writePngTextChunks } from "../../src/lib/png-text-chunks.ts";
import { createTestApp, type TestApp, type TestResponse } from "../test-app.ts";
import { zipArchive } from "../zip-archive.ts";

/** A card's art in a colour no placeholder or generated avatar has. */
const ART_COLOUR = { r: 212, g: 32, b: 96 };

const solidPng = async (width: number, height: number, background = ART_COLOUR) =>
  new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background } })
      .png()
      .toBuffer(),
  );

const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");

const v3Card = (name: string, mesExample: string) => ({
  spec: "chara_card_v3",
  spec_version: "3.0",
  data: {
    name,
    description: "A lighthouse keeper on a rock in the sea.",
    personality: "patient",
    scenario: "A stormy night.",
    first_mes: "*The lamp turns.* You made it.",
    mes_example: mesExample,
    creator_notes: "",
    system_prompt: "",
    post_history_instructions: "",
    alternate_greetings: [],
    group_only_greetings: [],
    tags: [],
    creator: "someone",
    character_version: "1",
    extensions: {},
  },
});

async function decoded(response: TestResponse) {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("image/png");
  const bytes = new Uint8Array(await response.arrayBuffer());
  const image = sharp(bytes);
  const { width, height } = await image.metadata();
  const { channels } = await image.stats();
  const colour = {
    r: Math.round(channels[0]!.mean),
    g: Math.round(channels[1]!.mean),
    b: Math.round(channels[2]!.mean),
  };
  return { bytes, width, height, colour };
}

const cardOf = (png: Uint8Array, keyword: string) =>
  JSON.parse(Buffer.from(readPngTextChunks(png).get(keyword) ?? "", "base64").toString("utf8")) as {
    spec: string;
    data: { name: string; mes_example: string };
    [field: string]: unknown;
  };

/** A framed PNG (valid signature, chunks and CRCs) whose pixel data is not zlib: no image library decodes it. */
function undecodablePng(card: unknown): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const framed = Buffer.alloc(12 + data.length);
    framed.writeUInt32BE(data.length, 0);
    framed.write(type, 4, "latin1");
    data.copy(framed, 8);
    framed.writeUInt32BE(crc32(framed.subarray(4, 8 + data.length)), 8 + data.length);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(400, 0);
  header.writeUInt32BE(600, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const png = Buffer.concat([
    signature,
    chunk("IHDR", header),
    chunk("IDAT", Buffer.from("these bytes are not deflate data")),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  return writePngTextChunks(png, { ccv3: base64Json(card) });
}

describe("Character Card art and exports through the API", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  const importPng = (bytes: Uint8Array) =>
    app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: bytes,
    });

  it("imports a CHARX card with its icon as the avatar, and refuses a CHARX zip bomb with a 413", async () => {
    const card = {
      ...v3Card("Quill", ""),
      data: {
        ...v3Card("Quill", "").data,
        assets: [{ type: "icon", uri: "embeded://assets/icon/images/main.png", name: "main", ext: "png" }],
      },
    };
    const archive = zipArchive([
      { name: "card.json", content: JSON.stringify(card) },
      { name: "assets/icon/images/main.png", content: await solidPng(300, 450), store: true },
    ]);
    const imported = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "application/zip" },
      body: archive,
    });
    expect(imported.status).toBe(201);
    const { persona, format } = await imported.json();
    expect(format).toBe("card_v3");
    const avatar = await decoded(await app.request(`/v1/personas/${persona.id}/avatar`));
    expect(avatar).toMatchObject({ width: 300, height: 450, colour: ART_COLOUR });

    const bomb = zipArchive([
      { name: "card.json", content: JSON.stringify(card) },
      { name: "assets/icon/images/main.png", content: Buffer.alloc(64 * 1024 * 1024) },
    ]);
    const refused = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "application/zip" },
      body: bomb,
    });
    expect(refused.status).toBe(413);
    expect((await refused.json()).detail).toMatch(/^CHARX card refused: /);
  });

  it("keeps a V3 PNG card's 400x600 art as the avatar and in the exported card", async () => {
    const mesExample = "<start>\r\n{{char}}: Mind the rocks.  \r\n\r\n<START>{{user}}: Thanks.\n";
    const cardPng = writePngTextChunks(await solidPng(400, 600), {
      ccv3: base64Json(v3Card("Maren", mesExample)),
    });
    const imported = await importPng(cardPng);
    expect(imported.status).toBe(201);
    const { persona, format, warnings } = await imported.json();
    expect(format).toBe("card_v3");
    expect(warnings).toEqual([]);

    const avatar = await decoded(await app.request(`/v1/personas/${persona.id}/avatar`));
    expect(avatar).toMatchObject({ width: 400, height: 600, colour: ART_COLOUR });

    const exported = await decoded(
      await app.request(`/v1/personas/${persona.id}/export?format=card_v3&as=png`),
    );
    expect(exported).toMatchObject({ width: 400, height: 600, colour: ART_COLOUR });
    // Both chunks, as the V3 spec recommends: ccv3 for V3 readers, chara (V2) for the others.
    const v3 = cardOf(exported.bytes, "ccv3");
    const v2 = cardOf(exported.bytes, "chara");
    expect(v3).toMatchObject({ spec: "chara_card_v3", data: { name: "Maren", mes_example: mesExample } });
    expect(v2).toMatchObject({ spec: "chara_card_v2", data: { name: "Maren", mes_example: mesExample } });
    // The V1 fields beside data, for readers that predate V2.
    expect(v2).toMatchObject({
      name: "Maren",
      description: "A lighthouse keeper on a rock in the sea.",
      personality: "patient",
      scenario: "A stormy night.",
      first_mes: "*The lamp turns.* You made it.",
      mes_example: mesExample,
    });

    // Imported again, the exported card keeps the same art and text.
    const again = await importPng(exported.bytes);
    expect(again.status).toBe(201);
    const copy = (await again.json()).persona;
    expect(await decoded(await app.request(`/v1/personas/${copy.id}/avatar`))).toMatchObject({
      width: 400,
      height: 600,
      colour: ART_COLOUR,
    });
    const json = await app.request(`/v1/personas/${copy.id}/export?format=card_v2&as=json`);
    expect((await json.json()).data.mes_example).toBe(mesExample);
  });

  it("exports the picture uploaded as the avatar, and the generated one without an upload", async () => {
    const created = await app.request("/v1/personas", {
      method: "POST",
      json: { name: "Ines", identity: { age: 41, occupation: "ferry captain", location: "Lisbon" } },
    });
    const id = (await created.json()).id;
    const generated = await decoded(await app.request(`/v1/personas/${id}/avatar`));
    const beforeUpload = await decoded(await app.request(`/v1/personas/${id}/export?format=card_v2&as=png`));
    expect(beforeUpload.colour).toEqual(generated.colour);
    expect([beforeUpload.width, beforeUpload.height]).toEqual([generated.width, generated.height]);

    const blue = { r: 20, g: 60, b: 230 };
    const jpeg = await sharp(await solidPng(300, 200, blue))
      .jpeg()
      .toBuffer();
    const uploaded = await app.request(`/v1/personas/${id}/avatar`, {
      method: "PUT",
      headers: { "content-type": "image/jpeg" },
      body: new Uint8Array(jpeg),
    });
    expect(uploaded.status).toBe(200);
    for (const format of ["card_v2", "card_v3"]) {
      const exported = await decoded(await app.request(`/v1/personas/${id}/export?format=${format}&as=png`));
      expect([exported.width, exported.height]).toEqual([512, 512]);
      for (const channel of ["r", "g", "b"] as const) {
        expect(Math.abs(exported.colour[channel] - blue[channel])).toBeLessThanOrEqual(3);
      }
      const card = cardOf(exported.bytes, format === "card_v3" ? "ccv3" : "chara");
      // Dramatis-only identity where other front ends read it, as well as in extensions.dramatis.
      expect(card.description).toBe("Age: 41\nLocation: Lisbon\nOccupation: ferry captain");
    }
  });

  it("imports a card whose picture breaks the avatar rules, with a warning and a generated avatar", async () => {
    const imported = await importPng(undecodablePng(v3Card("Broken Art", "")));
    expect(imported.status).toBe(201);
    const body = await imported.json();
    expect(body.persona.name).toBe("Broken Art");
    expect(body.warnings).toEqual([
      expect.stringMatching(/^the card's picture was not kept \(could not be decoded as an image/),
    ]);
    const avatar = await decoded(await app.request(`/v1/personas/${body.persona.id}/avatar`));
    expect(avatar.colour).not.toEqual(ART_COLOUR);
  });

  it("refuses a BYAF archive with a 415 that names it, raw or in a form", async () => {
    const form = new FormData();
    form.set("file", new Blob([Buffer.from("PK\x05\x06" + "\0".repeat(18))]), "Maren.byaf");
    const inForm = await app.request("/v1/personas/import", { method: "POST", body: form });
    expect(inForm.status).toBe(415);
    expect((await inForm.json()).detail).toMatch(/^this looks like a BYAF archive \(Backyard AI\)/);
    const raw = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Buffer.from("PK\x03\x04 an archive"),
    });
    expect(raw.status).toBe(415);
    expect((await raw.json()).detail).toMatch(/ZIP archive \(BYAF or CHARX\?\)/);
  });
});
