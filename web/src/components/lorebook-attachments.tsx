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
        <AttachPicker
          id="lorebook-attach-persona"
          label="Attach to a persona"
          placeholder="Choose a persona…"
          button="Attach to persona"
          options={(personas.data ?? [])
            .filter((persona) => persona.kind === "persona")
            .map((persona) => ({ id: persona.id, name: persona.name }))}
          busy={change.isPending}
          onAttach={(id) => attach("persona", id)}
        />
        <AttachPicker
          id="lorebook-attach-user-persona"
          label="Attach to your user persona"
          placeholder="Choose a user persona…"
          button="Attach to user persona"
          options={(userPersonas.data ?? []).map((persona) => ({ id: persona.id, name: persona.name }))}
          busy={change.isPending}
          onAttach={(id) => attach("user_persona", id)}
        />
        <AttachPicker
          id="lorebook-attach-conversation"
          label="Attach to one of your conversations"
          placeholder="Choose a conversation…"
          button="Attach to conversation"
          options={(conversations.data ?? []).map((conversation) => ({
            id: conversation.id,
            name: conversation.title,
          }))}
          busy={change.isPending}
          onAttach={(id) => attach("conversation", id)}
        />
      </div>
      <ErrorNotice error={change.error} />
    </section>
  );
}

/** One kind of target: a select of the candidates and the button that attaches the book to the one chosen. */
function AttachPicker(props: {
  id: string;
  label: string;
  placeholder: string;
  button: string;
  options: { id: string; name: string }[];
  busy: boolean;
  onAttach: (id: string) => void;
}) {
  const [chosen, setChosen] = useState("");
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <div className="button-row">
        <select id={props.id} value={chosen} onChange={(event) => setChosen(event.target.value)}>
          <option value="">{props.placeholder}</option>
          {props.options.map((option) => (
            <option key={option.id} value={option.id}>
              {option.name}
            </option>
          ))}
        </select>
        <button type="button" disabled={!chosen || props.busy} onClick={() => props.onAttach(chosen)}>
          {props.button}
        </button>
      </div>
    </div>
  );
}
