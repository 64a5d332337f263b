import { useEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { conversationKeys } from "../lib/query-keys-personas.ts";
import { renameConversation } from "./chat-message-requests.ts";
import { Link, navigate } from "../lib/router.tsx";
import { ErrorNotice } from "./notice.tsx";
import { PersonaAvatar } from "./persona-avatar.tsx";
import { CallButton } from "./call-button.tsx";
import { downloadConversation, type ExportFormat } from "./chat-archive-requests.ts";

type Conversation = Schema<"Conversation">;

/**
 * Who the conversation is with (picture, name, links to its memory and builder), its title (renamed in
 * place) and deleting it.
 */
export function ChatConversationHeader({
  conversation,
  personaName,
  personaRevision,
  onListChange,
  autoPlay,
  onAutoPlayChange,
  callLocales,
}: {
  conversation: Conversation;
  personaName: string;
  personaRevision: string | undefined;
  /** Renamed or deleted: the conversation list shows it. */
  onListChange: () => void;
  /** Auto-play replies: each new reply is read aloud when it has finished. */
  autoPlay: boolean;
  onAutoPlayChange: (on: boolean) => void;
  /** the locales of the persona's voice configurations: Call offers a choice when there are several */
  callLocales: readonly string[];
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [renaming, setRenaming] = useState(false);
  const renameButtonRef = useRef<HTMLButtonElement>(null);
  const wasRenaming = useRef(false);
  useEffect(() => {
    // The title form closed (saved or cancelled): focus goes back to where it was opened from.
    if (wasRenaming.current && !renaming) renameButtonRef.current?.focus();
    wasRenaming.current = renaming;
  }, [renaming]);
  const personaPath = `/personas/${encodeURIComponent(conversation.persona_id)}`;

  async function remove() {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(client.DELETE("/v1/conversations/{id}", { params: { path: { id: conversation.id } } }));
      onListChange();
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
          {renaming ? (
            <ChatTitleForm
              conversation={conversation}
              onDone={(renamed) => {
                setRenaming(false);
                if (renamed) onListChange();
              }}
            />
          ) : (
            conversation.title !== `Chat with ${personaName}` && (
              <p className="muted chat-header-title">{conversation.title}</p>
            )
          )}
        </div>
        <div className="button-row chat-header-actions">
          <label className="chat-auto-play" title="Read each new reply aloud when it has finished">
            <input
              type="checkbox"
              checked={autoPlay}
              onChange={(event) => onAutoPlayChange(event.target.checked)}
            />
            Auto-play replies
          </label>
          <CallButton
            personaId={conversation.persona_id}
            personaName={personaName}
            locales={callLocales}
            conversationId={conversation.id}
            small
          />
          <Link to={`${personaPath}/memory`} className="button button-small">
            Memory
          </Link>
          <Link to={personaPath} className="button button-small">
            Edit persona
          </Link>
          {!renaming && (
            <button
              type="button"
              className="button-small"
              ref={renameButtonRef}
              onClick={() => setRenaming(true)}
            >
              Rename
            </button>
          )}
          <ChatExportControl conversationId={conversation.id} onError={setError} />
          {!confirming && (
            <button type="button" className="button-small button-danger" onClick={() => setConfirming(true)}>
              Delete conversation
            </button>
          )}
        </div>
      </div>
      {conversation.branched_from && (
        <p className="muted chat-branch-source">
          Branched from{" "}
          <Link
            to={`/chat/${encodeURIComponent(conversation.branched_from.conversation_id)}?message=${encodeURIComponent(conversation.branched_from.message_id)}`}
          >
            the original conversation
          </Link>
        </p>
      )}
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

/** The conversation's title in a text box: Save (or Enter) renames it, Cancel (or Escape) keeps it. */
function ChatTitleForm({
  conversation,
  onDone,
}: {
  conversation: Conversation;
  onDone: (renamed: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const [title, setTitle] = useState(conversation.title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function save() {
    const wanted = title.trim();
    if (!wanted || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const renamed = await renameConversation(conversation.id, wanted);
      queryClient.setQueryData(conversationKeys.detail(conversation.id), renamed);
      onDone(true);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form
      className="chat-title-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <input
        aria-label="Conversation title"
        value={title}
        maxLength={200}
        autoFocus
        disabled={busy}
        onChange={(event) => setTitle(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") onDone(false);
        }}
      />
      <button type="submit" className="button-primary button-small" disabled={busy || !title.trim()}>
        {busy ? "Saving…" : "Save title"}
      </button>
      <button type="button" className="button-small" disabled={busy} onClick={() => onDone(false)}>
        Cancel
      </button>
      <ErrorNotice error={error} />
    </form>
  );
}

/** "Export": a format menu and a download of the conversation in it. */
function ChatExportControl({
  conversationId,
  onError,
}: {
  conversationId: string;
  onError: (error: unknown) => void;
}) {
  const [format, setFormat] = useState<ExportFormat>("sillytavern");
  const [busy, setBusy] = useState(false);
  async function exportNow() {
    setBusy(true);
    onError(undefined);
    try {
      await downloadConversation(conversationId, format);
    } catch (failure) {
      onError(failure);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="chat-export">
      <select
        aria-label="Export format"
        value={format}
        onChange={(event) => setFormat(event.target.value as ExportFormat)}
      >
        <option value="sillytavern">SillyTavern (.jsonl)</option>
        <option value="dramatis">Dramatis (.json)</option>
      </select>
      <button type="button" className="button-small" disabled={busy} onClick={() => void exportNow()}>
        {busy ? "Exporting…" : "Export"}
      </button>
    </span>
  );
}
