import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import OpenAI from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { startServer, type RunningServer } from "../src/server.ts";

const ADMIN_KEY = "dra_openai_compat_test_key_0000000000";

interface Started {
  server: RunningServer;
  directory: string;
}

async function start(environment: Record<string, string> = {}): Promise<Started> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-openai-"));
  const config = loadConfig({
    DRAMATIS_DATA_DIR: directory,
    PORT: "0",
    DRAMATIS_ADMIN_KEY: ADMIN_KEY,
    ...environment,
  });
  return { server: await startServer({ config, logger: pino({ level: "silent" }) }), directory };
}

async function api(server: RunningServer, pathName: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const response = await fetch(`${server.url}${pathName}`, {
    ...rest,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      "x-dramatis-user": "alice",
      ...(json === undefined ? {} : { "content-type": "application/json" }),
      ...(rest.headers as Record<string, string> | undefined),
    },
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe("OpenAI-compatible API with the official openai client", () => {
  let first: Started;
  let client: OpenAI;
  let personaId: string;

  beforeAll(async () => {
    first = await start();
    personaId = (await api(first.server, "/v1/personas", { method: "POST", json: { name: "Mira" } })).body.id;
    const elena = await api(first.server, "/v1/user-personas", {
      method: "POST",
      json: { name: "Elena", description: "a space pirate" },
    });
    await api(first.server, `/v1/user-personas/active/${elena.body.id}`, { method: "PUT" });
    client = new OpenAI({
      apiKey: ADMIN_KEY,
      baseURL: `${first.server.url}/v1`,
      defaultHeaders: { "X-Dramatis-User": "alice" },
      maxRetries: 0,
    });
  });
  afterAll(async () => {
    await first.server.stop();
    fs.rmSync(first.directory, { recursive: true, force: true });
  });

  it("lists personas (the models chat completions answer as), not raw provider models", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    const ids = models.map((model) => model.id);
    expect(ids).toContain(`persona/${personaId}`);
    expect(models.find((model) => model.id === `persona/${personaId}`)).toMatchObject({
      name: "Mira",
      display_name: "Mira",
    });
    expect(ids.some((id) => id.startsWith("persona/preset_"))).toBe(true);
    // No embedding model is configured here, and chat models are only reachable through personas.
    expect(ids.filter((id) => !id.startsWith("persona/"))).toEqual([]);
  });

  it("answers a non-streamed completion as the persona, addressing the user persona in force", async () => {
    const completion = await client.chat.completions.create({
      model: `persona/${personaId}`,
      messages: [{ role: "user", content: "Hi! Who are you?" }],
    });
    const text = completion.choices[0]?.message.content ?? "";
    expect(text).toContain("Mira");
    expect(text).toContain("Elena");
    expect(completion.model).toBe("offline/default");
    expect(completion.object).toBe("chat.completion");
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
  });

  it("streams chunks with a final usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: `persona/${personaId}`,
      messages: [
        { role: "system", content: "Answer like a pirate." },
        { role: "user", content: "Tell me about the sea" },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    let finishReason: string | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(4);
    expect(text).toContain("Mira");
    expect(finishReason).toBe("stop");
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("uses persona_id, else the user's active persona", async () => {
    const byId = await client.chat.completions.create({
      model: "anything",
      messages: [{ role: "user", content: "Hello" }],
      // @ts-expect-error persona_id is a Dramatis extension of the request body
      persona_id: personaId,
    });
    expect(byId.choices[0]?.message.content).toContain("Mira");

    await expect(
      client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] }),
    ).rejects.toThrow(/no persona chosen/);
    expect((await api(first.server, `/v1/personas/active/${personaId}`, { method: "PUT" })).status).toBe(200);
    const byActive = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(byActive.choices[0]?.message.content).toContain("Mira");
    expect((await api(first.server, "/v1/personas/active")).body).toEqual({
      status: "active",
      persona_id: personaId,
    });
    await api(first.server, "/v1/personas/active", { method: "DELETE" });
    expect((await api(first.server, "/v1/personas/active")).status).toBe(404);
  });

  it("reports errors in OpenAI's shape", async () => {
    const missing = await client.chat.completions
      .create({ model: "persona/psn_nope", messages: [{ role: "user", content: "Hi" }] })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(
      /persona psn_nope was not found/,
    );
    const badKey = new OpenAI({
      apiKey: "dra_wrong_key_000000000000000000000",
      baseURL: `${first.server.url}/v1`,
    });
    await expect(badKey.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const badTemperature = await client.chat.completions
      .create({ model: `persona/${personaId}`, messages: [{ role: "user", content: "Hi" }], temperature: 5 })
      .catch((error: unknown) => error);
    expect(badTemperature).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect((badTemperature as { param?: string }).param).toBe("temperature");
  });

  it("records usage for completions", async () => {
    const usage = await api(first.server, "/v1/usage?group_by=kind");
    const completions = usage.body.totals.find((total: any) => total.key === "chat_completion");
    expect(completions.requests).toBeGreaterThanOrEqual(4);
  });
});

describe("a Dramatis server as another's OpenAI-compatible upstream", () => {
  let upstream: Started;
  let downstream: Started;
  let upstreamPersonaId: string;

  beforeAll(async () => {
    upstream = await start();
    upstreamPersonaId = (
      await api(upstream.server, "/v1/personas", { method: "POST", json: { name: "Orla" } })
    ).body.id;
    downstream = await start({
      DRAMATIS_PROVIDERS: JSON.stringify([
        {
          name: "upstream",
          kind: "openai-compatible",
          base_url: `${upstream.server.url}/v1`,
          api_key: ADMIN_KEY,
          models: [`persona/${upstreamPersonaId}`],
        },
      ]),
    });
  });
  afterAll(async () => {
    for (const started of [downstream, upstream]) {
      await started?.server.stop();
      if (started) fs.rmSync(started.directory, { recursive: true, force: true });
    }
  });

  it("answers through the upstream, streaming, with usage recorded on both", async () => {
    const persona = await api(downstream.server, "/v1/personas", {
      method: "POST",
      json: { name: "Relay", model: `upstream/persona/${upstreamPersonaId}` },
    });
    const client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${downstream.server.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: `persona/${persona.body.id}`,
      messages: [{ role: "user", content: "Who is there?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let model = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
    }
    // The upstream's offline engine wrote it, as its persona Orla.
    expect(text).toContain("Orla");
    expect(model).toBe(`upstream/persona/${upstreamPersonaId}`);
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const downstreamUsage = await api(downstream.server, "/v1/usage?group_by=model");
    expect(downstreamUsage.body.totals.map((total: any) => total.key)).toContain(
      `upstream/persona/${upstreamPersonaId}`,
    );
    const upstreamUsage = await api(upstream.server, "/v1/usage?group_by=persona");
    const orla = upstreamUsage.body.totals.find((total: any) => total.key === upstreamPersonaId);
    expect(orla.requests).toBe(1);
    expect(orla.output_tokens).toBe(usage?.completion_tokens);
  });
});
