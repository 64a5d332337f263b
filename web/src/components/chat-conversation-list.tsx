import { Link } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "./notice.tsx";
import { PersonaAvatar } from "./persona-avatar.tsx";
import type { Schema } from "../lib/api.ts";
import { relativeTime } from "./chat-format.ts";
import { useCallback, useState } from "react";
import { ChatConversationImport } from "./chat-conversation-import.tsx";
import { ChatConversationSearch } from "./chat-conversation-search.tsx";

type Conversation = Schema<"Conversation">;
type PersonaSummary = Schema<"Persona">;

/** The user's conversations, newest activity first, each with its persona's picture and name. */
export function ChatConversationList({
  conversations,
  personas,
  error,
  loading,
  currentId,
  onNewConversation,
  onImported,
}: {
  conversations: Conversation[] | undefined;
  personas: Map<string, PersonaSummary>;
  error: Error | undefined;
  loading: boolean;
  currentId: string | undefined;
  onNewConversation: () => void;
  /** A chat was imported: the list shows it. */
  onImported: () => void;
}) {
  const [searching, setSearching] = useState(false);
  const [importing, setImporting] = useState(false);
  const onSearchActive = useCallback((active: boolean) => setSearching(active), []);
  return (
    <nav className="chat-list" aria-labelledby="chat-list-heading">
      <div className="chat-list-header">
        <h1 id="chat-list-heading">Conversations</h1>
        <button type="button" className="button-primary button-small" onClick={onNewConversation}>
          New conversation
        </button>
        <button type="button" className="button-small" onClick={() => setImporting((open) => !open)}>
          Import chat
        </button>
      </div>
      {importing && (
        <ChatConversationImport
          personas={[...personas.values()]}
          onImported={onImported}
          onClose={() => setImporting(false)}
        />
      )}
      <ChatConversationSearch onActiveChange={onSearchActive} />
      <ErrorNotice error={error} />
      {loading && !conversations && <Loading label="Loading conversations…" />}
      {!searching && conversations && conversations.length === 0 && (
        <p className="muted chat-list-empty">No conversations yet. Start one with any of your personas.</p>
      )}
      {!searching && conversations && conversations.length > 0 && (
        <ul className="chat-list-items">
          {conversations.map((conversation) => {
            const persona = personas.get(conversation.persona_id);
            const name = persona?.name ?? "Unknown persona";
            return (
              <li key={conversation.id}>
                <Link
                  to={`/chat/${encodeURIComponent(conversation.id)}`}
                  className="chat-list-item"
                  aria-current={conversation.id === currentId ? "page" : undefined}
                >
                  <PersonaAvatar
                    personaId={conversation.persona_id}
                    name={name}
                    revision={persona?.updated_at}
                  />
                  <span className="chat-list-text">
                    <span className="chat-list-name">{name}</span>
                    <span className="chat-list-title">{conversation.title}</span>
                    <span className="chat-list-meta">
                      <time dateTime={conversation.updated_at} title={conversation.updated_at}>
                        {relativeTime(conversation.updated_at)}
                      </time>
                      {" · "}
                      {conversation.message_count === 1
                        ? "1 message"
                        : `${conversation.message_count} messages`}
                    </span>
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
