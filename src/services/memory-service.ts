import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { Memory, MemoryDraft, MemorySource } from "../memory/memory.ts";
import type { MemoryFilter, MemoryVisibility } from "../store/memory-repository.ts";
import type { MemoryRow, UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import {
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  fieldErrorsFromIssues,
  type FieldError,
} from "../errors/app-error.ts";
import { memoryInputSchema, type MemoryInput, type MemoryPatch } from "./memory-schemas.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { mayEditPersona, type PersonaEditor } from "./persona-editor.ts";
import type { Persona, PersonaService } from "./persona-service.ts";
import { readMemoryRow, type StoredMemory } from "../store/stored-documents/memory-documents.ts";
import { serializeStoredJson } from "../store/stored-documents/stored-json.ts";

/** How many memories a persona may hold per memory tier (timeline and relationship memory together). */
export const MEMORY_TIER_LIMITS: Record<PersonaDefinition["memory"]["tier"], number> = {
  basic: 20_000,
  extended: 100_000,
  longest: 500_000,
};

/** Why a scope was refused: the same whether the id is another user's, another tenant's or nobody's. */
const SCOPE_NOT_OWNED = "must be the id of one of your own user personas or contacts, or null";

/** Items written per transaction during an import: one bad batch never undoes the others. */
const IMPORT_BATCH = 1000;
/** An import report lists at most this many item errors (and counts the rest). */
const MAX_REPORTED_ERRORS = 100;

/** Who is asking: the tenant, and the end user when the request named one. */
export interface MemoryActor {
  tenantId: string;
  user?: UserRow | undefined;
  /**
   * Who changes the persona's timeline memory (part of the persona: see persona-editor.ts). Without one,
   * the actor may only write relationship memory about its own user.
   */
  editor?: PersonaEditor | undefined;
}

export interface ImportReport {
  imported: number;
  failed: number;
  errors: { index: number; field: string; message: string }[];
}

export function toMemory(row: StoredMemory): Memory {
  return {
    id: row.id,
    persona_id: row.persona_id,
    owner: row.owner,
    user_id: row.user_id,
    scope: row.scope,
    facts: row.facts,
    feelings: row.feelings,
    emotion_tags: row.emotion_tags,
    interpretation: row.interpretation,
    type: row.type as Memory["type"],
    strength: row.strength,
    event_time: row.event_time,
    sequence: row.sequence,
    revises: row.revises,
    source: row.source,
    metadata: row.metadata,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The text full-text search indexes for a memory. */
export function searchTextOf(
  memory: Pick<Memory, "facts" | "feelings" | "interpretation" | "emotion_tags">,
): string {
  return [memory.facts, memory.feelings, memory.interpretation, memory.emotion_tags.join(" ")]
    .filter(Boolean)
    .join("\n");
}

function visibilityOf(actor: MemoryActor): MemoryVisibility {
  return { userId: actor.user?.id ?? null };
}

/**
 * A persona's memories: its timeline (shared by all its conversations) and relationship memory about each
 * user. Relationship memory is only ever visible to the user it is about.
 */
export class MemoryService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly afterWrite: (tenantId: string, personaId: string) => Promise<void>;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    /** Called after memories of a persona were written (vector caches, background embedding). */
    afterWrite?: (tenantId: string, personaId: string) => Promise<void>;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.afterWrite = dependencies.afterWrite ?? (async () => {});
  }

  async create(
    actor: MemoryActor,
    personaId: string,
    input: MemoryInput,
    source: MemorySource = { kind: "manual" },
  ) {
    const persona = await this.writablePersona(actor, personaId, input.owner);
    await this.checkScope(actor, input);
    await this.checkCapacity(persona, 1);
    const row = this.toRow({ actor, persona, input, source, now: this.clock.now().toISOString() });
    await this.checkRevision(actor, personaId, row);
    await this.store.memories.insertMany([row]);
    await this.afterWrite(actor.tenantId, personaId);
    return toMemory(readMemoryRow(row));
  }

  async get(actor: MemoryActor, personaId: string, id: string): Promise<Memory> {
    await this.personas.get(actor.tenantId, personaId);
    return toMemory(await this.findRow(actor, personaId, id));
  }

  async list(actor: MemoryActor, personaId: string, filter: Omit<MemoryFilter, "userId" | "scope">) {
    await this.personas.get(actor.tenantId, personaId);
    if (filter.owner === "relationship" && !actor.user) {
      throw new BadRequestError("relationship memory is about a user: send X-Dramatis-User", [
        { field: "X-Dramatis-User", message: "required for owner=relationship" },
      ]);
    }
    const rows = await this.store.memories.list(personaId, {
      ...filter,
      ...visibilityOf(actor),
      limit: filter.limit + 1,
    });
    const items = rows.slice(0, filter.limit).map(toMemory);
    return { items, nextCursor: rows.length > filter.limit ? (items.at(-1)?.id ?? null) : null };
  }

  async update(actor: MemoryActor, personaId: string, id: string, patch: MemoryPatch): Promise<Memory> {
    const row = await this.findRow(actor, personaId, id);
    await this.writablePersona(actor, personaId, row.owner);
    const next = { ...toMemory(row), ...withoutUndefined(patch), updated_at: this.clock.now().toISOString() };
    const changes = {
      facts: next.facts,
      feelings: next.feelings,
      emotion_tags: JSON.stringify(next.emotion_tags),
      interpretation: next.interpretation,
      type: next.type,
      strength: next.strength,
      event_time: next.event_time,
      sequence: next.sequence,
      revises: next.revises,
      metadata: serializeStoredJson(next.metadata, "metadata"),
      search_text: searchTextOf(next),
      // The text may have changed: the old vector no longer describes it.
      embedding: null,
      embedding_model: null,
      updated_at: next.updated_at,
    };
    await this.checkRevision(actor, personaId, { ...row, ...changes });
    await this.store.memories.update(id, changes);
    await this.afterWrite(actor.tenantId, personaId);
    return next;
  }

  async delete(actor: MemoryActor, personaId: string, id: string): Promise<void> {
    const row = await this.findRow(actor, personaId, id);
    await this.writablePersona(actor, personaId, row.owner);
    await this.store.memories.delete(id);
    await this.afterWrite(actor.tenantId, personaId);
  }

  /** "Clear memory": forgets what the persona knows about this user; its own timeline stays. */
  async clearRelationship(actor: MemoryActor, personaId: string): Promise<{ deleted: number }> {
    await this.personas.get(actor.tenantId, personaId);
    const user = this.requireUser(actor);
    return { deleted: await this.store.memories.deleteRelationship(personaId, user.id) };
  }

  /** Memory held against the persona's tier limit, for a usage bar. */
  async usage(actor: MemoryActor, personaId: string) {
    const persona = await this.personas.get(actor.tenantId, personaId);
    const timeline = await this.store.memories.measure(personaId, { userId: null });
    const all = actor.user ? await this.store.memories.measure(personaId, visibilityOf(actor)) : timeline;
    const limit = MEMORY_TIER_LIMITS[persona.memory.tier];
    const total = await this.countAll(personaId);
    return {
      tier: persona.memory.tier,
      limit,
      used: total,
      percent: Math.round((total / limit) * 1000) / 10,
      timeline: timeline.count,
      relationship: all.count - timeline.count,
      characters: all.characters,
    };
  }

  /**
   * Imports memories in batches (one transaction each), validating every item; invalid items are reported
   * by index and field, valid ones are kept. Items arrive one by one, so a large body is never held whole.
   */
  async import(
    actor: MemoryActor,
    personaId: string,
    items: AsyncIterable<{ index: number; value?: unknown; error?: string }>,
  ): Promise<ImportReport> {
    const persona = await this.personas.get(actor.tenantId, personaId);
    const report: ImportReport = { imported: 0, failed: 0, errors: [] };
    const fail = (index: number, error: FieldError) => {
      report.failed += 1;
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ index, ...error });
    };
    const limit = MEMORY_TIER_LIMITS[persona.memory.tier];
    let room = limit - (await this.countAll(persona.id));
    let batch: { index: number; row: MemoryRow }[] = [];
    const flush = async () => {
      // Items past the tier's limit are reported, not written; what fits is kept.
      const fitting = batch.slice(0, Math.max(room, 0));
      for (const { index } of batch.slice(fitting.length)) {
        fail(index, {
          field: "memory.tier",
          message: `the ${persona.memory.tier} tier holds at most ${limit} memories`,
        });
      }
      batch = [];
      if (fitting.length === 0) return;
      await this.store.transaction((store) => store.memories.insertMany(fitting.map((item) => item.row)));
      report.imported += fitting.length;
      room -= fitting.length;
    };
    const now = this.clock.now().toISOString();
    // Exported memories keep their old ids; a revision in the same file is relinked to the new id.
    const importedIds = new Map<string, string>();
    const newIds = new Set<string>();
    const awaitingRevised: { index: number; input: MemoryInput; exportedId?: string | undefined }[] = [];
    // A value beyond the JSON policy (e.g. over-deep metadata) fails its item, not the whole import.
    const rowOrFailure = (index: number, { input }: { input: MemoryInput }): MemoryRow | undefined => {
      try {
        return this.toRow({ actor, persona, input, source: { kind: "import" }, now });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        fail(index, error.errors[0] ?? { field: "(item)", message: error.message });
        return undefined;
      }
    };
    for await (const item of items) {
      if (item.error !== undefined) {
        fail(item.index, { field: "(item)", message: item.error });
        continue;
      }
      const { input, exportedId } = fromExported(item.value, importedIds);
      const parsed = memoryInputSchema.safeParse(input);
      if (!parsed.success) {
        for (const error of fieldErrorsFromIssues(parsed.error.issues).slice(0, 1)) fail(item.index, error);
        continue;
      }
      try {
        this.checkOwner(actor, persona, parsed.data.owner);
      } catch (error) {
        fail(item.index, { field: "owner", message: (error as Error).message });
        continue;
      }
      if (!(await this.ownsScope(actor, parsed.data))) {
        fail(item.index, { field: "scope", message: SCOPE_NOT_OWNED });
        continue;
      }
      if (parsed.data.revises && !newIds.has(parsed.data.revises)) {
        const target = await this.store.memories.find(personaId, parsed.data.revises, visibilityOf(actor));
        if (!target) {
          // It may revise a memory that comes later in the file: settle it once everything is read.
          awaitingRevised.push({ index: item.index, input: parsed.data, exportedId });
          continue;
        }
      }
      const row = rowOrFailure(item.index, { input: parsed.data });
      if (!row) continue;
      if (exportedId) importedIds.set(exportedId, row.id);
      newIds.add(row.id);
      batch.push({ index: item.index, row });
      if (batch.length >= IMPORT_BATCH) await flush();
    }
    for (const pending of awaitingRevised) {
      const revises = importedIds.get(pending.input.revises as string);
      if (!revises) {
        fail(pending.index, {
          field: "revises",
          message: `no memory ${pending.input.revises} in this persona or this import`,
        });
        continue;
      }
      const row = rowOrFailure(pending.index, { input: { ...pending.input, revises } });
      if (!row) continue;
      if (pending.exportedId) importedIds.set(pending.exportedId, row.id);
      batch.push({ index: pending.index, row });
    }
    await flush();
    if (report.imported > 0) await this.afterWrite(actor.tenantId, personaId);
    return report;
  }

  /**
   * Stores memories the system wrote itself (extraction, generation), already validated by their makers.
   * `revises` values must already be ids. Returns them as stored.
   */
  async storeDrafts(options: {
    tenantId: string;
    personaId: string;
    owner: Memory["owner"];
    userId: string | null;
    scope: string | null;
    source: MemorySource;
    /** A draft may bring its own id, so drafts can refer to each other (`revises`) before they are stored. */
    drafts: readonly (MemoryDraft & { id?: string })[];
    store?: Store;
  }): Promise<Memory[]> {
    const now = this.clock.now().toISOString();
    const rows: MemoryRow[] = options.drafts.map((draft) => ({
      id: draft.id ?? newId("mem"),
      tenant_id: options.tenantId,
      persona_id: options.personaId,
      owner: options.owner,
      user_id: options.userId,
      scope: options.scope,
      facts: draft.facts,
      feelings: draft.feelings,
      emotion_tags: JSON.stringify(draft.emotion_tags),
      interpretation: draft.interpretation,
      type: draft.type,
      strength: draft.strength,
      event_time: draft.event_time,
      sequence: draft.sequence,
      revises: draft.revises,
      source: JSON.stringify(options.source),
      metadata: serializeStoredJson(draft.metadata ?? {}, "metadata"),
      search_text: searchTextOf(draft),
      created_at: now,
      updated_at: now,
    }));
    await (options.store ?? this.store).memories.insertMany(rows);
    // Inside a caller's transaction the caller reports the write once it commits (see `written`).
    if (!options.store) await this.afterWrite(options.tenantId, options.personaId);
    return rows.map((row) => toMemory(readMemoryRow(row)));
  }

  /** Reports memories written in a caller's transaction, once it has committed. */
  async written(tenantId: string, personaId: string): Promise<void> {
    await this.afterWrite(tenantId, personaId);
  }

  /** Strengthens a memory that was met again; its recency restarts. */
  async reinforce(id: string, strength: number, store: Store = this.store): Promise<void> {
    await store.memories.update(id, { strength, updated_at: this.clock.now().toISOString() });
  }

  /** Every memory the actor may see, in id order, page by page. */
  async *export(actor: MemoryActor, personaId: string): AsyncIterable<Memory> {
    await this.personas.get(actor.tenantId, personaId);
    let after: string | undefined;
    for (;;) {
      const rows = await this.store.memories.list(personaId, { ...visibilityOf(actor), after, limit: 1000 });
      for (const row of rows) yield toMemory(row);
      if (rows.length < 1000) return;
      after = rows.at(-1)?.id;
    }
  }

  private toRow(options: {
    actor: MemoryActor;
    persona: Persona;
    input: MemoryInput;
    source: MemorySource;
    now: string;
  }): MemoryRow {
    const { actor, persona, input, source, now } = options;
    const relationship = input.owner === "relationship";
    return {
      id: newId("mem"),
      tenant_id: actor.tenantId,
      persona_id: persona.id,
      owner: input.owner,
      user_id: relationship ? (actor.user?.id ?? null) : null,
      scope: relationship ? input.scope : null,
      facts: input.facts,
      feelings: input.feelings,
      emotion_tags: JSON.stringify(input.emotion_tags),
      interpretation: input.interpretation,
      type: input.type,
      strength: input.strength,
      event_time: input.event_time === null ? null : new Date(input.event_time).toISOString(),
      sequence: input.sequence,
      revises: input.revises,
      source: JSON.stringify(source),
      metadata: serializeStoredJson(input.metadata, "metadata"),
      search_text: searchTextOf(input),
      created_at: now,
      updated_at: now,
    };
  }

  /** A revised memory names what it corrects, which must be a memory the actor can see. */
  private async checkRevision(
    actor: MemoryActor,
    personaId: string,
    row: Pick<MemoryRow, "type" | "revises" | "id">,
  ) {
    if (row.type === "revised" && !row.revises) {
      throw new ValidationError([
        { field: "revises", message: "a revised memory must name the memory it revises" },
      ]);
    }
    if (row.revises === null) return;
    if (row.type !== "revised") {
      throw new ValidationError([{ field: "type", message: "must be revised when revises is set" }]);
    }
    if (
      row.revises === row.id ||
      !(await this.store.memories.find(personaId, row.revises, visibilityOf(actor)))
    ) {
      throw new ValidationError([
        { field: "revises", message: `no memory ${row.revises} of this persona to revise` },
      ]);
    }
  }

  private async checkCapacity(persona: Persona, adding: number): Promise<void> {
    const limit = MEMORY_TIER_LIMITS[persona.memory.tier];
    if ((await this.countAll(persona.id)) + adding > limit) {
      throw new ValidationError(
        [
          {
            field: "memory.tier",
            message: `the ${persona.memory.tier} tier holds at most ${limit} memories`,
          },
        ],
        `persona ${persona.id} is at its memory limit (${limit} for the ${persona.memory.tier} tier); raise the tier or delete memories`,
      );
    }
  }

  private async countAll(personaId: string): Promise<number> {
    return this.store.memories.countAll(personaId);
  }

  private async writablePersona(
    actor: MemoryActor,
    personaId: string,
    owner: Memory["owner"],
  ): Promise<Persona> {
    const persona = await this.personas.get(actor.tenantId, personaId);
    this.checkOwner(actor, persona, owner);
    return persona;
  }

  /** Timeline memory of a preset is read-only; relationship memory needs the user it is about. */
  private checkOwner(actor: MemoryActor, persona: Persona, owner: Memory["owner"]): void {
    if (owner === "relationship") {
      this.requireUser(actor);
      return;
    }
    if (persona.kind === "preset") {
      throw new ForbiddenError(`persona ${persona.id} is a preset: its timeline is read-only`);
    }
    if (!actor.editor || !mayEditPersona(actor.editor, persona.created_by_user_id)) {
      throw new ForbiddenError(
        `persona ${persona.id} was created by another member: its timeline memory is theirs to change ` +
          `(or an admin's, or a member's an admin granted can_edit_all)`,
      );
    }
  }

  /**
   * A relationship memory's scope narrows it to one of its user's user personas or contacts: it must name
   * one of the acting user's own. Another user's or tenant's id is refused with the same words as an id
   * that exists nowhere, so the answer reveals nothing about it.
   */
  private async checkScope(actor: MemoryActor, input: Pick<MemoryInput, "owner" | "scope">): Promise<void> {
    if (!(await this.ownsScope(actor, input))) {
      throw new ValidationError([{ field: "scope", message: SCOPE_NOT_OWNED }]);
    }
  }

  private async ownsScope(actor: MemoryActor, input: Pick<MemoryInput, "owner" | "scope">): Promise<boolean> {
    // Timeline memory is stored without a scope (toRow drops it), so there is nothing to check.
    if (input.owner !== "relationship" || input.scope === null) return true;
    const user = actor.user;
    if (!user) return false;
    if (await this.store.userPersonas.find(user.id, input.scope)) return true;
    const [sms, whatsapp] = await Promise.all([
      this.store.sms.listContactsOfUser(actor.tenantId, user.id),
      this.store.whatsapp.listContactsOfUser(actor.tenantId, user.id),
    ]);
    // A number still waiting for its code is not yet the user's.
    return [...sms, ...whatsapp].some((contact) => contact.user_id === user.id && contact.id === input.scope);
  }

  private requireUser(actor: MemoryActor): UserRow {
    if (!actor.user) {
      throw new BadRequestError("relationship memory is about a user: send X-Dramatis-User", [
        { field: "X-Dramatis-User", message: "required" },
      ]);
    }
    return actor.user;
  }

  private async findRow(actor: MemoryActor, personaId: string, id: string): Promise<StoredMemory> {
    const row = await this.store.memories.find(personaId, id, visibilityOf(actor));
    if (!row) throw new NotFoundError(`memory ${id}`);
    return row;
  }
}

/** Fields an export carries that an import decides anew (ids, owner's user, provenance, times). */
const STORED_ONLY_FIELDS = ["id", "persona_id", "user_id", "source", "created_at", "updated_at"] as const;

/**
 * Accepts an exported memory as import input: drops the stored-only fields and points `revises` at the
 * new id of a memory imported earlier in the same file.
 */
function fromExported(
  value: unknown,
  importedIds: ReadonlyMap<string, string>,
): { input: unknown; exportedId?: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("id" in value))
    return { input: value };
  const record = { ...(value as Record<string, unknown>) };
  const exportedId = typeof record.id === "string" ? record.id : undefined;
  for (const field of STORED_ONLY_FIELDS) delete record[field];
  if (typeof record.revises === "string") record.revises = importedIds.get(record.revises) ?? record.revises;
  return { input: record, ...(exportedId ? { exportedId } : {}) };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
