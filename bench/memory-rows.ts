/**
 * Memory rows for the benchmarks, written straight through the repository in large transactions: 100,000
 * memories in seconds, where one API call per memory would take minutes. Each row is built the way
 * MemoryService stores a memory (same id scheme, same indexed search text), but with the creation and
 * reinforcement times a long-lived persona would have, which storeDrafts cannot give (it stamps "now").
 */
import { newId } from "../src/lib/ids.ts";
import type { MemoryDraft, MemoryOwner } from "../src/memory/memory.ts";
import { searchTextOf } from "../src/services/memory-rows.ts";
import type { MemoryRow } from "../src/store/schema.ts";
import type { Store } from "../src/store/store.ts";

/** Rows per transaction: large enough to be fast, small enough to keep one transaction's memory modest. */
const ROWS_PER_TRANSACTION = 5_000;

/** What a benchmark memory is: its text and scores, whose it is, and when it was made and last met. */
export interface BenchMemory {
  draft: MemoryDraft;
  owner: MemoryOwner;
  /** The user a relationship memory is about. */
  userId: string | null;
  createdAt: Date;
  /** Last reinforced: at or after createdAt. */
  updatedAt: Date;
}

/** The stored row of a benchmark memory, as MemoryService would write it. */
export function toMemoryRow(options: {
  tenantId: string;
  personaId: string;
  memory: BenchMemory;
}): MemoryRow {
  const { tenantId, personaId, memory } = options;
  const { draft } = memory;
  return {
    id: newId("mem"),
    tenant_id: tenantId,
    persona_id: personaId,
    owner: memory.owner,
    user_id: memory.owner === "relationship" ? memory.userId : null,
    scope: null,
    facts: draft.facts,
    feelings: draft.feelings,
    emotion_tags: JSON.stringify(draft.emotion_tags),
    interpretation: draft.interpretation,
    type: draft.type,
    strength: draft.strength,
    event_time: draft.event_time,
    sequence: draft.sequence,
    revises: draft.revises,
    source: JSON.stringify({ kind: "import" }),
    metadata: JSON.stringify(draft.metadata ?? {}),
    search_text: searchTextOf(draft),
    created_at: memory.createdAt.toISOString(),
    updated_at: memory.updatedAt.toISOString(),
  };
}

/** Inserts rows in transactions of ROWS_PER_TRANSACTION through `MemoryRepository.insertMany`. */
export async function insertMemoryRows(store: Store, rows: readonly MemoryRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_TRANSACTION) {
    const batch = rows.slice(start, start + ROWS_PER_TRANSACTION);
    await store.transaction((transaction) => transaction.memories.insertMany(batch));
  }
}
