import { keepPreviousData, useInfiniteQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { memoryKeys } from "../lib/query-keys-personas.ts";
import type { MemoryFilterValues } from "./memory-filters.tsx";

type Memory = Schema<"Memory">;

/** Memories fetched per request (the API's maximum page) and per batch shown before "Load more". */
const PAGE_SIZE = 200;
const BATCH = 1000;

interface Batch {
  loaded: Memory[];
  next: string | null;
}

export interface MemoryList {
  memories: Memory[];
  loading: boolean;
  /** Loaded for the current filters (not an earlier set still on screen) and not loading. */
  settled: boolean;
  error: unknown;
  /** More memories match than are loaded. */
  hasMore: boolean;
  loadMore: () => void;
  /** Updates one memory in the cached list, without reading it again. */
  replace: (memory: Memory) => void;
  remove: (id: string) => void;
}

/**
 * The timeline's memories for the given filters, fetched page by page (the API orders by id) up to a
 * batch of 1,000; "Load more" appends the next batch. Ordering and grouping happen on screen.
 */
export function useMemoryList(personaId: string, filters: MemoryFilterValues): MemoryList {
  const queryClient = useQueryClient();
  const query = {
    owner: filters.owner === "all" ? undefined : filters.owner,
    type: filters.type || undefined,
    strength_min: filters.minStrength > 0 ? filters.minStrength : undefined,
  };
  const queryKey = memoryKeys.list(personaId, query);
  const batches = useInfiniteQuery({
    queryKey,
    queryFn: async ({ pageParam, signal }): Promise<Batch> => {
      const loaded: Memory[] = [];
      let next = pageParam;
      do {
        const page = await unwrap(
          client.GET("/v1/personas/{id}/memories", {
            params: {
              path: { id: personaId },
              query: { ...query, limit: PAGE_SIZE, after: next ?? undefined },
            },
            signal,
          }),
        );
        loaded.push(...page.data);
        next = page.next_cursor;
      } while (next && loaded.length < BATCH && !signal.aborted);
      return { loaded, next };
    },
    initialPageParam: null as string | null,
    getNextPageParam: (batch) => batch.next ?? undefined,
    // Other filters' memories stay on screen until these arrive (`settled` tells them apart).
    placeholderData: keepPreviousData,
  });
  const memories = useMemo(() => batches.data?.pages.flatMap((batch) => batch.loaded) ?? [], [batches.data]);
  const update = useCallback(
    (change: (memories: Memory[]) => Memory[]) =>
      queryClient.setQueryData<InfiniteData<Batch, string | null>>(
        queryKey,
        (data) =>
          data && { ...data, pages: data.pages.map((batch) => ({ ...batch, loaded: change(batch.loaded) })) },
      ),
    // `queryKey` is rebuilt each render; its parts say when it changes.
    [queryClient, personaId, query.owner, query.type, query.strength_min],
  );
  const { fetchNextPage } = batches;

  return {
    memories,
    loading: batches.isFetching,
    settled: !batches.isFetching && !batches.isPlaceholderData,
    error: batches.error ?? undefined,
    hasMore: batches.hasNextPage,
    loadMore: useCallback(() => void fetchNextPage(), [fetchNextPage]),
    replace: useCallback(
      (memory: Memory) => update((old) => old.map((item) => (item.id === memory.id ? memory : item))),
      [update],
    ),
    remove: useCallback((id: string) => update((old) => old.filter((item) => item.id !== id)), [update]),
  };
}
