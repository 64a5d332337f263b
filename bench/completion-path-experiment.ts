/**
 * Where the CPU of a relayed completion goes: `node --import tsx bench/completion-path-experiment.ts`.
 *
 * A diagnostic, not a recorded benchmark. It runs the real app in process (`app.request`, no socket) over
 * SQLite with the real OpenAI-compatible provider pointed at the bench upstream (in its own process), and
 * measures this process's CPU per non-streamed `POST /v1/chat/completions` for four wirings of the same
 * provider, interleaved over several rounds:
 *
 * - as configured: what the server does today;
 * - one language model per model id: the provider's `languageModel()` result is reused instead of being
 *   built (with the AI SDK's response schemas) on every request;
 * - generate() for non-streamed calls: the model's `stream()` answers through `generate()` (one JSON
 *   response, the AI SDK's generateText) instead of the AI SDK's streaming pipeline;
 * - both.
 *
 * The wrappers live here only; nothing in src/ changes. When src/ adopts either change, the first row
 * should fall to the matching one.
 */
import { randomBytes } from "node:crypto";
import { SecretBox } from "../src/lib/secret-box.ts";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { createApp } from "../src/app.ts";
import { DatabaseJobQueue } from "../src/jobs/database-job-queue.ts";
import { systemClock } from "../src/lib/clock.ts";
import type { LanguageModel, ModelProvider, StreamPart } from "../src/models/language-model.ts";
import { ModelRegistry } from "../src/models/model-registry.ts";
import { createOpenAICompatibleProvider } from "../src/models/openai-compatible-provider.ts";
import { createServices } from "../src/composition/create-services.ts";
import { openDatabase, type DatabaseHandle } from "../src/store/database.ts";
import { Store } from "../src/store/store.ts";
import { readPositiveInteger } from "./bench-settings.ts";
import { formatNumber } from "./latency-stats.ts";
import { UPSTREAM_MODEL, UPSTREAM_REPLY } from "./openai-upstream.ts";
import { startServerProcess } from "./server-process.ts";

const ADMIN_KEY = `bench_experiment_${"k".repeat(32)}`;
const MODEL_ID = `upstream/${UPSTREAM_MODEL}`;

/** Reuses each language model instead of building a new one per call. */
function withCachedModels(provider: ModelProvider): ModelProvider {
  const models = new Map<string, LanguageModel>();
  return {
    ...provider,
    name: provider.name,
    languageModel(modelName) {
      let model = models.get(modelName);
      if (!model) {
        model = provider.languageModel(modelName);
        models.set(modelName, model);
      }
      return model;
    },
  };
}

/** Answers `stream()` with one `generate()` call: what a non-streamed request needs. */
function withGenerateForStream(provider: ModelProvider): ModelProvider {
  return {
    ...provider,
    name: provider.name,
    languageModel(modelName) {
      const model = provider.languageModel(modelName);
      return {
        id: model.id,
        generate: (request) => model.generate(request),
        generateObject: (request) => model.generateObject(request),
        async *stream(request): AsyncIterable<StreamPart> {
          const result = await model.generate(request);
          yield { type: "delta", text: result.text };
          yield { type: "finish", result };
        },
      };
    },
  };
}

interface Variant {
  name: string;
  call: () => Promise<void>;
  jobs: DatabaseJobQueue;
  database: DatabaseHandle;
  directory: string;
}

async function createVariant(name: string, provider: ModelProvider): Promise<Variant> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "dramatis-experiment-"));
  const database = await openDatabase({
    database: { kind: "sqlite", file: path.join(directory, "dramatis.sqlite") },
  });
  const jobs = new DatabaseJobQueue({ db: database.db, clock: systemClock });
  const services = createServices(new Store(database.db), systemClock, {
    models: new ModelRegistry([provider], MODEL_ID),
    // Completions never enqueue jobs; the queue exists because the services need one. No worker runs.
    jobs,
    secrets: new SecretBox(randomBytes(32)),
  });
  await services.tenants.ensureDefaultTenant(ADMIN_KEY);
  const app = createApp({
    services,
    logger: pino({ level: "warn" }),
    config: { bodyLimitBytes: 1024 * 1024, importLimitBytes: 10 * 1024 * 1024 },
  });
  const headers = {
    authorization: `Bearer ${ADMIN_KEY}`,
    "content-type": "application/json",
    "x-dramatis-user": "bench-user",
  };
  const created = await app.request("/v1/personas", {
    method: "POST",
    headers,
    body: JSON.stringify({ name: "Mira", model: MODEL_ID }),
  });
  const persona = (await created.json()) as { id: string };
  const body = JSON.stringify({
    model: `persona/${persona.id}`,
    messages: [{ role: "user", content: "Hi Mira! How has your evening been?" }],
  });
  const call = async () => {
    const response = await app.request("/v1/chat/completions", { method: "POST", headers, body });
    const text = await response.text();
    if (response.status !== 200 || !text.includes(UPSTREAM_REPLY)) {
      throw new Error(`${name}: answered ${response.status}: ${text.slice(0, 500)}`);
    }
  };
  return { name, call, jobs, database, directory };
}

async function main(): Promise<void> {
  const rounds = readPositiveInteger("BENCH_ROUNDS", 4);
  const calls = readPositiveInteger("BENCH_CALLS", 400);
  const upstream = await startServerProcess({ kind: "upstream" });
  const variants: Variant[] = [];
  try {
    const provider = () =>
      createOpenAICompatibleProvider({
        name: "upstream",
        baseURL: `${upstream.ready.url}/v1`,
        apiKey: "bench-upstream-key",
        models: [UPSTREAM_MODEL],
      });
    variants.push(
      await createVariant("as configured", provider()),
      await createVariant("one language model per model id", withCachedModels(provider())),
      await createVariant("generate() for non-streamed calls", withGenerateForStream(provider())),
      await createVariant("both", withGenerateForStream(withCachedModels(provider()))),
    );
    const cpuPerCall = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        for (let index = 0; index < calls / 4; index++) await variant.call();
        const before = process.cpuUsage();
        for (let index = 0; index < calls; index++) await variant.call();
        const used = process.cpuUsage(before);
        cpuPerCall.get(variant.name)?.push((used.user + used.system) / 1000 / calls);
      }
    }
    console.log(`| wiring | CPU ms per completion, rounds 1..${rounds} | best |`);
    console.log("|---|---|---:|");
    for (const [name, values] of cpuPerCall) {
      console.log(
        `| ${name} | ${values.map((value) => formatNumber(value, 2)).join(" / ")} | ` +
          `${formatNumber(Math.min(...values), 2)} |`,
      );
    }
  } finally {
    for (const variant of variants) {
      await variant.jobs.close();
      await variant.database.close();
      await rm(variant.directory, { recursive: true, force: true });
    }
    await upstream.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
