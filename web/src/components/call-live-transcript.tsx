import { useEffect, useRef } from "react";
import type { CallTranscriptEntry } from "../lib/call-controller.ts";
import { formatLatency } from "./call-format.ts";

/**
 * What has been said in the call so far: the persona's lines (its first message, replies with their
 * latency, goodbyes) and the user's words as heard. Kept scrolled to the newest line.
 */
export function CallLiveTranscript({
  entries,
  personaName,
}: {
  entries: readonly CallTranscriptEntry[];
  personaName: string;
}) {
  const listRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [entries.length]);
  return (
    <ol className="call-transcript" ref={listRef} aria-label="Live transcript" aria-live="polite">
      {entries.length === 0 && <li className="muted call-transcript-empty">Nothing said yet.</li>}
      {entries.map((entry) => (
        <li
          key={entry.key}
          className={entry.kind === "user" ? "call-line call-line-user" : "call-line call-line-persona"}
          data-kind={entry.kind}
        >
          <span className="call-line-speaker">{entry.kind === "user" ? "You" : personaName}</span>
          <p className="call-line-text">{entry.text || "…"}</p>
          {entry.kind === "reply" && (
            <p className="muted call-line-meta">
              {entry.latencyMs !== null && (
                <span className="call-latency">{formatLatency(entry.latencyMs)}</span>
              )}
              {entry.interrupted && <span className="badge call-interrupted">Interrupted</span>}
            </p>
          )}
          {entry.kind === "agent" && entry.interrupted && (
            <p className="muted call-line-meta">
              <span className="badge call-interrupted">Interrupted</span>
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}
