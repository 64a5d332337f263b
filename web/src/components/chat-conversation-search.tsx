import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { Link } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "./notice.tsx";
import type { Schema } from "../lib/api.ts";
import { searchMessages } from "./chat-archive-requests.ts";
import { relativeTime } from "./chat-format.ts";

type Hit = Schema<"MessageSearchHit">;

/** The snippet with its match marked. */
function Snippet({ hit }: { hit: Hit }) {
  const { start, length } = hit.match;
  if (length === 0) return <>{hit.snippet}</>;
  return (
    <>
      {hit.snippet.slice(0, start)}
      <mark>{hit.snippet.slice(start, start + length)}</mark>
      {hit.snippet.slice(start + length)}
    </>
  );
}

/**
 * "Search messages" over the conversation list: hits from every conversation of the user, newest first;
 * a hit opens its conversation scrolled to the message, highlighted.
 */
export function ChatConversationSearch({ onActiveChange }: { onActiveChange: (active: boolean) => void }) {
  const inputId = useId();
  const [text, setText] = useState("");
  const [query, setQuery] = useState("");
  // Searches once typing pauses, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(text.trim()), 250);
    return () => clearTimeout(timer);
  }, [text]);
  useEffect(() => onActiveChange(query !== ""), [query, onActiveChange]);
  const hits = useQuery({
    queryKey: ["conversations", "search", query],
    queryFn: ({ signal }) => searchMessages(query, signal),
    enabled: query !== "",
  });
  return (
    <div className="chat-search" role="search">
      <label htmlFor={inputId} className="visually-hidden">
        Search messages
      </label>
      <input
        id={inputId}
        type="search"
        placeholder="Search messages…"
        value={text}
        maxLength={200}
        onChange={(event) => setText(event.target.value)}
      />
      {query !== "" && (
        <div className="chat-search-results" aria-live="polite">
          <ErrorNotice error={hits.error ?? undefined} />
          {hits.isFetching && !hits.data && <Loading label="Searching…" />}
          {hits.data && hits.data.data.length === 0 && <p className="muted">No messages match “{query}”.</p>}
          {hits.data && hits.data.data.length > 0 && (
            <ul className="chat-search-hits" aria-label="Search results">
              {hits.data.data.map((hit) => (
                <li key={hit.message_id}>
                  <Link
                    className="chat-search-hit"
                    to={`/chat/${encodeURIComponent(hit.conversation.id)}?message=${encodeURIComponent(hit.message_id)}`}
                  >
                    <span className="chat-list-title">{hit.conversation.title}</span>
                    <span className="chat-search-snippet">
                      <Snippet hit={hit} />
                    </span>
                    <span className="chat-list-meta">
                      {hit.role === "user" ? "You" : "Persona"} · {relativeTime(hit.created_at)}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
