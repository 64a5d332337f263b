import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { findLiveCall, type Call, type CallController, type CallSnapshot } from "../lib/call-controller.ts";
import { callKeys } from "../lib/query-keys-calls.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { Link, navigate } from "../lib/router.tsx";
import { CallRecording } from "../components/call-recording.tsx";
import { describeEndReason, formatCallDuration, formatLatency } from "../components/call-format.ts";
import { CallLiveTranscript } from "../components/call-live-transcript.tsx";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { PersonaAvatar } from "../components/persona-avatar.tsx";
import "../components/call.css";

type Persona = Schema<"Persona">;

const ACTIVITY_LABEL = {
  listening: "Listening",
  thinking: "Thinking…",
  speaking: "Speaking",
} as const;

/** A call still being finished by the server: its summary (duration, recording) comes a moment later. */
const isSettling = (call: Call | undefined) => call?.status === "ringing" || call?.status === "in-progress";

function usePersona(personaId: string) {
  return useQuery({
    queryKey: personaKeys.detail(personaId),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/personas/{id}", { params: { path: { id: personaId } }, signal })),
    enabled: personaId !== "",
  });
}

/** The call as stored, refreshed until the server has finished it (status, duration, recording). */
function useStoredCall(callId: string, enabled: boolean) {
  return useQuery({
    queryKey: callKeys.detail(callId),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/calls/{id}", { params: { path: { id: callId } }, signal })),
    enabled,
    refetchInterval: (query) => (isSettling(query.state.data) ? 500 : false),
  });
}

/** Leaves the call screen: back where the call was started from, or to the persona. */
function leave(personaId: string): void {
  if (window.history.length > 1) window.history.back();
  else navigate(`/personas/${encodeURIComponent(personaId)}`);
}

/**
 * /calls/:id: a live call started in this tab (its controller), or, for any other call (reloaded, opened
 * from a link), how it went.
 */
export function CallPage({ callId }: { callId: string }) {
  const controller = findLiveCall(callId);
  return controller ? <LiveCallScreen controller={controller} /> : <StoredCallScreen callId={callId} />;
}

function LiveCallScreen({ controller }: { controller: CallController }) {
  const snapshot = useSyncExternalStore(controller.subscribe, controller.snapshot);
  const { call } = snapshot;
  const persona = usePersona(call.persona_id).data;
  const queryClient = useQueryClient();
  const ended = snapshot.phase === "ended";
  const stored = useStoredCall(call.id, ended).data;

  useEffect(() => controller.attachScreen(), [controller]);
  // The history shows the call once the server has stored how it went.
  const storedAndSettled = ended && stored !== undefined && !isSettling(stored);
  useEffect(() => {
    if (storedAndSettled) void queryClient.invalidateQueries({ queryKey: callKeys.history(call.persona_id) });
  }, [storedAndSettled, queryClient, call.persona_id]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      if (controller.snapshot().phase === "ended") leave(call.persona_id);
      else controller.hangUp();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [controller, call.persona_id]);

  const name = persona?.name ?? "Persona";
  return (
    <section
      className="page call-screen"
      aria-label={`Call with ${name}`}
      data-phase={snapshot.phase}
      data-audio-pieces-started={snapshot.audioPiecesStarted}
    >
      <CallBackLink personaId={call.persona_id} />
      <CallHeader persona={persona} personaId={call.persona_id} snapshot={snapshot} />
      {snapshot.failure && <Notice kind="warning">{snapshot.failure}</Notice>}
      <CallLiveTranscript entries={snapshot.transcript} personaName={name} />
      {ended ? (
        <CallEnded
          call={stored ?? call}
          persona={persona}
          reason={snapshot.endReason}
          fallbackSeconds={
            snapshot.connectedAt !== undefined && snapshot.endedAt !== undefined
              ? (snapshot.endedAt - snapshot.connectedAt) / 1000
              : undefined
          }
        />
      ) : (
        <div className="button-row call-controls">
          <button
            type="button"
            aria-pressed={snapshot.muted}
            disabled={snapshot.phase === "ending"}
            onClick={() => controller.setMuted(!snapshot.muted)}
          >
            {snapshot.muted ? "Unmute" : "Mute"}
          </button>
          <button
            type="button"
            className="button-danger call-hang-up"
            disabled={snapshot.phase === "ending"}
            onClick={() => controller.hangUp()}
          >
            {snapshot.phase === "ending" ? "Ending…" : "Hang up"}
          </button>
        </div>
      )}
    </section>
  );
}

function CallBackLink({ personaId }: { personaId: string }) {
  return (
    <p className="persona-breadcrumb">
      <a
        href={`/personas/${encodeURIComponent(personaId)}`}
        onClick={(event) => {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          leave(personaId);
        }}
      >
        ← Back
      </a>
    </p>
  );
}

function CallHeader({
  persona,
  personaId,
  snapshot,
}: {
  persona: Persona | undefined;
  personaId: string;
  snapshot: CallSnapshot;
}) {
  const name = persona?.name ?? "Persona";
  let status: string;
  if (snapshot.phase === "connecting") status = "Connecting…";
  else if (snapshot.phase === "ending") status = "Ending…";
  else if (snapshot.phase === "ended") status = "Call ended";
  else {
    const activity = snapshot.playing ? "speaking" : snapshot.activity;
    status = activity ? ACTIVITY_LABEL[activity] : "Connected";
  }
  return (
    <header className="call-header">
      <PersonaAvatar personaId={personaId} name={name} revision={persona?.updated_at} size="large" />
      <div>
        <h1>{name}</h1>
        <p className="call-status">
          <span
            className="call-activity"
            data-activity={snapshot.playing ? "speaking" : (snapshot.activity ?? snapshot.phase)}
            role="status"
          >
            {status}
          </span>{" "}
          <CallTimer snapshot={snapshot} />
          {snapshot.muted && <span className="badge">Muted</span>}
        </p>
      </div>
    </header>
  );
}

/** The time since the stream opened, ticking each second while the call runs. */
function CallTimer({ snapshot }: { snapshot: CallSnapshot }) {
  const running = snapshot.connectedAt !== undefined && snapshot.endedAt === undefined;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [running]);
  if (snapshot.connectedAt === undefined) return null;
  const until = snapshot.endedAt ?? Math.max(now, snapshot.connectedAt);
  return (
    <span className="call-timer" aria-label="Call duration">
      {formatCallDuration((until - snapshot.connectedAt) / 1000)}
    </span>
  );
}

/** How the call went: why it ended, its length and latency, the recording, the conversation. */
function CallEnded({
  call,
  persona,
  reason,
  fallbackSeconds,
}: {
  call: Call;
  persona: Persona | undefined;
  reason: string | undefined;
  fallbackSeconds?: number | undefined;
}) {
  const configuration = persona?.voice_configurations?.find((item) => item.locale === call.locale);
  const seconds = call.duration_seconds ?? fallbackSeconds;
  return (
    <section className="call-ended" aria-label="Call summary">
      <h2>Call ended</h2>
      <p className="call-end-reason">
        {describeEndReason(call.end_reason ?? reason, {
          silenceTimeoutSeconds: configuration?.silence_timeout_seconds,
        })}
      </p>
      <dl className="call-facts">
        {seconds !== undefined && (
          <div>
            <dt>Duration</dt>
            <dd>{formatCallDuration(seconds)}</dd>
          </div>
        )}
        {call.median_latency_ms !== null && (
          <div>
            <dt>Median latency</dt>
            <dd>{formatLatency(call.median_latency_ms)}</dd>
          </div>
        )}
      </dl>
      {isSettling(call) ? <Loading label="Saving the call…" /> : <CallRecording call={call} />}
      <p>
        <Link to={`/chat/${encodeURIComponent(call.conversation_id)}`}>Open the conversation</Link>
      </p>
    </section>
  );
}

/** A call not running in this tab: how it went, or a way to hang it up when it still runs. */
function StoredCallScreen({ callId }: { callId: string }) {
  const stored = useStoredCall(callId, true);
  const call = stored.data;
  const persona = usePersona(call?.persona_id ?? "");
  const [hangingUp, setHangingUp] = useState<unknown>(undefined);
  if (stored.error) {
    return (
      <section className="page call-screen">
        <h1>Call</h1>
        <ErrorNotice error={stored.error} />
      </section>
    );
  }
  if (!call) return <Loading label="Loading the call…" />;
  const name = persona.data?.name ?? "Persona";
  return (
    <section className="page call-screen" aria-label={`Call with ${name}`}>
      <CallBackLink personaId={call.persona_id} />
      <header className="call-header">
        <PersonaAvatar personaId={call.persona_id} name={name} size="large" />
        <h1>{name}</h1>
      </header>
      {isSettling(call) ? (
        <Notice kind="info">
          This call is running in another tab or device.{" "}
          <button
            type="button"
            className="button-small button-danger"
            onClick={() =>
              void unwrap(client.POST("/v1/calls/{id}/hangup", { params: { path: { id: callId } } })).then(
                () => stored.refetch(),
                setHangingUp,
              )
            }
          >
            Hang up
          </button>
          <ErrorNotice error={hangingUp} />
        </Notice>
      ) : (
        <CallEnded call={call} persona={persona.data} reason={undefined} />
      )}
    </section>
  );
}
