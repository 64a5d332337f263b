import http from "node:http";
import net from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRunningServer, type RunningTestServer } from "../running-server.ts";

/*
 * OpenAI's wire as real clients meet it, on a real server over loopback: keep-alive connections that
 * outlive early errors, unknown OpenAI routes in OpenAI's error shape, /v1/models and /v1/embeddings.
 */

const BODY_LIMIT = 1024 * 1024;
/** Big enough that the unread rest cannot sit in socket buffers: the case that used to break. */
const OVER_LIMIT = 2.5 * 1024 * 1024;
const UNDER_LIMIT = 900 * 1024;
/** Past the drain cap (4 MiB at least): the early answer says Connection: close. */
const BEYOND_DRAIN_CAP = 6 * 1024 * 1024;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  reusedSocket: boolean;
}

/** One request through `agent`; the body is written whole (content-length) or in chunks (chunked). */
function send(
  agent: http.Agent,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer; chunked?: boolean },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const { body, chunked = false } = options;
    const headers = { ...options.headers };
    if (body && !chunked) headers["content-length"] = String(body.length);
    const request = http.request(url, { agent, method: options.method ?? "GET", headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: text,
          reusedSocket: request.reusedSocket,
        }),
      );
    });
    request.on("error", reject);
    if (body && chunked) {
      // Several chunks: the server answers (413) while the rest is still on its way.
      for (let offset = 0; offset < body.length; offset += 16 * 1024)
        request.write(body.subarray(offset, offset + 16 * 1024));
      request.end();
    } else request.end(body);
  });
}

function oversizedCompletion(bytes: number): Buffer {
  return Buffer.from(
    JSON.stringify({ model: "persona/x", messages: [{ role: "user", content: "a".repeat(bytes) }] }),
  );
}

describe("OpenAI wire", () => {
  let running: RunningTestServer;
  let auth: Record<string, string>;
  let personaId: string;

  beforeAll(async () => {
    running = await startRunningServer({
      DRAMATIS_BODY_LIMIT: String(BODY_LIMIT),
      // Chat completions (which may carry images) are bounded by the upload limit.
      DRAMATIS_IMPORT_LIMIT: String(BODY_LIMIT),
      DRAMATIS_EMBEDDING_MODEL: "offline/default",
    });
    auth = { authorization: `Bearer ${running.adminKey}`, "x-dramatis-user": "alice" };
    personaId = ((await running.call("/v1/personas", { method: "POST", json: { name: "Mira" } })).body as any)
      .id;
  });
  afterAll(async () => {
    await running.stop();
  });

  describe("keep-alive connections outlive early errors", () => {
    const json = { "content-type": "application/json" };

    it.each([
      ["a content-length body over the limit (413)", false, true],
      ["a chunked body over the limit (413)", true, true],
      ["a body sent without a key (401)", false, false],
      ["a chunked body sent without a key (401)", true, false],
    ])("after %s, the next request reuses the connection", async (_label, chunked, withKey) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const refused = await send(agent, `${running.url}/v1/chat/completions`, {
          method: "POST",
          headers: { ...json, ...(withKey ? auth : {}) },
          body: oversizedCompletion(withKey ? OVER_LIMIT : UNDER_LIMIT),
          chunked,
        });
        expect(refused.status).toBe(withKey ? 413 : 401);
        expect(JSON.parse(refused.body).error.type).toBe(
          withKey ? "invalid_request_error" : "authentication_error",
        );
        expect(refused.headers.connection).toBe("keep-alive");
        const next = await send(agent, `${running.url}/v1/models`, { headers: auth });
        expect(next.status).toBe(200);
        expect(next.reusedSocket).toBe(true);
      } finally {
        agent.destroy();
      }
    });

    it("after an upload to an OpenAI route this server does not serve (404)", async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const refused = await send(agent, `${running.url}/v1/audio/transcriptions`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/octet-stream" },
          body: Buffer.alloc(UNDER_LIMIT, 7),
        });
        expect(refused.status).toBe(404);
        expect(JSON.parse(refused.body).error.code).toBe("unknown_url");
        const next = await send(agent, `${running.url}/v1/models`, { headers: auth });
        expect([next.status, next.reusedSocket]).toEqual([200, true]);
      } finally {
        agent.destroy();
      }
    });

    it("with undici (global fetch, as the openai SDK uses): 413 then a normal request", async () => {
      for (let round = 0; round < 3; round++) {
        const refused = await fetch(`${running.url}/v1/chat/completions`, {
          method: "POST",
          headers: { ...json, ...auth },
          body: oversizedCompletion(OVER_LIMIT),
        });
        expect(refused.status).toBe(413);
        expect(((await refused.json()) as any).error.message).toMatch(/larger than the limit/);
        const next = await fetch(`${running.url}/v1/models`, { headers: auth });
        expect(next.status).toBe(200);
        await next.json();
      }
    });

    it("says Connection: close when the body declares more than the server drains", async () => {
      // Headers and a first part only: the answer must come before the body, and say not to reuse.
      const url = new URL(running.url);
      const socket = net.connect(Number(url.port), url.hostname);
      try {
        await new Promise((resolve) => socket.once("connect", resolve));
        const received = new Promise<string>((resolve) => {
          let text = "";
          socket.on("data", (chunk: Buffer) => {
            text += chunk.toString("latin1");
            if (/\r\n\r\n[\s\S]*\}\}$/.test(text)) resolve(text);
          });
        });
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${running.adminKey}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${BEYOND_DRAIN_CAP}\r\n\r\n{"model":"`,
        );
        const head = await received;
        expect(head).toMatch(/^HTTP\/1\.1 413/);
        expect(head).toMatch(/\r\nConnection: close\r\n/i);
      } finally {
        socket.destroy();
      }
      // The server itself is fine: a new connection is served.
      expect((await fetch(`${running.url}/v1/models`, { headers: auth })).status).toBe(200);
    });
  });

  describe("routes", () => {
    const openAIError = (body: any) => {
      expect(Object.keys(body)).toEqual(["error"]);
      expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
      return body.error;
    };

    it.each([
      ["POST", "/v1/completions"],
      ["POST", "/v1/responses"],
      ["GET", "/v1/responses/resp_123"],
      ["POST", "/v1/audio/speech"],
      ["POST", "/v1/images/generations"],
      ["GET", "/v1/files"],
      ["POST", "/v1/batches"],
      ["GET", "/v1/fine_tuning/jobs"],
      ["POST", "/v1/assistants"],
      ["POST", "/v1/threads/thread_1/runs"],
      ["GET", "/v1/vector_stores"],
      ["POST", "/v1/moderations"],
      ["POST", "/v1/uploads"],
      ["GET", "/v1/realtime/sessions"],
      ["GET", "/v1/organization/users"],
      ["GET", "/v1/evals"],
      ["GET", "/v1/containers"],
      ["GET", "/v1/chat/completions/chatcmpl_1"],
    ])("%s %s is a 404 in OpenAI's shape (unknown_url)", async (method, path) => {
      const response = await fetch(`${running.url}${path}`, {
        method,
        headers: { ...auth, "content-type": "application/json" },
        ...(method === "POST" ? { body: JSON.stringify({ model: "gpt-4o", input: "hi" }) } : {}),
      });
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const error = openAIError(await response.json());
      expect(error).toMatchObject({ type: "invalid_request_error", param: null, code: "unknown_url" });
      expect(error.message).toContain(`${method} ${path} is not available on this server`);
      expect(error.message).toContain("/v1/chat/completions, /v1/models, /v1/embeddings");
    });

    it("a wrong method on an OpenAI operation is a 405 in OpenAI's shape, with Allow", async () => {
      const response = await fetch(`${running.url}/v1/chat/completions`, { headers: auth });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
      expect(openAIError(await response.json())).toMatchObject({ type: "invalid_request_error" });
      const models = await fetch(`${running.url}/v1/models`, { method: "DELETE", headers: auth });
      expect(models.status).toBe(405);
      expect(models.headers.get("allow")).toBe("GET, HEAD");
    });

    it("answers 401 without a key in OpenAI's shape on unserved OpenAI paths too", async () => {
      const response = await fetch(`${running.url}/v1/responses`, { method: "POST" });
      expect(response.status).toBe(401);
      expect(openAIError(await response.json())).toMatchObject({
        type: "authentication_error",
        code: "invalid_api_key",
      });
    });

    it("keeps problem+json for unknown native paths", async () => {
      for (const path of ["/v1/nothing-here", "/v1/conversations/x/nothing", "/v1/personasx"]) {
        const response = await fetch(`${running.url}${path}`, { headers: auth });
        expect(response.status).toBe(404);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
      }
    });

    it("the openai client surfaces the unknown route as a NotFoundError", async () => {
      const client = new OpenAI({ apiKey: running.adminKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
      const error = await client.completions.create({ model: "x", prompt: "hi" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("unknown_url");
    });
  });

  describe("/v1/models", () => {
    it("lists the caller's personas with name and display_name, and the embedding model; no raw chat models", async () => {
      const response = await running.call("/v1/models");
      expect(response.status).toBe(200);
      const data = (response.body as any).data as Array<Record<string, unknown>>;
      expect(data).toContainEqual(
        expect.objectContaining({
          id: `persona/${personaId}`,
          object: "model",
          name: "Mira",
          display_name: "Mira",
          owned_by: expect.any(String),
          created: expect.any(Number),
        }),
      );
      expect(data.some((model) => String(model.id).startsWith("persona/preset_"))).toBe(true);
      expect(data).toContainEqual(
        expect.objectContaining({ id: "offline/default", object: "model", owned_by: "offline" }),
      );
      const others = data.filter((model) => !String(model.id).startsWith("persona/"));
      expect(others.map((model) => model.id)).toEqual(["offline/default"]);
    });

    it("GET /v1/models/{id}: a persona (slash as is or encoded), the embedding model, or model_not_found", async () => {
      for (const path of [`/v1/models/persona/${personaId}`, `/v1/models/persona%2F${personaId}`]) {
        const found = await running.call(path);
        expect(found.status).toBe(200);
        expect(found.body).toMatchObject({ id: `persona/${personaId}`, object: "model", name: "Mira" });
      }
      expect((await running.call("/v1/models/offline/default")).body).toMatchObject({
        id: "offline/default",
        object: "model",
      });
      for (const id of ["persona/psn_nobody", "gpt-4o", "openai/gpt-4o-mini", "persona/"]) {
        const missing = await running.call(`/v1/models/${id}`);
        expect(missing.status, id).toBe(404);
        expect((missing.body as any).error).toMatchObject({
          type: "invalid_request_error",
          code: "model_not_found",
        });
      }
    });

    it("GET /v1/models/{id} hides another tenant's persona", async () => {
      const other = await fetch(`${running.url}/v1/tenants`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ name: "Other" }),
      });
      const otherKey = ((await other.json()) as any).admin_key as string;
      const response = await fetch(`${running.url}/v1/models/persona/${personaId}`, {
        headers: { authorization: `Bearer ${otherKey}` },
      });
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.code).toBe("model_not_found");
    });

    it("leaves research-population personas out unless include_generated=true", async () => {
      const cohort = await running.call("/v1/cohorts", {
        method: "POST",
        json: {
          name: "Adults",
          generator: {
            age: { type: "uniform", min: 20, max: 60 },
            sex: { female: 1, male: 1 },
            location: { "Lisbon, Portugal": 1 },
            occupation: ["nurse"],
          },
        },
      });
      const population = await running.call("/v1/populations", {
        method: "POST",
        json: {
          name: "Panel",
          size: 3,
          seed: 7,
          cohorts: [{ cohort_id: (cohort.body as any).id, proportion: 1 }],
        },
      });
      expect(population.status).toBe(201);
      await running.settleJobs("population-generation");
      const ids = async (query: string) =>
        ((await running.call(`/v1/models${query}`)).body as any).data.map(
          (model: any) => model.id,
        ) as string[];
      const usual = await ids("");
      const all = await ids("?include_generated=true");
      expect(all.length - usual.length).toBe(3);
      expect(all).toEqual(expect.arrayContaining(usual));
    });

    it("the openai client lists and retrieves", async () => {
      const client = new OpenAI({ apiKey: running.adminKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids).toContain(`persona/${personaId}`);
      expect((await client.models.retrieve(`persona/${personaId}`)).id).toBe(`persona/${personaId}`);
      await expect(client.models.retrieve("persona/psn_nobody")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    });
  });

  describe("/v1/embeddings", () => {
    const embed = (body: unknown) =>
      fetch(`${running.url}/v1/embeddings`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

    it("embeds a text and a list of texts as floats, with usage", async () => {
      const one = await embed({ model: "offline/default", input: "I love sailing" });
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ object: "list", model: "offline/default" });
      expect(one.body.data).toHaveLength(1);
      expect(one.body.data[0]).toMatchObject({ object: "embedding", index: 0 });
      expect(one.body.data[0].embedding).toHaveLength(512);
      expect(one.body.usage.prompt_tokens).toBeGreaterThan(0);
      expect(one.body.usage.total_tokens).toBe(one.body.usage.prompt_tokens);
      const many = await embed({ model: "default", input: ["sailing boats", "quiet mornings"] });
      expect(many.status).toBe(200);
      expect(many.body.data.map((item: any) => item.index)).toEqual([0, 1]);
      // Deterministic: the same text has the same vector.
      expect(many.body.data[0].embedding).not.toEqual(one.body.data[0].embedding);
    });

    it("encodes base64 as little-endian float32 bytes", async () => {
      const floats = await embed({ model: "offline/default", input: "sailing at dawn" });
      const encoded = await embed({
        model: "offline/default",
        input: "sailing at dawn",
        encoding_format: "base64",
      });
      const bytes = Buffer.from(encoded.body.data[0].embedding as string, "base64");
      const decoded = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
      expect(decoded).toEqual(floats.body.data[0].embedding);
    });

    it("works with the openai client (base64 by default, and float)", async () => {
      const client = new OpenAI({ apiKey: running.adminKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
      const byDefault = await client.embeddings.create({ model: "offline/default", input: ["hello there"] });
      expect(byDefault.data[0]!.embedding).toHaveLength(512);
      expect(typeof byDefault.data[0]!.embedding[0]).toBe("number");
      const floats = await client.embeddings.create({
        model: "offline/default",
        input: "hello there",
        encoding_format: "float",
      });
      expect(floats.data[0]!.embedding).toEqual(byDefault.data[0]!.embedding);
      expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
      const error = await client.embeddings
        .create({ model: "text-embedding-3-small", input: "hi" })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    });

    it("refuses bad requests with 400 naming the parameter, and unknown models with model_not_found", async () => {
      const cases: Array<[unknown, number, string | null, RegExp]> = [
        [{ model: "offline/default", input: [1, 2, 3] }, 400, "input", /token arrays/],
        [{ model: "offline/default", input: [[1, 2]] }, 400, "input", /token arrays/],
        [{ model: "offline/default", input: "" }, 400, "input", /empty/],
        [{ model: "offline/default", input: ["a", " "] }, 400, "input", /input\[1\] is empty/],
        [{ model: "offline/default", input: [] }, 400, "input", /empty/],
        [{ model: "offline/default", input: Array(2049).fill("a") }, 400, "input", /at most 2048/],
        [{ model: "offline/default", input: "hi", dimensions: 256 }, 400, "dimensions", /512/],
        [{ model: "offline/default", input: "hi", encoding_format: "hex" }, 400, "encoding_format", /./],
        [{ input: "hi" }, 400, "model", /./],
        [
          { model: "text-embedding-3-small", input: "hi" },
          404,
          "model",
          /its embedding model is offline\/default/,
        ],
      ];
      for (const [body, status, param, message] of cases) {
        const response = await embed(body);
        expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(status);
        expect(response.body.error.param).toBe(param);
        expect(response.body.error.message).toMatch(message);
        if (status === 404) expect(response.body.error.code).toBe("model_not_found");
      }
      expect((await embed({ model: "offline/default", input: "hi", dimensions: 512 })).status).toBe(200);
    });

    it("records usage under the kind embedding", async () => {
      await embed({ model: "offline/default", input: "count me" });
      const usage = await running.call("/v1/usage?group_by=kind");
      expect(JSON.stringify(usage.body)).toContain('"embedding"');
    });
  });
});

describe("OpenAI wire without an embedding model", () => {
  let running: RunningTestServer;
  beforeAll(async () => {
    running = await startRunningServer();
  });
  afterAll(async () => {
    await running.stop();
  });

  it("lists personas only, and /v1/embeddings says there is no embedding model", async () => {
    const models = await running.call("/v1/models");
    const ids = ((models.body as any).data as Array<{ id: string }>).map((model) => model.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id.startsWith("persona/"))).toBe(true);
    const response = await running.call("/v1/embeddings", {
      method: "POST",
      json: { model: "offline/default", input: "hi" },
    });
    expect(response.status).toBe(404);
    expect((response.body as any).error).toMatchObject({ code: "model_not_found", param: "model" });
    expect((response.body as any).error.message).toMatch(/DRAMATIS_EMBEDDING_MODEL/);
  });
});
