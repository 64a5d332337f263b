import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import "./call.css";
import { useState } from "react";
import { client, unwrap } from "../lib/api.ts";
import type { Call } from "../lib/call-controller.ts";
import { callKeys } from "../lib/query-keys-calls.ts";
import { Link } from "../lib/router.tsx";
import { endReasonLabel, formatCallDate, formatCallDuration, formatLatency } from "./call-format.ts";
import { CallRecording } from "./call-recording.tsx";
import { ErrorNotice, Loading } from "./notice.tsx";

const PAGE_SIZE = 10;

/**
 * "Calls": the user's calls with the persona, newest first, page by page: when, how long, how it ended,
 * the median latency, the recording when kept, and the transcript on request.
 */
export function CallHistory({ personaId, personaName }: { personaId: string; personaName: string }) {
  const history = useInfiniteQuery({
    queryKey: callKeys.history(personaId),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        client.GET("/v1/calls", {
          params: {
            query: { persona_id: personaId, limit: PAGE_SIZE, ...(pageParam ? { after: pageParam } : {}) },
          },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const calls = history.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <section className="card call-history" aria-labelledby="call-history-title">
      <h2 id="call-history-title">Calls</h2>
      <ErrorNotice error={history.error} />
      {history.isPending ? (
        <Loading label="Loading calls…" />
      ) : calls.length === 0 ? (
        <p className="muted">No calls with {personaName} yet. Press Call to talk by voice.</p>
      ) : (
        <ol className="call-history-list" aria-label={`Calls with ${personaName}`}>
          {calls.map((call) => (
            <CallHistoryItem key={call.id} call={call} personaName={personaName} />
          ))}
        </ol>
      )}
      {history.hasNextPage && (
        <button
          type="button"
          className="button-small"
          disabled={history.isFetchingNextPage}
          onClick={() => void history.fetchNextPage()}
        >
          {history.isFetchingNextPage ? "Loading…" : "Show older calls"}
        </button>
      )}
    </section>
  );
}

function CallHistoryItem({ call, personaName }: { call: Call; personaName: string }) {
  const [open, setOpen] = useState(false);
  const transcriptId = `call-transcript-${call.id}`;
  return (
    <li className="call-history-item" data-call-id={call.id}>
      <div className="call-history-facts">
        <Link to={`/calls/${encodeURIComponent(call.id)}`} className="call-history-date">
          {formatCallDate(call.started_at ?? call.created_at)}
        </Link>
        <span>{call.duration_seconds !== null ? formatCallDuration(call.duration_seconds) : "—"}</span>
        <span className="badge">{endReasonLabel(call.end_reason, call.status)}</span>
        {call.median_latency_ms !== null && (
          <span className="muted" title="Median time from the end of your words to the reply's first sound">
            median {formatLatency(call.median_latency_ms)}
          </span>
        )}
        <span className="muted">{call.locale}</span>
      </div>
      <CallRecording call={call} />
      <button
        type="button"
        className="button-link button-small"
        aria-expanded={open}
        aria-controls={transcriptId}
        onClick={() => setOpen(!open)}
      >
        {open ? "Hide transcript" : "Show transcript"}
      </button>
      {open && <CallTranscript id={transcriptId} callId={call.id} personaName={personaName} />}
    </li>
  );
}

function CallTranscript({ id, callId, personaName }: { id: string; callId: string; personaName: string }) {
  const transcript = useQuery({
    queryKey: callKeys.transcript(callId),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/calls/{id}/transcript", { params: { path: { id: callId } }, signal })),
  });
  if (transcript.error) return <ErrorNotice error={transcript.error} />;
  if (!transcript.data) return <Loading label="Loading the transcript…" />;
  const messages = transcript.data.data;
  return (
    <ol id={id} className="call-history-transcript" aria-label="Call transcript">
      {messages.length === 0 && <li className="muted">Nothing was said.</li>}
      {messages.map((message) => (
        <li key={message.id} className={message.role === "user" ? "call-line-user" : "call-line-persona"}>
          <span className="call-line-speaker">{message.role === "user" ? "You" : personaName}</span>{" "}
          {message.content}
        </li>
      ))}
    </ol>
  );
}
