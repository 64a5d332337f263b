import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { conversationKeys, personaKeys, userPersonaKeys } from "../lib/query-keys-personas.ts";
import { navigate, useLocation } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import type { Schema } from "../lib/api.ts";
import {
  createConversation,
  latestConversationWith,
  loadConversations,
  loadPersonas,
  loadUserPersonas,
} from "../components/chat-loaders.ts";
import { ChatConversationList } from "../components/chat-conversation-list.tsx";
import { ChatConversationView } from "../components/chat-conversation-view.tsx";
import { ChatNewConversation } from "../components/chat-new-conversation.tsx";
// Order matters: chat-page.css holds the phone overrides of the message styles.
import "./chat-messages.css";
import "./chat-page.css";
import "./chat-inspector.css";

type PersonaSummary = Schema<"Persona">;

/**
 * Chat: the conversation list beside the open conversation (on phones, one or the other). /chat shows
 * the list and "Start a new conversation"; /chat?persona=<id> starts one with that persona at once;
 * /chat/<id> opens a conversation.
 */
export function ChatPage({ conversationId }: { conversationId: string | undefined }) {
  const { search } = useLocation();
  const startWith = conversationId ? null : search.get("persona");

  const conversations = useQuery({
    queryKey: conversationKeys.list(),
    queryFn: ({ signal }) => loadConversations(signal),
  });
  const personaList = useQuery({
    queryKey: personaKeys.summaries(),
    queryFn: ({ signal }) => loadPersonas(signal),
  });
  const userPersonas = useQuery({
    queryKey: userPersonaKeys.list(),
    queryFn: ({ signal }) => loadUserPersonas(signal),
  });
  const [activeOverride, setActiveOverride] = useState<string | null | undefined>(undefined);
  const [focusNew, setFocusNew] = useState(0);

  const personas = useMemo(
    () => new Map<string, PersonaSummary>((personaList.data ?? []).map((persona) => [persona.id, persona])),
    [personaList.data],
  );
  const queryClient = useQueryClient();
  // A message sent, a conversation started or deleted: the list's order and counts change.
  const onActivity = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: conversationKeys.list() }),
    [queryClient],
  );

  return (
    <div className={conversationId ? "chat-layout chat-layout-open" : "chat-layout"}>
      <ChatConversationList
        conversations={conversations.data}
        personas={personas}
        error={conversations.error ?? undefined}
        loading={conversations.isFetching}
        currentId={conversationId}
        onNewConversation={() => {
          if (conversationId) navigate("/chat");
          setFocusNew((n) => n + 1);
        }}
        onImported={onActivity}
      />
      <div className="chat-main">
        {startWith ? (
          <StartWithPersona personaId={startWith} onCreated={onActivity} />
        ) : conversationId ? (
          <ChatConversationView
            conversationId={conversationId}
            personas={personas}
            userPersonas={userPersonas.data}
            activeUserPersonaId={
              activeOverride !== undefined
                ? activeOverride
                : userPersonas.data && (userPersonas.data.find((persona) => persona.is_active)?.id ?? null)
            }
            onActiveUserPersonaChange={setActiveOverride}
            onActivity={onActivity}
          />
        ) : (
          <ChatNewConversation
            personas={personaList.data}
            personasError={personaList.error ?? undefined}
            focusRequest={focusNew}
            onCreated={onActivity}
          />
        )}
        {conversationId && <ErrorNotice error={userPersonas.error ?? personaList.error} />}
      </div>
    </div>
  );
}

/**
 * /chat?persona=<id> ("Chat" on a persona): resumes the user's latest conversation with it, or starts one,
 * then replaces the URL with the conversation's.
 */
function StartWithPersona({ personaId, onCreated }: { personaId: string; onCreated: () => void }) {
  const [error, setError] = useState<unknown>(undefined);
  const started = useRef<string | undefined>(undefined);
  useEffect(() => {
    // Guard against running twice for the same persona (React's development double effects).
    if (started.current === personaId) return;
    started.current = personaId;
    setError(undefined);
    latestConversationWith(personaId)
      .then((latest) => latest ?? createConversation(personaId))
      .then(
        (conversation) => {
          onCreated();
          navigate(`/chat/${encodeURIComponent(conversation.id)}`, { replace: true });
        },
        (failure: unknown) => setError(failure),
      );
  }, [personaId, onCreated]);
  if (error) {
    return (
      <section className="card chat-new">
        <h2>Could not start the conversation</h2>
        <ErrorNotice error={error} />
        <button type="button" onClick={() => navigate("/chat", { replace: true })}>
          Choose another persona
        </button>
      </section>
    );
  }
  return <Loading label="Starting the conversation…" />;
}
