import { CCardLib } from "@risuai/ccardlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHARX_LIMITS } from "../../src/services/character-card/charx-card.ts";
import { readZipFiles } from "../../src/lib/bounded-unzip.ts";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp } from "../test-app.ts";
import { zipArchive } from "../zip-archive.ts";

const solidPng = async (width: number, height: number, background: { r: number; g: number; b: number }) =>
  new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background } })
      .png()
      .toBuffer(),
  );

/** An MP3 frame header and some bytes: enough for the sniffer to call it audio/mpeg. */
const mp3 = new Uint8Array([
  0x49,
  0x44,
  0x33,
  0x04,
  0x00,
  0x00,
  ...Array.from({ length: 200 }, (_, i) => i % 251),
]);

const card = (assets: unknown[]) => ({
  spec: "chara_card_v3",
  spec_version: "3.0",
  data: {
    name: "Quill",
    description: "A scribe with ink-stained fingers.",
    personality: "careful",
    scenario: "",
    first_mes: "*Quill looks up from the page.*",
    mes_example: "",
    creator_notes: "",
    system_prompt: "",
    post_history_instructions: "",
    alternate_greetings: [],
    group_only_greetings: [],
    tags: [],
    creator: "someone",
    character_version: "1",
    extensions: {},
    assets,
  },
});

describe.each(BACKENDS)("CHARX cards: assets stored, served and exported ($name)", (backend) => {
  let app: TestApp;
  let icon: Uint8Array;
  let happy: Uint8Array;
  let sad: Uint8Array;
  let background: Uint8Array;

  beforeAll(async () => {
    app = await createTestApp({ backend });
    icon = await solidPng(64, 96, { r: 10, g: 200, b: 30 });
    happy = await solidPng(32, 32, { r: 250, g: 220, b: 0 });
    sad = await solidPng(32, 32, { r: 0, g: 0, b: 200 });
    background = await solidPng(120, 80, { r: 40, g: 40, b: 40 });
  });
  afterAll(async () => app.close());

  const importArchive = (archive: Uint8Array) =>
    app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "application/zip" },
      body: archive,
    });

  const sourceArchive = () =>
    zipArchive([
      {
        name: "card.json",
        content: JSON.stringify(
          card([
            { type: "icon", uri: "embeded://assets/icon/images/main.png", name: "main", ext: "png" },
            { type: "emotion", uri: "embeded://assets/emotion/images/happy.png", name: "happy", ext: "png" },
            { type: "emotion", uri: "embeded://assets/emotion/images/sad.png", name: "sad", ext: "png" },
            {
              type: "background",
              uri: "embeded://assets/background/images/sky.png",
              name: "sky",
              ext: "png",
            },
            { type: "x-risu-voice", uri: "embeded://assets/other/hello.mp3", name: "hello", ext: "mp3" },
            { type: "emotion", uri: "https://example.com/angry.png", name: "angry", ext: "png" },
            { type: "icon", uri: "ccdefault:", name: "default", ext: "png" },
          ]),
        ),
      },
      { name: "assets/icon/images/main.png", content: icon, store: true },
      { name: "assets/emotion/images/happy.png", content: happy },
      { name: "assets/emotion/images/sad.png", content: sad },
      { name: "assets/background/images/sky.png", content: background },
      { name: "assets/other/hello.mp3", content: mp3 },
      { name: "assets/other/unlisted.html", content: "<script>alert(1)</script>" },
    ]);

  async function assetsOf(personaId: string) {
    const client = app.client();
    const { data, response } = await client.GET("/v1/personas/{id}/assets", {
      params: { path: { id: personaId } },
    });
    expect(response.status).toBe(200);
    return data!.data;
  }

  async function bytesOf(url: string) {
    const response = await app.request(url);
    expect(response.status).toBe(200);
    return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  it("imports every asset, serves it byte for byte, exports a CHARX that re-imports to the same assets", async () => {
    const imported = await importArchive(sourceArchive());
    expect(imported.status).toBe(201);
    const { persona } = await imported.json();
    const assets = await assetsOf(persona.id);
    expect(assets.map((asset) => [asset.type, asset.name, asset.content_type, asset.remote])).toEqual([
      ["icon", "main", "image/png", false],
      ["emotion", "happy", "image/png", false],
      ["emotion", "sad", "image/png", false],
      ["background", "sky", "image/png", false],
      ["x-risu-voice", "hello", "audio/mpeg", false],
      ["emotion", "angry", null, true],
    ]);
    expect(assets[5]!.url).toBe("https://example.com/angry.png");
    const expected = [icon, happy, sad, background, mp3];
    for (const [index, bytes] of expected.entries()) {
      const served = await bytesOf(assets[index]!.url);
      expect(served.bytes).toEqual(bytes);
      expect(served.response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(served.response.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
    }
    const cached = await app.request(assets[1]!.url, {
      headers: { "if-none-match": (await app.request(assets[1]!.url)).headers.get("etag")! },
    });
    expect(cached.status).toBe(304);

    const exported = await app.request(`/v1/personas/${persona.id}/export?as=charx`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toBe("application/zip");
    expect(exported.headers.get("content-disposition")).toMatch(/filename="Quill\.charx"/);
    const archive = new Uint8Array(await exported.arrayBuffer());
    const files = readZipFiles(archive, CHARX_LIMITS);
    const cardJson = JSON.parse(Buffer.from(files.get("card.json")!).toString("utf8"));
    expect(CCardLib.character.check(structuredClone(cardJson))).toBe("v3");
    const listed = cardJson.data.assets as Array<{ type: string; uri: string; name: string; ext: string }>;
    expect(listed.map((asset) => `${asset.type}/${asset.name}`)).toEqual([
      "icon/main",
      "emotion/happy",
      "emotion/sad",
      "background/sky",
      "x-risu-voice/hello",
      "emotion/angry",
    ]);
    for (const asset of listed.slice(0, 5)) {
      const path = asset.uri.replace(/^embeded:\/\//, "");
      expect(asset.uri).toMatch(/^embeded:\/\/assets\//);
      expect(files.has(path)).toBe(true);
    }
    expect(listed[5]!.uri).toBe("https://example.com/angry.png");
    // The icon is the persona's current picture (the card's art re-encoded), named main.
    expect(listed[0]!.uri).toBe("embeded://assets/icon/image/main.png");

    const reimported = await importArchive(archive);
    expect(reimported.status).toBe(201);
    const again = await assetsOf((await reimported.json()).persona.id);
    expect(again.map((asset) => [asset.type, asset.name, asset.ext, asset.content_type])).toEqual(
      assets.map((asset) => [asset.type, asset.name, asset.ext, asset.content_type]),
    );
    for (const [index, bytes] of [happy, sad, background, mp3].entries()) {
      expect((await bytesOf(again[index + 1]!.url)).bytes).toEqual(bytes);
    }
    const avatar = await app.request(`/v1/personas/${persona.id}/avatar`);
    expect((await bytesOf(again[0]!.url)).bytes).toEqual(new Uint8Array(await avatar.arrayBuffer()));
  });

  it("carries the assets in a JSON or PNG export as data: URIs, so nothing points into a missing archive", async () => {
    const { persona } = await (await importArchive(sourceArchive())).json();
    const avatar = new Uint8Array(
      await (await app.request(`/v1/personas/${persona.id}/avatar`)).arrayBuffer(),
    );
    const dataOf = (uri: string) =>
      new Uint8Array(Buffer.from(uri.replace(/^data:[^;]+;base64,/, ""), "base64"));

    const json = await (await app.request(`/v1/personas/${persona.id}/export?format=card_v3`)).json();
    expect(CCardLib.character.check(structuredClone(json))).toBe("v3");
    const listed = json.data.assets as Array<{ type: string; uri: string; name: string }>;
    expect(listed.map((asset) => `${asset.type}/${asset.name}`)).toEqual([
      "icon/main",
      "emotion/happy",
      "emotion/sad",
      "background/sky",
      "x-risu-voice/hello",
      "emotion/angry",
    ]);
    expect(listed.some((asset) => asset.uri.startsWith("embeded://"))).toBe(false);
    expect(listed[0]!.uri).toMatch(/^data:image\/png;base64,/);
    expect(dataOf(listed[0]!.uri)).toEqual(avatar);
    expect(dataOf(listed[1]!.uri)).toEqual(happy);
    expect(listed[4]!.uri).toMatch(/^data:audio\/mpeg;base64,/);
    expect(listed[5]!.uri).toBe("https://example.com/angry.png");

    // The JSON export comes back whole: the picture becomes the avatar again, the files the assets.
    const reimported = await app.request("/v1/personas/import", { method: "POST", json });
    expect(reimported.status).toBe(201);
    const copy = (await reimported.json()).persona.id;
    const copyAvatar = new Uint8Array(await (await app.request(`/v1/personas/${copy}/avatar`)).arrayBuffer());
    expect(copyAvatar).toEqual(avatar);
    const copyAssets = await assetsOf(copy);
    expect((await bytesOf(copyAssets[2]!.url)).bytes).toEqual(sad);

    // In a PNG the picture is the file itself: `ccdefault:`.
    const png = new Uint8Array(
      await (await app.request(`/v1/personas/${persona.id}/export?as=png&format=card_v3`)).arrayBuffer(),
    );
    const fromPng = await app.request("/v1/personas/import", {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: png,
    });
    expect(fromPng.status).toBe(201);
    const pngAssets = await assetsOf((await fromPng.json()).persona.id);
    expect(pngAssets.map((asset) => `${asset.type}/${asset.name}`)).toEqual([
      "emotion/happy",
      "emotion/sad",
      "background/sky",
      "x-risu-voice/hello",
      "emotion/angry",
    ]);
  });

  it("stores a V3 JSON card's data: URI assets and never serves HTML or SVG inline", async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const json = card([
      {
        type: "emotion",
        uri: `data:image/png;base64,${Buffer.from(happy).toString("base64")}`,
        name: "joy",
        ext: "png",
      },
      {
        type: "x-risu-page",
        uri: `data:text/html,${encodeURIComponent("<script>alert(1)</script>")}`,
        name: "page",
        ext: "html",
      },
      {
        type: "emotion",
        uri: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`,
        name: "vector",
        ext: "svg",
      },
      { type: "emotion", uri: "ftp://example.com/x.png", name: "ftp", ext: "png" },
    ]);
    const imported = await app.request("/v1/personas/import", { method: "POST", json });
    expect(imported.status).toBe(201);
    const body = await imported.json();
    expect(body.warnings.join("\n")).toMatch(/asset emotion\/ftp was not kept: its uri scheme "ftp"/);
    const assets = await assetsOf(body.persona.id);
    expect(assets.map((asset) => asset.name)).toEqual(["joy", "page", "vector"]);
    const joy = await bytesOf(assets[0]!.url);
    expect(joy.bytes).toEqual(happy);
    expect(joy.response.headers.get("content-type")).toBe("image/png");
    for (const asset of assets.slice(1)) {
      const served = await bytesOf(asset.url);
      expect(served.response.headers.get("content-type")).toBe("application/octet-stream");
      expect(served.response.headers.get("content-disposition")).toMatch(/^attachment;/);
      expect(served.response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("follows the persona's visibility, lets editors delete assets, and deletes them with the persona", async () => {
    const { persona } = await (await importArchive(sourceArchive())).json();
    const assets = await assetsOf(persona.id);
    const otherKey = (
      await (await app.request("/v1/tenants", { method: "POST", json: { name: "Other" } })).json()
    ).admin_key as string;
    expect((await app.request(`/v1/personas/${persona.id}/assets`, { key: otherKey })).status).toBe(404);
    expect((await app.request(assets[1]!.url, { key: otherKey })).status).toBe(404);
    expect((await app.request(assets[1]!.url, { key: otherKey, method: "DELETE" })).status).toBe(404);

    expect((await app.request(assets[1]!.url, { method: "DELETE" })).status).toBe(204);
    expect((await app.request(assets[1]!.url)).status).toBe(404);
    expect((await assetsOf(persona.id)).map((asset) => asset.name)).not.toContain("happy");

    const blobIds = async () =>
      (
        await app.database.db
          .selectFrom("persona_assets")
          .select("blob_id")
          .where("persona_id", "=", persona.id)
          .execute()
      )
        .map((row) => row.blob_id)
        .filter((id) => id !== null);
    const before = await blobIds();
    expect(before.length).toBe(4);
    expect((await app.request(`/v1/personas/${persona.id}`, { method: "DELETE" })).status).toBe(204);
    const left = await app.database.db.selectFrom("blobs").select("id").where("id", "in", before).execute();
    expect(left).toEqual([]);
  });

  it("refuses a card listing more assets than the limit with a 413", async () => {
    const many = Array.from({ length: CHARX_LIMITS.maxEntries + 1 }, (_, index) => ({
      type: "emotion",
      uri: "https://example.com/a.png",
      name: `e${index}`,
      ext: "png",
    }));
    const refused = await app.request("/v1/personas/import", { method: "POST", json: card(many) });
    expect(refused.status).toBe(413);
    expect((await refused.json()).detail).toMatch(/assets; at most 1000/);
  });
});
