import type { Clock } from "../lib/clock.ts";
import type { Memory, MemoryDraft, MemorySource } from "../memory/memory.ts";
import type { MemoryFilter } from "../store/memory-repository.ts";
import { readMemoryRow } from "../store/stored-documents/memory-documents.ts";
import type { Store } from "../store/store.ts";
import { BadRequestError } from "../errors/app-error.ts";
import { MemoryAccess, visibilityOf, type MemoryActor } from "./memory-access.ts";
import { MemoryCapacity } from "./memory-capacity.ts";
import { memoryRowChanges, memoryRowFromDraft, memoryRowFromInput } from "./memory-rows.ts";
import type { MemoryInput, MemoryPatch } from "./memory-schemas.ts";
import { MemoryTransfer, type ImportReport } from "./memory-transfer.ts";
import { toMemory } from "./memory-views.ts";
import type { PersonaService } from "./persona-service.ts";

/**
 * A persona's memories: its timeline (shared by all its conversations) and relationship memory about each
 * user. Relationship memory is only ever visible to the user it is about. Routes call this class; it hands
 * the work to collaborators it builds from its own dependencies: MemoryAccess (who may read and write
 * what), MemoryCapacity (the tier's limit and usage) and MemoryTransfer (export and import). Rows are
 * made in memory-rows.ts and shown through memory-views.ts.
 */
export class MemoryService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly afterWrite: (tenantId: string, personaId: string) => Promise<void>;
  private readonly access: MemoryAccess;
  private readonly capacity: MemoryCapacity;
  private readonly transfer: MemoryTransfer;

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
    this.access = new MemoryAccess({ store: dependencies.store, personas: dependencies.personas });
    this.capacity = new MemoryCapacity(dependencies.store);
    this.transfer = new MemoryTransfer({
      store: dependencies.store,
      clock: dependencies.clock,
      personas: dependencies.personas,
      access: this.access,
      capacity: this.capacity,
      afterWrite: this.afterWrite,
    });
  }

  async create(
    actor: MemoryActor,
    personaId: string,
    input: MemoryInput,
    source: MemorySource = { kind: "manual" },
  ) {
    const persona = await this.access.writablePersona(actor, personaId, input.owner);
    await this.access.checkScope(actor, input);
    await this.capacity.check(persona, 1);
    const row = memoryRowFromInput({ actor, persona, input, source, now: this.clock.now().toISOString() });
    await this.access.checkRevision(actor, personaId, row);
    await this.store.memories.insertMany([row]);
    await this.afterWrite(actor.tenantId, personaId);
    return toMemory(readMemoryRow(row));
  }

  async get(actor: MemoryActor, personaId: string, id: string): Promise<Memory> {
    await this.personas.get(actor.tenantId, personaId);
    return toMemory(await this.access.findRow(actor, personaId, id));
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
    const row = await this.access.findRow(actor, personaId, id);
    await this.access.writablePersona(actor, personaId, row.owner);
    const next = { ...toMemory(row), ...withoutUndefined(patch), updated_at: this.clock.now().toISOString() };
    const changes = memoryRowChanges(next);
    await this.access.checkRevision(actor, personaId, { ...row, ...changes });
    await this.store.memories.update(id, changes);
    await this.afterWrite(actor.tenantId, personaId);
    return next;
  }

  async delete(actor: MemoryActor, personaId: string, id: string): Promise<void> {
    const row = await this.access.findRow(actor, personaId, id);
    await this.access.writablePersona(actor, personaId, row.owner);
    await this.store.memories.delete(id);
    await this.afterWrite(actor.tenantId, personaId);
  }

  /** "Clear memory": forgets what the persona knows about this user; its own timeline stays. */
  async clearRelationship(actor: MemoryActor, personaId: string): Promise<{ deleted: number }> {
    await this.personas.get(actor.tenantId, personaId);
    const user = this.access.requireUser(actor);
    return { deleted: await this.store.memories.deleteRelationship(personaId, user.id) };
  }

  /** Memory held against the persona's tier limit, for a usage bar. */
  async usage(actor: MemoryActor, personaId: string) {
    const persona = await this.personas.get(actor.tenantId, personaId);
    return this.capacity.usage(actor, persona);
  }

  /** See MemoryTransfer.import: every item validated, the valid ones kept, the others reported. */
  async import(
    actor: MemoryActor,
    personaId: string,
    items: AsyncIterable<{ index: number; value?: unknown; error?: string }>,
  ): Promise<ImportReport> {
    return this.transfer.import(actor, personaId, items);
  }

  /** Every memory the actor may see, in id order, page by page. */
  export(actor: MemoryActor, personaId: string): AsyncIterable<Memory> {
    return this.transfer.export(actor, personaId);
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
    const rows = options.drafts.map((draft) =>
      memoryRowFromDraft({
        draft,
        tenantId: options.tenantId,
        personaId: options.personaId,
        owner: options.owner,
        userId: options.userId,
        scope: options.scope,
        source: options.source,
        now,
      }),
    );
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
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
