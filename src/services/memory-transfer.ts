import type { Clock } from "../lib/clock.ts";
import type { Memory } from "../memory/memory.ts";
import type { MemoryRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { ValidationError, fieldErrorsFromIssues, type FieldError } from "../errors/app-error.ts";
import { SCOPE_NOT_OWNED, visibilityOf, type MemoryAccess, type MemoryActor } from "./memory-access.ts";
import { tierFull, type MemoryCapacity } from "./memory-capacity.ts";
import { memoryRowFromInput } from "./memory-rows.ts";
import { memoryInputSchema, type MemoryInput } from "./memory-schemas.ts";
import { toMemory } from "./memory-views.ts";
import type { PersonaService } from "./persona-service.ts";

/** Items written per transaction during an import: one bad batch never undoes the others. */
const IMPORT_BATCH = 1000;
/** An import report lists at most this many item errors (and counts the rest). */
const MAX_REPORTED_ERRORS = 100;
/** Memories read per page during an export. */
const EXPORT_PAGE = 1000;

export interface ImportReport {
  imported: number;
  failed: number;
  errors: { index: number; field: string; message: string }[];
}

/** A persona's memories as a whole: exported page by page, imported item by item. */
export class MemoryTransfer {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly access: MemoryAccess;
  private readonly capacity: MemoryCapacity;
  private readonly afterWrite: (tenantId: string, personaId: string) => Promise<void>;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    access: MemoryAccess;
    capacity: MemoryCapacity;
    afterWrite: (tenantId: string, personaId: string) => Promise<void>;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.access = dependencies.access;
    this.capacity = dependencies.capacity;
    this.afterWrite = dependencies.afterWrite;
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
    let room = await this.capacity.room(persona);
    let batch: { index: number; row: MemoryRow }[] = [];
    const flush = async () => {
      // Items past the tier's limit are reported, not written; what fits is kept.
      const fitting = batch.slice(0, Math.max(room, 0));
      for (const { index } of batch.slice(fitting.length)) fail(index, tierFull(persona));
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
        return memoryRowFromInput({ actor, persona, input, source: { kind: "import" }, now });
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
        this.access.checkOwner(actor, persona, parsed.data.owner);
      } catch (error) {
        fail(item.index, { field: "owner", message: (error as Error).message });
        continue;
      }
      if (!(await this.access.ownsScope(actor, parsed.data))) {
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

  /** Every memory the actor may see, in id order, page by page. */
  async *export(actor: MemoryActor, personaId: string): AsyncIterable<Memory> {
    await this.personas.get(actor.tenantId, personaId);
    let after: string | undefined;
    for (;;) {
      const rows = await this.store.memories.list(personaId, {
        ...visibilityOf(actor),
        after,
        limit: EXPORT_PAGE,
      });
      for (const row of rows) yield toMemory(row);
      if (rows.length < EXPORT_PAGE) return;
      after = rows.at(-1)?.id;
    }
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
