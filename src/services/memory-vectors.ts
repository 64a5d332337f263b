import { cosineSimilarity } from "../memory/retrieval-scoring.ts";
import type { MemoryVisibility } from "../store/memory-repository.ts";
import type { Store } from "../store/store.ts";

interface VectorEntry {
  id: string;
  owner: "timeline" | "relationship";
  userId: string | null;
  scope: string | null;
  createdAt: string;
  vector: Float32Array;
}

/** How long a persona's vectors are reused before being read again (writes in this process clear it at once). */
const CACHE_MILLISECONDS = 30_000;
/** Personas whose vectors stay in memory at once. */
const CACHED_PERSONAS = 64;

function toVector(bytes: Uint8Array): Float32Array {
  // Copied so the vector is 4-byte aligned whatever buffer the driver returned.
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

/**
 * A persona's memory embeddings, scanned in process: per-persona sets are small, and a flat scan needs
 * no vector extension in either database. Loaded once and cached briefly; this process's writes clear the
 * cache, other processes' writes show within half a minute.
 */
export class MemoryVectors {
  private readonly cache = new Map<string, { loadedAt: number; model: string; entries: VectorEntry[] }>();

  constructor(private readonly store: Store) {}

  invalidate(personaId: string): void {
    this.cache.delete(personaId);
  }

  /** The visible memories closest to the query vector, best first, with their cosine similarity. */
  async nearest(options: {
    personaId: string;
    model: string;
    query: Float32Array;
    visibility: MemoryVisibility;
    asOf?: string | undefined;
    limit: number;
  }): Promise<{ id: string; similarity: number }[]> {
    const entries = await this.entries(options.personaId, options.model);
    const scored: { id: string; similarity: number }[] = [];
    for (const entry of entries) {
      if (!visible(entry, options.visibility) || (options.asOf && entry.createdAt > options.asOf)) continue;
      scored.push({ id: entry.id, similarity: cosineSimilarity(options.query, entry.vector) });
    }
    return scored.sort((left, right) => right.similarity - left.similarity).slice(0, options.limit);
  }

  /** Similarity of named memories to the query (for text candidates that were not among the nearest). */
  async similarities(options: { personaId: string; model: string; query: Float32Array; ids: string[] }) {
    const wanted = new Set(options.ids);
    const result = new Map<string, number>();
    for (const entry of await this.entries(options.personaId, options.model)) {
      if (wanted.has(entry.id)) result.set(entry.id, cosineSimilarity(options.query, entry.vector));
    }
    return result;
  }

  private async entries(personaId: string, model: string): Promise<VectorEntry[]> {
    const cached = this.cache.get(personaId);
    if (cached && cached.model === model && Date.now() - cached.loadedAt < CACHE_MILLISECONDS)
      return cached.entries;
    const rows = await this.store.memories.listEmbeddings(personaId, model);
    const entries = rows.flatMap((row) =>
      row.embedding
        ? [
            {
              id: row.id,
              owner: row.owner,
              userId: row.user_id,
              scope: row.scope,
              createdAt: row.created_at,
              vector: toVector(row.embedding),
            },
          ]
        : [],
    );
    if (this.cache.size >= CACHED_PERSONAS) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(personaId, { loadedAt: Date.now(), model, entries });
    return entries;
  }
}

function visible(entry: VectorEntry, visibility: MemoryVisibility): boolean {
  if (entry.owner === "timeline") return true;
  if (visibility.userId === null || entry.userId !== visibility.userId) return false;
  return visibility.scope === undefined || entry.scope === visibility.scope;
}
