import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { lorebookKeys } from "../lib/query-keys-lorebooks.ts";
import { conversationKeys, personaKeys, userPersonaKeys } from "../lib/query-keys-personas.ts";
import { loadConversations, loadPersonas, loadUserPersonas } from "./chat-loaders.ts";
import { ErrorNotice } from "./notice.tsx";

type Lorebook = Schema<"Lorebook">;
type Kind = Lorebook["attachments"][number]["kind"];

const KIND_LABELS: Record<Lorebook["attachments"][number]["kind"], string> = {
  persona: "Persona",
  user_persona: "User persona",
  conversation: "Conversation",
};

/**
 * Where the book is attached, with Detach, and pickers to attach it to a persona (its replies scan the
 * book), to one of your user personas (conversations held as it scan the book) or to one of your
 * conversations (only its replies scan the book).
 */
export function LorebookAttachments({ book }: { book: Lorebook }) {
  const queryClient = useQueryClient();
  const personas = useQuery({
    queryKey: personaKeys.summaries(),
    queryFn: ({ signal }) => loadPersonas(signal),
  });
  const userPersonas = useQuery({
    queryKey: userPersonaKeys.list(),
    queryFn: ({ signal }) => loadUserPersonas(signal),
  });
  const conversations = useQuery({
    queryKey: conversationKeys.list(),
    queryFn: ({ signal }) => loadConversations(signal),
  });
  const [personaId, setPersonaId] = useState("");
  const [userPersonaId, setUserPersonaId] = useState("");
  const [conversationId, setConversationId] = useState("");
  const change = useMutation({
    mutationFn: async (input: {
      kind: Lorebook["attachments"][number]["kind"];
      id: string;
      attach: boolean;
    }) => {
      const params = { params: { path: { id: book.id, kind: input.kind, targetId: input.id } } };
      return unwrap(
        input.attach
          ? client.PUT("/v1/lorebooks/{id}/attachments/{kind}/{targetId}", params)
          : client.DELETE("/v1/lorebooks/{id}/attachments/{kind}/{targetId}", params),
      );
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(lorebookKeys.detail(book.id), updated);
      void queryClient.invalidateQueries({ queryKey: lorebookKeys.list() });
    },
  });
  const nameOf = (kind: string, id: string) =>
    (kind === "persona"
      ? personas.data?.find((persona) => persona.id === id)?.name
      : kind === "user_persona"
        ? userPersonas.data?.find((persona) => persona.id === id)?.name
        : conversations.data?.find((conversation) => conversation.id === id)?.title) ?? id;
  const attach = (kind: Kind, id: string) => id && change.mutate({ kind, id, attach: true });

  return (
    <section className="card lorebook-attachments" aria-labelledby="lorebook-attachments-heading">
      <h2 id="lorebook-attachments-heading">Attached to</h2>
      {book.attachments.length === 0 ? (
        <p className="muted">Nothing yet: attach the book so replies scan it.</p>
      ) : (
        <ul className="lorebook-attachment-list">
          {book.attachments.map((attachment) => (
            <li key={`${attachment.kind}-${attachment.target_id}`}>
              {KIND_LABELS[attachment.kind]}: <strong>{nameOf(attachment.kind, attachment.target_id)}</strong>{" "}
              <button
                type="button"
                className="button-small"
                disabled={change.isPending}
                onClick={() =>
                  change.mutate({ kind: attachment.kind, id: attachment.target_id, attach: false })
                }
              >
                Detach
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="lorebook-grid">
        <div className="field">
          <label htmlFor="lorebook-attach-persona">Attach to a persona</label>
          <div className="button-row">
            <select
              id="lorebook-attach-persona"
              value={personaId}
              onChange={(event) => setPersonaId(event.target.value)}
            >
              <option value="">Choose a persona…</option>
              {personas.data
                ?.filter((persona) => persona.kind === "persona")
                .map((persona) => (
                  <option key={persona.id} value={persona.id}>
                    {persona.name}
                  </option>
                ))}
            </select>
            <button
              type="button"
              disabled={!personaId || change.isPending}
              onClick={() => attach("persona", personaId)}
            >
              Attach to persona
            </button>
          </div>
        </div>
        <div className="field">
          <label htmlFor="lorebook-attach-user-persona">Attach to your user persona</label>
          <div className="button-row">
            <select
              id="lorebook-attach-user-persona"
              value={userPersonaId}
              onChange={(event) => setUserPersonaId(event.target.value)}
            >
              <option value="">Choose a user persona…</option>
              {userPersonas.data?.map((persona) => (
                <option key={persona.id} value={persona.id}>
                  {persona.name}
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={!userPersonaId || change.isPending}
              onClick={() => attach("user_persona", userPersonaId)}
            >
              Attach to user persona
            </button>
          </div>
        </div>
        <div className="field">
          <label htmlFor="lorebook-attach-conversation">Attach to one of your conversations</label>
          <div className="button-row">
            <select
              id="lorebook-attach-conversation"
              value={conversationId}
              onChange={(event) => setConversationId(event.target.value)}
            >
              <option value="">Choose a conversation…</option>
              {conversations.data?.map((conversation) => (
                <option key={conversation.id} value={conversation.id}>
                  {conversation.title}
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={!conversationId || change.isPending}
              onClick={() => attach("conversation", conversationId)}
            >
              Attach to conversation
            </button>
          </div>
        </div>
      </div>
      <ErrorNotice error={change.error} />
    </section>
  );
}
