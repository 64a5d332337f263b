import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../backends.ts";
import { createTestApp, type TestApp, type TestResponse } from "../test-app.ts";

/** A JSON value `levels` objects deep: `{"a":{"a":1}}` is 2. */
const nestedObjects = (levels: number, leaf = "1") => '{"a":'.repeat(levels) + leaf + "}".repeat(levels);
const nestedArrays = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

async function expectProblem(response: TestResponse, status: number, detail?: RegExp): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = await response.json();
  expect(problem.status).toBe(status);
  if (detail) expect(problem.detail).toMatch(detail);
}

async function expectOpenAIError(response: TestResponse, status: number, message?: RegExp): Promise<void> {
  expect(response.status).toBe(status);
  const body = await response.json();
  expect(body.error.type).toBe("invalid_request_error");
  if (message) expect(body.error.message).toMatch(message);
}

function sendJsonText(app: TestApp, url: string, method: string, text: string, init: { user?: string } = {}) {
  return app.request(url, { method, headers: { "content-type": "application/json" }, body: text, ...init });
}

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, "latin1");
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/** A grayscale PNG whose pixels are all zero: tiny on disk, `width × height` pixels once inflated. */
function zeroPng(width: number, height: number, bitDepth: number, pixelRows = height): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = bitDepth;
  const rowBytes = 1 + Math.ceil((width * bitDepth) / 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.alloc(rowBytes * pixelRows), { level: 9 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

describe.each(BACKENDS)("bounded input on $name", (backend) => {
  let app: TestApp;
  let personaId: string;

  const countRows = async (table: "personas" | "memories" | "skills" | "persona_avatars") =>
    Number(
      (
        await app.database.db
          .selectFrom(table)
          .select((select) => select.fn.countAll().as("count"))
          .executeTakeFirstOrThrow()
      ).count,
    );
  const draftOf = async (id: string) =>
    (
      await app.database.db
        .selectFrom("personas")
        .select("draft")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).draft;

  beforeAll(async () => {
    app = await createTestApp({ backend });
    personaId = (await (await app.request("/v1/personas", { method: "POST", json: { name: "Ada" } })).json())
      .id;
  });
  afterAll(async () => {
    await app?.close();
  });

  describe("JSON depth in every body", () => {
    it("stores extensions with the body 63 and 64 levels deep and refuses 65 and 5,000 with 422", async () => {
      for (const depth of [63, 64]) {
        const text = `{"name":"Deep","extensions":{"x":${nestedObjects(depth - 2)}}}`;
        expect((await sendJsonText(app, "/v1/personas", "POST", text)).status).toBe(201);
      }
      const before = await countRows("personas");
      const draft = await draftOf(personaId);
      for (const depth of [65, 5000]) {
        const create = `{"name":"Deep","extensions":{"x":${nestedObjects(depth - 2)}}}`;
        await expectProblem(await sendJsonText(app, "/v1/personas", "POST", create), 422, /deeper than 64/);
        const patch = `{"extensions":{"x":${nestedArrays(depth - 2)}}}`;
        const patched = await sendJsonText(app, `/v1/personas/${personaId}`, "PATCH", patch);
        await expectProblem(patched, 422, /deeper than 64/);
      }
      expect(await countRows("personas")).toBe(before);
      expect(await draftOf(personaId)).toBe(draft);
    });

    it("answers 2xx up to 64 levels and 422 beyond, never 5xx (property)", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 3, max: 300 }), fc.boolean(), async (depth, useArrays) => {
          const value = useArrays ? nestedArrays(depth - 2) : nestedObjects(depth - 2);
          const response = await sendJsonText(
            app,
            `/v1/personas/${personaId}`,
            "PATCH",
            `{"extensions":{"x":${value}}}`,
          );
          expect(response.status).toBe(depth <= 64 ? 200 : 422);
        }),
        { numRuns: 40 },
      );
    });

    it("refuses over-deep memory metadata and nothing is stored", async () => {
      const url = `/v1/personas/${personaId}/memories`;
      const fits = `{"facts":"I like tea.","metadata":${nestedObjects(63)}}`;
      expect((await sendJsonText(app, url, "POST", fits)).status).toBe(201);
      const before = await countRows("memories");
      for (const levels of [64, 4999]) {
        const text = `{"facts":"I like tea.","metadata":${nestedObjects(levels)}}`;
        await expectProblem(await sendJsonText(app, url, "POST", text), 422, /deeper than 64/);
      }
      expect(await countRows("memories")).toBe(before);
    });

    it("refuses an over-deep answer schema on a skill and nothing is stored", async () => {
      const skill = (schema: string) =>
        `{"name":"Deep","prompt":"Anything?","answer":{"type":"json","schema":{"type":"object","x":${schema}}}}`;
      expect((await sendJsonText(app, "/v1/skills", "POST", skill(nestedObjects(61)))).status).toBe(201);
      const before = await countRows("skills");
      for (const levels of [62, 4997]) {
        await expectProblem(
          await sendJsonText(app, "/v1/skills", "POST", skill(nestedObjects(levels))),
          422,
          /deeper than 64/,
        );
      }
      expect(await countRows("skills")).toBe(before);
    });

    it("refuses over-deep chat completion bodies in OpenAI's error shape", async () => {
      for (const levels of [64, 4999]) {
        const text = `{"model":"offline/default","messages":[{"role":"user","content":"hi"}],"metadata":${nestedObjects(levels)}}`;
        await expectOpenAIError(
          await sendJsonText(app, "/v1/chat/completions", "POST", text),
          422,
          /deeper than 64/,
        );
      }
      const within = `{"model":"offline/default","messages":${nestedArrays(63)}}`;
      const response = await sendJsonText(app, "/v1/chat/completions", "POST", within);
      expect(response.status).toBeLessThan(500);
      expect((await response.json()).error.message).not.toMatch(/deeper than/);
    });

    it("refuses objects with more than 1,000 keys and arrays with more than 10,000 items", async () => {
      const keys = Object.fromEntries(Array.from({ length: 1_001 }, (_, index) => [`k${index}`, index]));
      const wide = await app.request(`/v1/personas/${personaId}`, {
        method: "PATCH",
        json: { extensions: keys },
      });
      await expectProblem(wide, 422, /more than 1000 keys/);
      const long = await app.request(`/v1/personas/${personaId}`, {
        method: "PATCH",
        json: { extensions: { list: Array.from({ length: 10_001 }, () => 0) } },
      });
      await expectProblem(long, 422, /more than 10000 items/);
    });
  });

  describe("values stored before the policy", () => {
    it("a persona whose stored draft and version nest 4,000 deep still answers GET, /diff and PATCH", async () => {
      const id = (await (await app.request("/v1/personas", { method: "POST", json: { name: "Old" } })).json())
        .id;
      expect((await app.request(`/v1/personas/${id}/publish`, { method: "POST", json: {} })).status).toBe(
        201,
      );
      const stored = JSON.parse(await draftOf(id)) as Record<string, unknown>;
      const deepDraft = `${JSON.stringify(stored).slice(0, -1)},"extensions":{"x":${nestedObjects(4000)}}}`;
      // Differing only at the bottom, so a recursive diff would walk all 4,000 levels (it overflowed at 2,000).
      const deepVersion = `${JSON.stringify(stored).slice(0, -1)},"extensions":{"x":${nestedObjects(4000, "2")}}}`;
      await app.database.db.updateTable("personas").set({ draft: deepDraft }).where("id", "=", id).execute();
      await app.database.db
        .updateTable("persona_versions")
        .set({ definition: deepVersion })
        .where("persona_id", "=", id)
        .execute();

      const got = await app.request(`/v1/personas/${id}`);
      expect(got.status).toBe(200);
      expect((await got.json()).extensions.x).toBeTypeOf("object");
      for (const query of ["from=1", "from=1&to=draft", "from=draft&to=1", "from=1&to=1"]) {
        const diff = await app.request(`/v1/personas/${id}/diff?${query}`);
        expect(diff.status).toBe(200);
        expect(Array.isArray((await diff.json()).changes)).toBe(true);
      }
      expect((await app.request(`/v1/personas/${id}/versions/1`)).status).toBe(200);
      // Repairable: a PATCH writes a value within the policy again.
      const repaired = await app.request(`/v1/personas/${id}`, {
        method: "PATCH",
        json: { extensions: { x: 1 } },
      });
      expect(repaired.status).toBe(200);
      expect(JSON.parse(await draftOf(id)).extensions).toEqual({ x: 1 });
    });
  });

  describe("card imports", () => {
    it("refuses a 200,000-key card and a 100,000-entry lorebook, storing nothing", async () => {
      const before = await countRows("personas");
      const keys = Object.fromEntries(Array.from({ length: 200_000 }, (_, index) => [`k${index}`, index]));
      const wide = { spec: "chara_card_v2", spec_version: "2.0", data: { name: "Wide", extensions: keys } };
      await expectProblem(
        await app.request("/v1/personas/import", { method: "POST", json: wide }),
        422,
        /more than 1000 keys/,
      );
      const entries = Array.from({ length: 100_000 }, (_, id) => ({ id, keys: ["k"], content: "c" }));
      const book = {
        spec: "chara_card_v2",
        spec_version: "2.0",
        data: { name: "Lore", character_book: { entries } },
      };
      await expectProblem(
        await app.request("/v1/personas/import", { method: "POST", json: book }),
        422,
        /more than 5000 items/,
      );
      expect(await countRows("personas")).toBe(before);
    });

    it("a multipart content type over a JSON body is a 400 naming the problem", async () => {
      for (const contentType of ["multipart/form-data", "multipart/form-data; boundary=x"]) {
        const response = await app.request("/v1/personas/import", {
          method: "POST",
          headers: { "content-type": contentType },
          body: JSON.stringify({ spec: "chara_card_v2", spec_version: "2.0", data: { name: "X" } }),
        });
        await expectProblem(response, 400, /not a valid multipart form/);
      }
    });
  });

  describe("images", () => {
    const upload = (bytes: Uint8Array) =>
      app.request(`/v1/personas/${personaId}/avatar`, {
        method: "PUT",
        headers: { "content-type": "image/png" },
        body: bytes,
      });

    it("refuses a PNG decompression bomb and a huge-dimension PNG before decoding, storing nothing", async () => {
      const before = await countRows("persona_avatars");
      // 7,000 × 7,000 one-bit pixels: 6 KB on the wire, 49 million pixels decoded.
      await expectProblem(await upload(zeroPng(7000, 7000, 1)), 422, /7000×7000 pixels/);
      // A header claiming 100,000 × 100,000 over one row of data.
      await expectProblem(await upload(zeroPng(100_000, 100_000, 8, 1)), 422, /100000×100000 pixels/);
      expect(await countRows("persona_avatars")).toBe(before);
      expect((await upload(zeroPng(64, 64, 8))).status).toBe(200);
    });
  });

  describe("undecodable requests", () => {
    it("answers malformed percent-encoding in any path with 400", async () => {
      for (const url of ["/%", "/%zz", "/v1/%", "/v1/personas/%zz", "/v1/personas/%ff", "/docs/%E0%A4%A"]) {
        await expectProblem(await app.request(url), 400, /percent-encoding/);
      }
      await expectOpenAIError(await app.request("/v1/models/%zz"), 400, /percent-encoding/);
      // Valid escapes are untouched.
      expect((await app.request("/v1/personas/psn_%61bc")).status).toBe(404);
    });

    it("answers bad content types and bodies with a 4xx problem naming the problem", async () => {
      const body = JSON.stringify({ name: "X" });
      const send = (headers: Record<string, string>, payload: string | Uint8Array = body) =>
        app.request("/v1/personas", { method: "POST", headers, body: payload });
      const before = await countRows("personas");
      await expectProblem(await send({ "content-type": "multipart/form-data" }), 415, /multipart\/form-data/);
      await expectProblem(await send({ "content-type": "text/plain" }), 415, /text\/plain/);
      await expectProblem(await send({}, new TextEncoder().encode(body)), 415, /no content type/);
      await expectProblem(await send({ "content-type": "application/json; charset=latin1" }), 415, /UTF-8/);
      const invalidUtf8 = Uint8Array.from([...Buffer.from('{"name":"'), 0xff, 0xfe, ...Buffer.from('"}')]);
      await expectProblem(await send({ "content-type": "application/json" }, invalidUtf8), 400, /UTF-8/);
      await expectProblem(await send({ "content-type": "application/json" }, ""), 400, /empty/);
      await expectProblem(
        await send({ "content-type": "application/json" }, '{"name":"X'),
        400,
        /not valid JSON/,
      );
      expect(await countRows("personas")).toBe(before);
      expect((await send({ "content-type": "application/json; charset=UTF-8" })).status).toBe(201);
    });

    it("answers the same on the OpenAI routes in OpenAI's error shape", async () => {
      const send = (headers: Record<string, string>, payload: string | Uint8Array) =>
        app.request("/v1/chat/completions", { method: "POST", headers, body: payload });
      await expectOpenAIError(await send({ "content-type": "multipart/form-data" }, "{}"), 415);
      await expectOpenAIError(await send({ "content-type": "application/json" }, "{"), 400, /not valid JSON/);
      await expectOpenAIError(
        await send({ "content-type": "application/json" }, Uint8Array.from([0x7b, 0xff, 0x7d])),
        400,
        /UTF-8/,
      );
    });
  });
});

describe("undecodable paths with the web app built", () => {
  it("answers GET /% with 400, not a crash in the static file server", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-web-"));
    fs.writeFileSync(path.join(directory, "index.html"), "<!doctype html><title>app</title>");
    const app = await createTestApp({ webDirectory: directory });
    try {
      await expectProblem(await app.request("/%", { key: null }), 400, /percent-encoding/);
      expect((await app.request("/some/screen", { key: null })).status).toBe(200);
    } finally {
      await app.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
