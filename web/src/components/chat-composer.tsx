import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type PointerEvent } from "react";
import type { Schema } from "../lib/api.ts";
import { startWavRecording, type WavRecorder } from "../lib/wav-recorder.ts";
import {
  ATTACHMENT_ACCEPT,
  ChatAttachmentChips,
  picturesAmong,
  type ChatAttachments,
} from "./chat-attachments.tsx";
import "./chat-message-audio.css";

type UserPersona = Schema<"UserPersona">;

/** No Persona in the "Speaking as" select. */
export const NO_PERSONA = "";

/**
 * Where the user writes: who they speak as (a user persona or No Persona, changeable mid-conversation),
 * the message (Enter sends, Shift+Enter starts a new line), and Send, or Stop while a reply streams.
 */
export function ChatComposer({
  draft,
  onDraftChange,
  onSend,
  onStop,
  streaming,
  disabled,
  userPersonas,
  speakingAs,
  onSpeakingAsChange,
  speakingAsError,
  contentError,
  focusRequest,
  onVoiceMessage,
  attachments,
}: {
  draft: string;
  onDraftChange: (value: string) => void;
  onSend: () => void;
  onStop: () => void;
  streaming: boolean;
  disabled: boolean;
  userPersonas: UserPersona[] | undefined;
  speakingAs: string;
  onSpeakingAsChange: (id: string) => void;
  speakingAsError: string | undefined;
  /** The server's message about the text itself (too long, empty), shown under the box. */
  contentError: string | undefined;
  /** Changes when the composer should take focus (after sending, or when text is put back). */
  focusRequest: number;
  /**
   * Sends a recorded voice message (16 kHz mono WAV); rejects with what to tell the user. Without it the
   * microphone is not offered.
   */
  onVoiceMessage?: (wav: Blob) => Promise<void>;
  /** Photos to send with the message (attach, paste or drop); without it none are offered. */
  attachments?: ChatAttachments;
}) {
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  // A message may be only photos; nothing goes while one is still uploading.
  const sendable =
    (draft.trim() !== "" || (attachments?.ready ?? 0) > 0) && !(attachments?.uploading ?? false);
  const voice = useVoiceMessage({ disabled: disabled || streaming, onRecorded: onVoiceMessage });
  useEffect(() => {
    if (focusRequest > 0) textareaRef.current?.focus();
  }, [focusRequest]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!streaming) onSend();
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key !== "Enter" || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    if (!streaming && !disabled && sendable) onSend();
  }

  const chosenMissing =
    speakingAs !== NO_PERSONA && userPersonas !== undefined && !userPersonas.some((p) => p.id === speakingAs);
  return (
    <form
      className="chat-composer"
      onSubmit={submit}
      onDragOver={(event) => {
        if (attachments && event.dataTransfer.types.includes("Files")) event.preventDefault();
      }}
      onDrop={(event) => {
        const pictures = picturesAmong(event.dataTransfer.files);
        if (!attachments || pictures.length === 0) return;
        event.preventDefault();
        attachments.add(pictures);
      }}
    >
      <div className="chat-composer-labels">
        <label htmlFor="chat-message-input">Message</label>
        <div className="chat-speaking-as">
          <label htmlFor="chat-speaking-as">Speaking as</label>
          <select
            id="chat-speaking-as"
            value={chosenMissing ? NO_PERSONA : speakingAs}
            onChange={(event) => onSpeakingAsChange(event.target.value)}
            disabled={userPersonas === undefined}
            title="Applies from your next message"
            aria-describedby={speakingAsError ? "chat-speaking-as-error" : undefined}
            aria-invalid={speakingAsError ? true : undefined}
          >
            <option value={NO_PERSONA}>No Persona</option>
            {userPersonas?.map((persona) => (
              <option key={persona.id} value={persona.id}>
                {persona.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {speakingAsError && (
        <p id="chat-speaking-as-error" className="field-error">
          {speakingAsError}
        </p>
      )}
      {attachments && <ChatAttachmentChips attachments={attachments} />}
      <div className="chat-composer-row">
        {attachments && (
          <span className="chat-attach">
            <input
              id="chat-attach-input"
              type="file"
              className="visually-hidden"
              accept={ATTACHMENT_ACCEPT}
              multiple
              disabled={disabled}
              aria-label="Attach a photo or file"
              onChange={(event) => {
                attachments.add(picturesAmong(event.target.files));
                // The same file chosen again is a new attachment.
                event.target.value = "";
              }}
            />
            <label htmlFor="chat-attach-input" className="button chat-attach-button" title="Attach a photo">
              <PaperclipIcon />
            </label>
          </span>
        )}
        <textarea
          id="chat-message-input"
          ref={textareaRef}
          rows={2}
          value={draft}
          placeholder="Enter sends, Shift+Enter adds a line"
          onChange={(event) => onDraftChange(event.target.value)}
          onKeyDown={keyDown}
          onPaste={(event) => {
            const pictures = picturesAmong(event.clipboardData.files);
            if (!attachments || pictures.length === 0) return;
            event.preventDefault();
            attachments.add(pictures);
          }}
          maxLength={32000}
          disabled={disabled}
          aria-invalid={contentError ? true : undefined}
          aria-describedby={contentError ? "chat-message-error" : undefined}
        />
        {onVoiceMessage && !streaming && voice.controls}
        {streaming ? (
          <button type="button" className="button-danger" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" className="button-primary" disabled={disabled || !sendable}>
            Send
          </button>
        )}
      </div>
      {contentError && (
        <p id="chat-message-error" className="field-error">
          {contentError}
        </p>
      )}
      {onVoiceMessage && voice.feedback}
    </form>
  );
}

type RecordingPhase = "idle" | "starting" | "recording" | "sending";

/** A press shorter than this is a click (start, then click again to send); longer is hold-to-talk. */
const HOLD_MS = 400;

function microphoneMessage(failure: unknown): string {
  if (failure instanceof DOMException) {
    if (failure.name === "NotAllowedError" || failure.name === "SecurityError")
      return "Microphone access was refused. Allow the microphone for this site in the browser to send voice messages.";
    if (failure.name === "NotFoundError") return "No microphone was found.";
    if (failure.name === "NotReadableError") return "The microphone is in use by another application.";
  }
  return failure instanceof Error ? failure.message : String(failure);
}

/**
 * The microphone (`controls`, beside Send) and what it is doing or what went wrong (`feedback`, under the
 * box): hold it while speaking and let go to send, or click to start and click again to send. Escape
 * (or Cancel) drops the recording. Errors: no permission, no recognizer on the server, nothing heard.
 */
function useVoiceMessage({
  disabled,
  onRecorded,
}: {
  disabled: boolean;
  onRecorded: ((wav: Blob) => Promise<void>) | undefined;
}) {
  const [phase, setPhase] = useState<RecordingPhase>("idle");
  const [error, setError] = useState<string | undefined>(undefined);
  const recorderRef = useRef<Promise<WavRecorder> | undefined>(undefined);
  const pressedAt = useRef(0);
  // A press that began while recording (click mode): its release sends.
  const sendOnRelease = useRef(false);
  const active = phase === "starting" || phase === "recording";

  function begin() {
    setError(undefined);
    setPhase("starting");
    const pending = startWavRecording();
    recorderRef.current = pending;
    pending.then(
      () => {
        if (recorderRef.current === pending) setPhase("recording");
      },
      (failure: unknown) => {
        if (recorderRef.current !== pending) return;
        recorderRef.current = undefined;
        setPhase("idle");
        setError(microphoneMessage(failure));
      },
    );
  }

  async function finish() {
    const pending = recorderRef.current;
    if (!pending) return;
    recorderRef.current = undefined;
    setPhase("sending");
    try {
      const { wav, durationSeconds } = await (await pending).stop();
      if (durationSeconds < 0.3) throw new Error("That was too short: speak while the microphone is on.");
      await onRecorded?.(wav);
    } catch (failure) {
      setError(microphoneMessage(failure));
    } finally {
      setPhase("idle");
    }
  }

  function cancel() {
    const pending = recorderRef.current;
    if (!pending) return;
    recorderRef.current = undefined;
    pending.then(
      (recorder) => recorder.cancel(),
      () => undefined,
    );
    setPhase("idle");
  }

  useEffect(() => {
    if (!active) return;
    const escape = (event: globalThis.KeyboardEvent) => {
      if (event.key === "Escape") {
        event.preventDefault();
        cancel();
      }
    };
    document.addEventListener("keydown", escape);
    return () => document.removeEventListener("keydown", escape);
  }, [active]);

  // Leaving the conversation releases the microphone.
  useEffect(() => () => cancel(), []);

  function pointerDown(event: PointerEvent<HTMLButtonElement>) {
    if (event.button !== 0 || disabled || phase === "sending") return;
    event.currentTarget.setPointerCapture(event.pointerId);
    if (active) {
      sendOnRelease.current = true;
      return;
    }
    pressedAt.current = performance.now();
    begin();
  }

  function pointerUp() {
    if (sendOnRelease.current) {
      sendOnRelease.current = false;
      void finish();
    } else if (recorderRef.current && performance.now() - pressedAt.current >= HOLD_MS) {
      void finish();
    }
  }

  const label =
    phase === "sending"
      ? "Transcribing the voice message…"
      : active
        ? "Stop and send the voice message"
        : "Record a voice message";
  const controls = (
    <>
      <button
        type="button"
        className="chat-voice-button"
        aria-label={label}
        title={active ? "Release or click to send; Escape cancels" : "Hold to talk, or click to start"}
        data-recording={active || undefined}
        disabled={disabled || phase === "sending"}
        onPointerDown={pointerDown}
        onPointerUp={pointerUp}
        onPointerCancel={pointerUp}
        // A long press on a phone would open the context menu instead of recording.
        onContextMenu={(event) => event.preventDefault()}
        onClick={(event) => {
          // Pointer presses are handled above; a click with no pointer is the keyboard (Enter, Space).
          if (event.detail !== 0) return;
          if (active) void finish();
          else begin();
        }}
      >
        {phase === "sending" ? <span aria-hidden="true">…</span> : active ? <StopIcon /> : <MicrophoneIcon />}
      </button>
      {active && (
        <button type="button" onClick={cancel}>
          Cancel
        </button>
      )}
    </>
  );
  const feedback = (
    <div className="chat-voice-feedback">
      <p className="chat-voice-status" role="status">
        {phase === "recording" && (
          <>
            <span className="chat-voice-dot" aria-hidden="true" />
            Recording… release or click to send, Escape to cancel
          </>
        )}
        {phase === "starting" && "Starting the microphone…"}
        {phase === "sending" && "Transcribing your voice message…"}
      </p>
      {error && (
        <p className="field-error chat-voice-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
  return { controls, feedback };
}

/** Drawn, not an emoji: not every system has an emoji font. */
function PaperclipIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/** Drawn, not an emoji: not every system has an emoji font. */
function MicrophoneIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <rect x="9" y="3" width="6" height="11" rx="3" fill="currentColor" />
      <path
        d="M6 11a6 6 0 0 0 12 0M12 17v4M9 21h6"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
      />
    </svg>
  );
}

function StopIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <rect x="5" y="5" width="14" height="14" rx="2" fill="currentColor" />
    </svg>
  );
}
