/**
 * Chat turn time without the model: `ConversationService.send` in process, on SQLite, with a model that
 * answers at once (instant-model.ts), over conversations of very different lengths. What is left of a turn
 * is Dramatis' own work: finding the conversation, persona and user persona, storing the user's message,
 * reading history newest-first until the memory tier's budget is spent, assembling the prompt, and storing
 * the reply with its prompt record and usage event in one transaction.
 */
import { randomBytes } from "node:crypto";
import { SecretBox } from "../src/lib/secret-box.ts";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DatabaseJobQueue } from "../src/jobs/database-job-queue.ts";
import { systemClock } from "../src/lib/clock.ts";
import { ModelRegistry } from "../src/models/model-registry.ts";
import type { PersonaDefinition } from "../src/domain/persona-definition.ts";
import { tenantEditor } from "../src/services/persona-editor.ts";
import { createServices, type Services } from "../src/composition/create-services.ts";
import { DEFAULT_TENANT_ID } from "../src/services/tenant-service.ts";
import { openDatabase } from "../src/store/database.ts";
import type { UserRow } from "../src/store/schema.ts";
import { Store } from "../src/store/store.ts";
import {
  createMessagePool,
  createRandom,
  fillConversation,
  type FixtureMessage,
} from "./conversation-fixtures.ts";
import { INSTANT_MODEL_ID, INSTANT_REPLY, createInstantProvider } from "./instant-model.ts";
import { summarizeLatencies, type LatencySummary } from "./latency-stats.ts";
import { startCpuAccounting } from "./report.ts";

export type MemoryTier = PersonaDefinition["memory"]["tier"];

/** One measured combination of memory tier and conversation length. */
export interface TurnCase {
  tier: MemoryTier;
  /** Messages in the conversation before the first measured turn. */
  length: number;
}

export interface TurnSettings {
  cases: TurnCase[];
  /** Measured turns per case. */
  turns: number;
  /** Turns per case run first and discarded (JIT, statement cache, page cache). */
  warmupTurns: number;
  /**
   * Messages to build per case at most, spread over several conversations of the same length, so that the
   * turns themselves lengthen no conversation by more than a few percent (a 10-message case gets one
   * conversation per turn).
   */
  messagesPerCase: number;
}

export interface TurnCaseResult extends TurnCase {
  conversations: number;
  turns: number;
  /** `timings.total_ms − timings.model_ms` as `send` reports them: history, assembly, reply persistence. */
  replyPath: LatencySummary;
  /** Wall time of the whole `send` call minus `model_ms`: also the lookups and the user message's insert. */
  wholeTurn: LatencySummary;
  modelMs: LatencySummary;
  turnsPerSecond: number;
  /** History messages in the last measured turn's prompt, and that prompt's total tokens. */
  historyInPrompt: number;
  promptTokens: number;
  /** Size of that turn's stored prompt record (sections and messages as JSON), in bytes. */
  promptRecordBytes: number;
  /** Cores other work on the machine used while the turns ran (this process is the whole benchmark). */
  otherCores: number;
}

interface Fixture {
  services: Services;
  user: UserRow;
  userPersonaId: string;
  personaIds: Record<MemoryTier, string>;
  pool: FixtureMessage[];
  random: () => number;
}

/** Builds the data, runs every case in order and returns one result per case. */
export async function runTurnTimeBenchmark(settings: TurnSettings): Promise<TurnCaseResult[]> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "dramatis-turn-bench-"));
  const database = await openDatabase({
    database: { kind: "sqlite", file: path.join(directory, "dramatis.sqlite") },
  });
  const jobs = new DatabaseJobQueue({ db: database.db, clock: systemClock });
  try {
    const fixture = await createFixture(database.db, jobs);
    const plans = [];
    for (const turnCase of settings.cases) {
      const started = performance.now();
      const conversationIds = await buildConversations(fixture, turnCase, settings);
      console.error(
        `built ${conversationIds.length} × ${turnCase.length} messages (${turnCase.tier}) in ` +
          `${Math.round(performance.now() - started)} ms`,
      );
      plans.push({ turnCase, conversationIds });
    }
    const results: TurnCaseResult[] = [];
    for (const { turnCase, conversationIds } of plans) {
      console.error(`measuring turns: ${turnCase.tier}, ${turnCase.length} messages ...`);
      results.push(await measureCase({ fixture, turnCase, conversationIds, settings }));
    }
    return results;
  } finally {
    await jobs.close();
    await database.close();
    await rm(directory, { recursive: true, force: true });
  }
}

async function createFixture(db: Store["db"], jobs: DatabaseJobQueue): Promise<Fixture> {
  const services = createServices(new Store(db), systemClock, {
    models: new ModelRegistry([createInstantProvider()], INSTANT_MODEL_ID),
    // Turns here never enqueue jobs; the queue exists because the services need one. No worker runs.
    jobs,
    secrets: new SecretBox(randomBytes(32)),
  });
  await services.personas.installPresets();
  await services.tenants.ensureDefaultTenant(undefined);
  const user = await services.users.resolve(DEFAULT_TENANT_ID, "bench-user");
  const userPersona = await services.userPersonas.create(user, {
    name: "Elena",
    description: "A ship's navigator on shore leave, curious and a little restless.",
    avatar_url: null,
  });
  const personaIds = {} as Record<MemoryTier, string>;
  for (const tier of ["basic", "extended", "longest"] as const) {
    personaIds[tier] = await createPublishedPersona(services, user, tier);
  }
  const random = createRandom(20261122);
  return {
    services,
    user,
    userPersonaId: userPersona.id,
    personaIds,
    pool: createMessagePool({ size: 1000, random }),
    random,
  };
}

/** A persona with a realistic definition, published, so turns read its production version. */
async function createPublishedPersona(services: Services, user: UserRow, tier: MemoryTier): Promise<string> {
  const persona = await services.personas.create(
    { tenantId: user.tenant_id, userId: user.id },
    {
      name: "Mira",
      identity: {
        age: 34,
        occupation: "lighthouse keeper",
        location: "a windy island off the coast of Maine",
        summary: "Mira keeps the light, reads everything she can find and loves a long conversation.",
      },
      personality: "Warm, dry-humoured, patient; asks follow-up questions and remembers small details.",
      scenario: "Evening messages between old friends who talk most days.",
      communication_examples: [
        "User: Long day.\nMira: The long ones earn a cup of tea. Tell me the worst part first.",
        "User: Guess what I saw!\nMira: A seal wearing a hat? No? Then tell me, I'm all ears.",
      ],
      memory: { tier, scope: "account" },
    },
  );
  await services.personas.publish(tenantEditor(user.tenant_id), persona.id);
  return persona.id;
}

async function buildConversations(
  fixture: Fixture,
  turnCase: TurnCase,
  settings: TurnSettings,
): Promise<string[]> {
  const count = Math.min(
    Math.max(1, Math.ceil(settings.messagesPerCase / turnCase.length)),
    settings.turns + settings.warmupTurns,
  );
  const startedAt = new Date(Date.now() - (turnCase.length + 1) * 60_000);
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const { conversation } = await fixture.services.conversations.create(fixture.user, {
      persona_id: fixture.personaIds[turnCase.tier],
    });
    await fillConversation({
      store: fixture.services.store,
      conversationId: conversation.id,
      length: turnCase.length,
      pool: fixture.pool,
      random: fixture.random,
      startedAt,
    });
    ids.push(conversation.id);
  }
  return ids;
}

async function measureCase(options: {
  fixture: Fixture;
  turnCase: TurnCase;
  conversationIds: string[];
  settings: TurnSettings;
}): Promise<TurnCaseResult> {
  const { fixture, turnCase, conversationIds, settings } = options;
  const { services, user, userPersonaId, pool, random } = fixture;
  const replyPath: number[] = [];
  const wholeTurn: number[] = [];
  const modelMs: number[] = [];
  let measuredMs = 0;
  let last: { conversationId: string; messageId: string } | undefined;
  const stopAccounting = startCpuAccounting([]);
  for (let turn = 0; turn < settings.warmupTurns + settings.turns; turn++) {
    const conversationId = conversationIds[turn % conversationIds.length] as string;
    const content = (pool[Math.floor(random() * pool.length)] as FixtureMessage).content;
    const started = performance.now();
    const exchange = await services.conversations.send(user, conversationId, { content, userPersonaId });
    const elapsed = performance.now() - started;
    if (exchange.message.content !== INSTANT_REPLY || exchange.message.status !== "complete") {
      throw new Error(`turn ${turn} did not store the instant reply: ${JSON.stringify(exchange.message)}`);
    }
    if (turn < settings.warmupTurns) continue;
    const { total_ms: totalMs, model_ms: turnModelMs } = exchange.timings;
    replyPath.push(totalMs - turnModelMs);
    wholeTurn.push(elapsed - turnModelMs);
    modelMs.push(turnModelMs);
    measuredMs += elapsed;
    last = { conversationId, messageId: exchange.message.id };
  }
  const { otherCores } = stopAccounting();
  if (!last) throw new Error("no turn was measured");
  const prompt = await services.conversations.getPrompt(user, last.conversationId, last.messageId);
  return {
    ...turnCase,
    conversations: conversationIds.length,
    turns: settings.turns,
    replyPath: summarizeLatencies(replyPath),
    wholeTurn: summarizeLatencies(wholeTurn),
    modelMs: summarizeLatencies(modelMs),
    turnsPerSecond: (settings.turns * 1000) / measuredMs,
    historyInPrompt: prompt.messages.filter((message) => message.role !== "system").length,
    promptTokens: prompt.total_tokens,
    promptRecordBytes: Buffer.byteLength(JSON.stringify(prompt.sections) + JSON.stringify(prompt.messages)),
    otherCores,
  };
}
