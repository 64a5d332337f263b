import { useCallback, useEffect, useState } from "react";
import { api, query, type Schema } from "../lib/api.ts";
import type { MemoryFilterValues } from "./memory-filters.tsx";

type Memory = Schema<"Memory">;
type MemoryPage = Schema<"MemoryPage">;

/** Memories fetched per request (the API's maximum page) and per batch shown before "Load more". */
const PAGE_SIZE = 200;
const BATCH = 1000;

export interface MemoryList {
  memories: Memory[];
  loading: boolean;
  /** Loaded for the current filters (not an earlier set still on screen) and not loading. */
  settled: boolean;
  error: unknown;
  /** More memories match than are loaded. */
  hasMore: boolean;
  loadMore: () => void;
  /** Loads the same filters again from the start (after a change elsewhere). */
  reload: () => void;
  /** Updates one memory in place, without a reload. */
  replace: (memory: Memory) => void;
  remove: (id: string) => void;
}

/**
 * The timeline's memories for the given filters, fetched page by page (the API orders by id) up to a
 * batch of 1,000; "Load more" appends the next batch. Ordering and grouping happen on screen.
 */
export function useMemoryList(personaId: string, filters: MemoryFilterValues): MemoryList {
  const [memories, setMemories] = useState<Memory[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const [generation, setGeneration] = useState(0);
  const key = `${personaId}|${filters.owner}|${filters.type}|${filters.minStrength}|${generation}`;
  const [loadedKey, setLoadedKey] = useState<string | undefined>(undefined);

  const fetchBatch = useCallback(
    async (after: string | null, signal: AbortSignal) => {
      const loaded: Memory[] = [];
      let next = after;
      do {
        const page = await api<MemoryPage>(
          "GET",
          `/v1/personas/${encodeURIComponent(personaId)}/memories${query({
            limit: PAGE_SIZE,
            after: next,
            owner: filters.owner === "all" ? undefined : filters.owner,
            type: filters.type || undefined,
            strength_min: filters.minStrength > 0 ? filters.minStrength : undefined,
          })}`,
          { signal },
        );
        loaded.push(...page.data);
        next = page.next_cursor;
      } while (next && loaded.length < BATCH && !signal.aborted);
      return { loaded, next };
    },
    [personaId, filters.owner, filters.type, filters.minStrength],
  );

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    fetchBatch(null, controller.signal).then(
      ({ loaded, next }) => {
        if (controller.signal.aborted) return;
        setMemories(loaded);
        setCursor(next);
        setError(undefined);
        setLoading(false);
        setLoadedKey(key);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        setLoading(false);
        setLoadedKey(key);
      },
    );
    return () => controller.abort();
    // `key` changes with the filters (as `fetchBatch` does) and with every reload.
  }, [fetchBatch, key]);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    const controller = new AbortController();
    setLoading(true);
    fetchBatch(cursor, controller.signal).then(
      ({ loaded, next }) => {
        setMemories((old) => [...old, ...loaded]);
        setCursor(next);
        setLoading(false);
      },
      (failure: unknown) => {
        setError(failure);
        setLoading(false);
      },
    );
  }, [cursor, fetchBatch]);

  return {
    memories,
    loading,
    settled: !loading && loadedKey === key,
    error,
    hasMore: cursor !== null,
    loadMore,
    reload: useCallback(() => setGeneration((value) => value + 1), []),
    replace: useCallback(
      (memory: Memory) => setMemories((old) => old.map((item) => (item.id === memory.id ? memory : item))),
      [],
    ),
    remove: useCallback((id: string) => setMemories((old) => old.filter((item) => item.id !== id)), []),
  };
}
