import { useEffect, useRef, type FormEvent, type KeyboardEvent } from "react";
import type { Schema } from "../lib/api.ts";

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
}) {
  const textareaRef = useRef<HTMLTextAreaElement>(null);
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
    if (!streaming && !disabled) onSend();
  }

  const chosenMissing =
    speakingAs !== NO_PERSONA && userPersonas !== undefined && !userPersonas.some((p) => p.id === speakingAs);
  return (
    <form className="chat-composer" onSubmit={submit}>
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
      <div className="chat-composer-row">
        <textarea
          id="chat-message-input"
          ref={textareaRef}
          rows={2}
          value={draft}
          placeholder="Enter sends, Shift+Enter adds a line"
          onChange={(event) => onDraftChange(event.target.value)}
          onKeyDown={keyDown}
          maxLength={32000}
          disabled={disabled}
          aria-invalid={contentError ? true : undefined}
          aria-describedby={contentError ? "chat-message-error" : undefined}
        />
        {streaming ? (
          <button type="button" className="button-danger" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" className="button-primary" disabled={disabled || draft.trim() === ""}>
            Send
          </button>
        )}
      </div>
      {contentError && (
        <p id="chat-message-error" className="field-error">
          {contentError}
        </p>
      )}
    </form>
  );
}
