import { useEffect, useRef, useState } from "react";
import { client, currentCsrfToken, problemError, unwrap, type Schema } from "../lib/api.ts";
import { pauseOthers, playExclusively, stopPlayback } from "../lib/exclusive-playback.ts";
import "./chat-message-audio.css";

type MessageAudio = Schema<"MessageAudio">;

/** Asks the server to read a message aloud; answers the stored reading when there already is one. */
export function requestMessageSpeech(conversationId: string, messageId: string): Promise<MessageAudio> {
  return unwrap(
    client.POST("/v1/conversations/{id}/messages/{messageId}/speech", {
      params: { path: { id: conversationId, messageId } },
      body: {},
    }),
  );
}

export type UploadedRecording = Schema<"UploadedRecording">;

/**
 * Stores and transcribes a voice message (raw WAV body: the typed client sends JSON or forms only).
 * Send its `text` with `recording_id` as the message. A server without a recognizer answers 404 with a
 * detail saying so, thrown as ApiError.
 */
export async function uploadRecording(
  conversationId: string,
  wav: Blob,
  options: { fetch?: typeof fetch; locale?: string } = {},
): Promise<UploadedRecording> {
  const query = options.locale ? `?locale=${encodeURIComponent(options.locale)}` : "";
  const token = currentCsrfToken();
  const response = await (options.fetch ?? fetch)(
    `/v1/conversations/${encodeURIComponent(conversationId)}/recordings${query}`,
    {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "audio/wav", ...(token ? { "x-csrf-token": token } : {}) },
      body: wav,
    },
  );
  const text = await response.text();
  if (!response.ok) throw problemError(text, response.status, response.statusText);
  return JSON.parse(text) as UploadedRecording;
}

type ReadAloudState = "idle" | "loading" | "playing";

/**
 * "Read aloud" on a persona's message: plays its stored reading, or asks for one first (the server keeps
 * it, so the next press and other devices get the same audio). Pressed again while playing, it stops.
 * `autoPlay` starts it once by itself (Auto-play replies).
 */
export function ChatMessageReadAloud({
  conversationId,
  messageId,
  audio,
  autoPlay = false,
}: {
  conversationId: string;
  messageId: string;
  audio: MessageAudio[] | undefined;
  autoPlay?: boolean;
}) {
  const audioRef = useRef<HTMLAudioElement>(null);
  const [state, setState] = useState<ReadAloudState>("idle");
  const [error, setError] = useState<string | undefined>(undefined);
  const [fetched, setFetched] = useState<MessageAudio | undefined>(undefined);
  const autoPlayed = useRef(false);
  // Bumped by Stop: a reading still being fetched then does not start playing.
  const attempt = useRef(0);
  const stored = audio?.find((item) => item.kind === "speech");

  async function start() {
    const element = audioRef.current;
    if (!element) return;
    setError(undefined);
    setState("loading");
    const current = ++attempt.current;
    try {
      const reading = fetched ?? stored ?? (await requestMessageSpeech(conversationId, messageId));
      setFetched(reading);
      if (current !== attempt.current) return;
      if (element.getAttribute("src") !== reading.url) element.src = reading.url;
      await playExclusively(element);
    } catch (failure) {
      setState("idle");
      // Paused before it began (another sound started): not a failure worth showing.
      if (failure instanceof DOMException && failure.name === "AbortError") return;
      if (failure instanceof DOMException && failure.name === "NotAllowedError") {
        setError("the browser does not let this page play sound by itself yet; press Read aloud.");
        return;
      }
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  function toggle() {
    const element = audioRef.current;
    if (state === "idle") {
      void start();
      return;
    }
    attempt.current++;
    if (element) stopPlayback(element);
    setState("idle");
  }

  useEffect(() => {
    if (!autoPlay || autoPlayed.current) return;
    autoPlayed.current = true;
    void start();
    // Started once per reply; `start` changes every render and must not restart it.
  }, [autoPlay]);

  return (
    <span className="chat-read-aloud">
      <button
        type="button"
        className="button-link button-small chat-read-aloud-button"
        title={state === "loading" ? "Preparing the audio…" : undefined}
        aria-busy={state === "loading" || undefined}
        data-state={state}
        onClick={toggle}
      >
        <span aria-hidden="true" className="chat-read-aloud-icon">
          {state === "idle" ? "▶" : state === "loading" ? "…" : "■"}
        </span>{" "}
        {state === "idle" ? "Read aloud" : "Stop"}
      </button>
      {/* In the page (not `new Audio()`) so one sound plays at a time and its events can be followed. */}
      <audio
        ref={audioRef}
        preload="none"
        hidden
        onPlaying={() => setState("playing")}
        onPause={() => setState((current) => (current === "loading" ? current : "idle"))}
        onEnded={() => setState("idle")}
        onError={() => {
          if (!audioRef.current?.getAttribute("src")) return;
          setState("idle");
          setError("The audio could not be played.");
        }}
      />
      {error && (
        <span className="field-error chat-read-aloud-error" role="alert">
          Could not read it aloud: {error}
        </span>
      )}
    </span>
  );
}

/** The user's own voice message, under the text it was heard as. */
export function ChatMessageRecording({ recording }: { recording: MessageAudio }) {
  return (
    <div className="chat-recording">
      <audio
        controls
        preload="none"
        src={recording.url}
        aria-label="Your voice message"
        onPlay={(event) => pauseOthers(event.currentTarget)}
      />
      <span className="muted chat-recording-duration">{formatSeconds(recording.duration_seconds)}</span>
    </div>
  );
}

function formatSeconds(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

const AUTO_PLAY_KEY = "dramatis.chat.auto-play-replies";

/** Whether replies are read aloud as they finish: a choice remembered in this browser. */
export function useAutoPlayReplies(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => {
    try {
      return localStorage.getItem(AUTO_PLAY_KEY) === "on";
    } catch {
      return false;
    }
  });
  const change = (next: boolean) => {
    setOn(next);
    try {
      if (next) localStorage.setItem(AUTO_PLAY_KEY, "on");
      else localStorage.removeItem(AUTO_PLAY_KEY);
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
  };
  return [on, change];
}
