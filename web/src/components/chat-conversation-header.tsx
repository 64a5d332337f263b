import { useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { Link, navigate } from "../lib/router.tsx";
import { ErrorNotice } from "./notice.tsx";
import { PersonaAvatar } from "./persona-avatar.tsx";

type Conversation = Schema<"Conversation">;

/** Who the conversation is with (picture, name, links to its memory and builder) and deleting it. */
export function ChatConversationHeader({
  conversation,
  personaName,
  personaRevision,
  onDeleted,
}: {
  conversation: Conversation;
  personaName: string;
  personaRevision: string | undefined;
  onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const personaPath = `/personas/${encodeURIComponent(conversation.persona_id)}`;

  async function remove() {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(client.DELETE("/v1/conversations/{id}", { params: { path: { id: conversation.id } } }));
      onDeleted();
      navigate("/chat", { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <header className="chat-header">
      <div className="chat-header-main">
        <Link to="/chat" className="chat-back">
          <span aria-hidden="true">←</span>
          <span className="visually-hidden">Back to conversations</span>
        </Link>
        <PersonaAvatar personaId={conversation.persona_id} name={personaName} revision={personaRevision} />
        <div className="chat-header-text">
          <h2>{personaName}</h2>
          {conversation.title !== `Chat with ${personaName}` && (
            <p className="muted chat-header-title">{conversation.title}</p>
          )}
        </div>
        <div className="button-row chat-header-actions">
          <Link to={`${personaPath}/memory`} className="button button-small">
            Memory
          </Link>
          <Link to={personaPath} className="button button-small">
            Edit persona
          </Link>
          {!confirming && (
            <button type="button" className="button-small button-danger" onClick={() => setConfirming(true)}>
              Delete conversation
            </button>
          )}
        </div>
      </div>
      {confirming && (
        <div
          className="notice notice-warning chat-confirm"
          role="alertdialog"
          aria-labelledby="chat-confirm-text"
        >
          <p id="chat-confirm-text">
            Delete this conversation and all its messages? The persona keeps what it remembers.
          </p>
          <div className="button-row">
            <button type="button" className="button-danger" onClick={remove} disabled={busy}>
              {busy ? "Deleting…" : "Delete"}
            </button>
            {/* Focus goes to Cancel, the safe choice, so Enter does not delete by accident. */}
            <button type="button" onClick={() => setConfirming(false)} disabled={busy} autoFocus>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorNotice error={error} />
    </header>
  );
}
