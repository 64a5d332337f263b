import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { memoryKeys, personaKeys } from "../lib/query-keys-personas.ts";
import { Link } from "../lib/router.tsx";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { PersonaAvatar } from "../components/persona-avatar.tsx";
import { MemoryCard } from "../components/memory-card.tsx";
import { MemoryClear } from "../components/memory-clear.tsx";
import { MemoryConsistency } from "../components/memory-consistency.tsx";
import { MemoryEditor } from "../components/memory-editor.tsx";
import { DEFAULT_FILTERS, MemoryFilters, isFiltered } from "../components/memory-filters.tsx";
import { useMemoryList } from "../components/memory-list-loader.tsx";
import { MemorySearch } from "../components/memory-search.tsx";
import { MemoryTimeline } from "../components/memory-timeline.tsx";
import { MemoryUsagePanel } from "../components/memory-usage.tsx";
import "./memory-page.css";

type Memory = Schema<"Memory">;
type MemorySearchResult = Schema<"MemorySearchResult">;

const HIGHLIGHT_MS = 6000;

/** What a persona remembers: its own timeline and what it has learned about the signed-in user. */
export function MemoryPage({ personaId }: { personaId: string }) {
  const path = { path: { id: personaId } };
  const persona = useQuery({
    queryKey: personaKeys.detail(personaId),
    queryFn: ({ signal }) => unwrap(client.GET("/v1/personas/{id}", { params: path, signal })),
  });
  const usage = useQuery({
    queryKey: memoryKeys.usage(personaId),
    queryFn: ({ signal }) => unwrap(client.GET("/v1/personas/{id}/memories/usage", { params: path, signal })),
  });
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState(DEFAULT_FILTERS);
  const list = useMemoryList(personaId, filters);
  const [search, setSearch] = useState<{ query: string; results: MemorySearchResult[] } | undefined>();
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<string | undefined>();
  const [pendingFocus, setPendingFocus] = useState<string | undefined>();
  const [highlighted, setHighlighted] = useState<string | undefined>();
  const [missing, setMissing] = useState<string | undefined>();

  const name = persona.data?.name ?? "This persona";
  const timelineWritable = persona.data?.kind !== "preset";
  const memoriesById = useMemo(() => {
    const byId = new Map(list.memories.map((memory) => [memory.id, memory]));
    for (const result of search?.results ?? []) byId.set(result.memory.id, result.memory);
    return byId;
  }, [list.memories, search]);

  /** One memory changed in place (the list on screen is updated): other filters' lists go stale. */
  const refreshUsage = () => {
    void queryClient.invalidateQueries({ queryKey: memoryKeys.all(personaId), refetchType: "none" });
    void queryClient.invalidateQueries({ queryKey: memoryKeys.usage(personaId) });
  };
  /** Memories were added or removed in bulk: the lists and the usage are read again. */
  const memoriesChanged = () => void queryClient.invalidateQueries({ queryKey: memoryKeys.all(personaId) });
  const changed = (memory: Memory) => {
    list.replace(memory);
    setSearch(
      (old) =>
        old && {
          ...old,
          results: old.results.map((r) => (r.memory.id === memory.id ? { ...r, memory } : r)),
        },
    );
    setMessage("Memory saved.");
    refreshUsage();
  };
  const deleted = (id: string) => {
    list.remove(id);
    setSearch((old) => old && { ...old, results: old.results.filter((result) => result.memory.id !== id) });
    setMessage("Memory deleted.");
    refreshUsage();
  };

  /** Scrolls to a memory on the timeline (leaving search, and widening the filters if it is hidden). */
  function showMemory(id: string) {
    setMissing(undefined);
    setSearch(undefined);
    if (!list.memories.some((memory) => memory.id === id) && isFiltered(filters)) {
      setFilters({ ...DEFAULT_FILTERS, order: filters.order });
    }
    setPendingFocus(id);
  }

  useEffect(() => {
    if (!pendingFocus) return;
    const element = document.getElementById(`memory-${pendingFocus}`);
    if (element) {
      const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      element.scrollIntoView({ block: "center", behavior: reduced ? "auto" : "smooth" });
      element.focus({ preventScroll: true });
      setHighlighted(pendingFocus);
      setPendingFocus(undefined);
      return;
    }
    if (!list.settled) return;
    if (list.hasMore) {
      list.loadMore();
      return;
    }
    setMissing(pendingFocus);
    setPendingFocus(undefined);
  }, [pendingFocus, list, search]);

  useEffect(() => {
    if (!highlighted) return;
    const timer = window.setTimeout(() => setHighlighted(undefined), HIGHLIGHT_MS);
    return () => window.clearTimeout(timer);
  }, [highlighted]);

  if (persona.error) {
    return (
      <section className="page">
        <h1>Memory</h1>
        <ErrorNotice error={persona.error} />
        <Link to="/personas">Back to your personas</Link>
      </section>
    );
  }

  return (
    <section className="page memory-page">
      <header className="page-header">
        <div className="memory-title">
          {persona.data && (
            <PersonaAvatar personaId={personaId} name={name} revision={persona.data.updated_at} />
          )}
          <div>
            <Link to={`/personas/${encodeURIComponent(personaId)}`} className="memory-back">
              ← {persona.data ? name : "Persona"}
            </Link>
            <h1>Memory</h1>
          </div>
        </div>
        <div className="button-row">
          <a className="button" href={`${path}/memories/export`} download>
            Export
          </a>
          <button type="button" className="button-primary" onClick={() => setAdding(true)} disabled={adding}>
            Add memory
          </button>
        </div>
      </header>
      <p className="muted memory-intro">
        What {name} remembers: its own <strong>timeline</strong> (its past, shared by every conversation) and
        what it has learned <strong>about you</strong>. Stronger memories (75+) surface readily in replies;
        faded ones (below 40) are hazy.
      </p>
      {message && (
        <div className="memory-message">
          <Notice kind="success">{message}</Notice>
        </div>
      )}

      <div className="memory-layout">
        <aside className="memory-side" aria-label="Memory tools">
          <MemoryUsagePanel usage={usage.data} error={usage.error ?? undefined} loading={usage.isFetching} />
          <MemoryConsistency personaId={personaId} memoriesById={memoriesById} onShowMemory={showMemory} />
          <MemoryClear
            personaId={personaId}
            personaName={name}
            usage={usage.data}
            onCleared={(count) => {
              setMessage(`${name} forgot ${count} ${count === 1 ? "memory" : "memories"} about you.`);
              setSearch(undefined);
              memoriesChanged();
            }}
          />
        </aside>

        <div className="memory-main">
          {adding && (
            <section className="card memory-new" aria-labelledby="memory-new-heading">
              <h2 id="memory-new-heading">New memory</h2>
              <MemoryEditor
                personaId={personaId}
                timelineWritable={timelineWritable}
                onSaved={() => {
                  setAdding(false);
                  setMessage("Memory added.");
                  memoriesChanged();
                }}
                onCancel={() => setAdding(false)}
              />
            </section>
          )}
          <MemorySearch
            personaId={personaId}
            active={search !== undefined}
            onResults={(query, results) => setSearch({ query, results })}
            onClear={() => setSearch(undefined)}
          />
          {missing && (
            <Notice kind="warning">
              That memory is not on the timeline any more (it may have been deleted or revised away).
            </Notice>
          )}
          {search ? (
            <section aria-labelledby="memory-results-heading">
              <h2 id="memory-results-heading">
                {search.results.length} {search.results.length === 1 ? "result" : "results"} for “
                {search.query}”
              </h2>
              {search.results.length === 0 ? (
                <p className="muted">Nothing {name} remembers matches that.</p>
              ) : (
                <ol className="memory-day-list">
                  {search.results.map((result) => (
                    <li key={result.memory.id}>
                      <MemoryCard
                        personaId={personaId}
                        memory={result.memory}
                        timelineWritable={timelineWritable}
                        highlighted={result.memory.id === highlighted}
                        extra={`score ${result.score.toFixed(2)}`}
                        onChanged={changed}
                        onDeleted={deleted}
                        onShowMemory={showMemory}
                      />
                    </li>
                  ))}
                </ol>
              )}
            </section>
          ) : (
            <>
              <MemoryFilters filters={filters} onChange={setFilters} />
              <ErrorNotice error={list.error} />
              {list.loading && list.memories.length === 0 ? (
                <Loading label="Loading memories…" />
              ) : list.memories.length === 0 && !list.error ? (
                <EmptyState
                  name={name}
                  filtered={isFiltered(filters)}
                  onReset={() => setFilters(DEFAULT_FILTERS)}
                />
              ) : (
                <MemoryTimeline
                  personaId={personaId}
                  memories={list.memories}
                  order={filters.order}
                  timelineWritable={timelineWritable}
                  highlightedId={highlighted}
                  onChanged={changed}
                  onDeleted={deleted}
                  onShowMemory={showMemory}
                />
              )}
              {list.hasMore && (
                <button type="button" onClick={list.loadMore} disabled={list.loading}>
                  {list.loading ? "Loading…" : "Load more memories"}
                </button>
              )}
            </>
          )}
        </div>
      </div>
    </section>
  );
}

function EmptyState({ name, filtered, onReset }: { name: string; filtered: boolean; onReset: () => void }) {
  if (filtered) {
    return (
      <div className="card memory-empty">
        <p>No memories match these filters.</p>
        <button type="button" onClick={onReset}>
          Reset filters
        </button>
      </div>
    );
  }
  return (
    <div className="card memory-empty">
      <h2>No memories yet</h2>
      <p className="muted">
        {name} learns memories from your conversations (when learning is on in its settings), and a generated
        persona starts with a timeline. You can also add one by hand with “Add memory”.
      </p>
    </div>
  );
}
