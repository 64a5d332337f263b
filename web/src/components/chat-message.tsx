import type { ReactNode } from "react";
import { Link } from "../lib/router.tsx";
import { Markdown } from "./markdown.tsx";
import { PersonaAvatar } from "./persona-avatar.tsx";
import type { Schema } from "../lib/api.ts";
import { isOfflineModel } from "./chat-format.ts";
import { ChatMessageReadAloud, ChatMessageRecording } from "./chat-message-audio.tsx";
import { ChatMessageMedia } from "./chat-message-media.tsx";

type Message = Schema<"Message">;
type UserPersonaSnapshot = NonNullable<Schema<"Message">["user_persona"]>;

/** A message as the screen shows it: a stored one, or the reply being streamed right now. */
export interface ShownMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  status: Message["status"] | "streaming" | "stopped";
  user_persona: UserPersonaSnapshot | null;
  model: string | null;
  created_at: string;
  token_count?: number;
  /** True for the conversation's opening message (the persona's greeting). */
  opener?: boolean;
  reply_to?: string | null;
  edited_at?: string | null;
  alternative_index?: number;
  alternative_count?: number;
  /** Its stored reading and, for the user's, the voice message it was sent as. */
  audio?: Schema<"MessageAudio">[];
  /** Photos the user sent; pictures and videos the persona made or is making. */
  media?: Schema<"Media">[];
}

/** One message: who spoke (the persona, or the user as which user persona), what, and its labels. */
export function ChatMessage({
  message,
  conversationId,
  autoPlay = false,
  personaId,
  personaName,
  personaRevision,
  inspecting,
  onInspect,
  controls,
  editor,
  highlighted = false,
  warnings = [],
  onOpenMedia,
}: {
  message: ShownMessage;
  conversationId: string;
  /** Read this reply aloud once, by itself (Auto-play replies). */
  autoPlay?: boolean;
  personaId: string;
  personaName: string;
  personaRevision: string | undefined;
  inspecting: boolean;
  onInspect: (messageId: string, button: HTMLButtonElement) => void;
  /** The chat controls (regenerate, swipe, edit, delete), for a stored message. */
  controls?: ReactNode;
  /** Shown instead of the text while the message is being edited. */
  editor?: ReactNode;
  /** The message a search hit or a branch link pointed at. */
  highlighted?: boolean;
  /** What the server noted about the exchange this reply ends (a picture the model could not see). */
  warnings?: readonly string[];
  /** Opens one of the message's pictures full screen. */
  onOpenMedia?: (item: Schema<"Media">) => void;
}) {
  const fromPersona = message.role === "assistant";
  const speaker = fromPersona
    ? personaName
    : message.user_persona
      ? `You as ${message.user_persona.name}`
      : "You (No Persona)";
  // Only generated replies have a recorded prompt; a stored greeting has no model.
  const inspectable = fromPersona && message.model !== null && message.status !== "streaming";
  const time = new Date(message.created_at);
  // Stored replies only (controls are given for those): a streaming one has no id on the server yet.
  const readable =
    fromPersona &&
    controls !== undefined &&
    !editor &&
    message.content !== "" &&
    message.status !== "streaming";
  const recording =
    message.role === "user" ? message.audio?.find((item) => item.kind === "recording") : undefined;
  return (
    <li
      id={`message-${message.id}`}
      data-highlighted={highlighted || undefined}
      className={`chat-message ${fromPersona ? "chat-message-persona" : "chat-message-user"}${highlighted ? " chat-message-highlighted" : ""}`}
      aria-label={`${speaker}${message.opener ? " (greeting)" : ""}`}
    >
      {fromPersona && <PersonaAvatar personaId={personaId} name={personaName} revision={personaRevision} />}
      <div className="chat-bubble">
        <div className="chat-message-meta">
          <span className="chat-message-speaker">{speaker}</span>
          {message.opener && <span className="badge">Greeting</span>}
          {fromPersona && isOfflineModel(message.model) && (
            <span className="badge badge-warning">Offline engine</span>
          )}
          {message.status === "partial" && (
            <span className="badge badge-warning" title="Generation was stopped; this is what it had written">
              Stopped early
            </span>
          )}
          {message.status === "stopped" && <span className="badge badge-warning">Stopped</span>}
          {message.status === "failed" && <span className="badge badge-warning">Failed</span>}
          {message.edited_at && (
            <span className="badge" title={`Edited ${new Date(message.edited_at).toLocaleString()}`}>
              Edited
            </span>
          )}
          {!Number.isNaN(time.getTime()) && (
            <time className="chat-message-time" dateTime={message.created_at} title={time.toLocaleString()}>
              {time.toDateString() === new Date().toDateString()
                ? time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
                : time.toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}
            </time>
          )}
        </div>
        {editor ?? (
          <div className="chat-message-content">
            {message.content ? (
              <Markdown>{message.content}</Markdown>
            ) : message.status === "streaming" ? (
              <p className="muted chat-typing">{personaName} is typing…</p>
            ) : message.media?.length ? null : (
              <p className="muted">(empty reply)</p>
            )}
            {message.status === "streaming" && message.content && (
              <span className="chat-caret" aria-hidden="true" />
            )}
          </div>
        )}
        {message.media && message.media.length > 0 && (
          <ChatMessageMedia media={message.media} onOpen={(item) => onOpenMedia?.(item)} />
        )}
        {warnings.length > 0 && (
          <ul className="chat-warnings" aria-label="Notes about this reply">
            {warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        )}
        {recording && <ChatMessageRecording recording={recording} />}
        {(inspectable || (fromPersona && isOfflineModel(message.model)) || (controls && !editor)) && (
          <div className="chat-message-actions">
            {readable && (
              <ChatMessageReadAloud
                // An edited text is read anew.
                key={`${message.id}/${message.edited_at ?? ""}`}
                conversationId={conversationId}
                messageId={message.id}
                audio={message.audio}
                autoPlay={autoPlay}
              />
            )}
            {!editor && controls}
            {fromPersona && isOfflineModel(message.model) && (
              <Link to="/settings/model" className="chat-offline-hint">
                Offline demo text: choose a model in Settings → Model
              </Link>
            )}
            {inspectable && (
              <button
                type="button"
                className="button-link button-small"
                aria-expanded={inspecting}
                aria-controls={inspecting ? "chat-prompt-inspector" : undefined}
                onClick={(event) => onInspect(message.id, event.currentTarget)}
              >
                Inspect prompt
              </button>
            )}
          </div>
        )}
      </div>
    </li>
  );
}
