import { useId, useState, type FormEvent } from "react";
import { ApiError, client, unwrap, type Schema } from "../lib/api.ts";

type MemorySearchResult = Schema<"MemorySearchResult">;

/** Searches the persona's memories the way a reply recalls them: by relevance, strength and recency. */
export function MemorySearch({
  personaId,
  active,
  onResults,
  onClear,
}: {
  personaId: string;
  /** Whether results are on screen (shows "Back to timeline"). */
  active: boolean;
  onResults: (query: string, results: MemorySearchResult[]) => void;
  onClear: () => void;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function search(event: FormEvent) {
    event.preventDefault();
    const query = text.trim();
    if (!query) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await unwrap(
        client.POST("/v1/personas/{id}/memories/search", {
          params: { path: { id: personaId } },
          body: { query, k: 50 },
        }),
      );
      onResults(query, answer.data);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const message =
    error instanceof ApiError
      ? (error.fieldMessage("query") ?? (error.detail || error.title))
      : error
        ? String(error)
        : undefined;

  return (
    <form className="memory-search" role="search" onSubmit={search}>
      <label htmlFor={`${id}-query`} className="visually-hidden">
        Search memories
      </label>
      <input
        id={`${id}-query`}
        type="search"
        placeholder="Search memories…"
        value={text}
        onChange={(event) => setText(event.target.value)}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
      />
      <button type="submit" disabled={busy || !text.trim()}>
        {busy ? "Searching…" : "Search"}
      </button>
      {active && (
        <button
          type="button"
          className="button-link"
          onClick={() => {
            setText("");
            onClear();
          }}
        >
          Back to timeline
        </button>
      )}
      {message && (
        <span id={`${id}-error`} className="field-error memory-search-error" role="alert">
          {message}
        </span>
      )}
    </form>
  );
}
