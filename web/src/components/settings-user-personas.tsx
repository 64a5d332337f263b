import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { client, unwrap } from "../lib/api.ts";
import { userPersonaKeys } from "../lib/query-keys-personas.ts";
import { ErrorNotice, Loading } from "./notice.tsx";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { SettingsUserPersonaForm, type UserPersona } from "./settings-user-persona-form.tsx";

/**
 * The identities you bring into conversations: list, create, edit, delete, and which one is active
 * (used whenever a conversation names none).
 */
/** Settings lists this many; past it, it says so. */
const FIRST_PAGE = 200;

export function SettingsUserPersonas() {
  const queryClient = useQueryClient();
  const personas = useQuery({
    queryKey: userPersonaKeys.firstPage(),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/user-personas", { params: { query: { limit: FIRST_PAGE } }, signal })),
  });
  const [editing, setEditing] = useState<UserPersona | "new" | undefined>();
  const [deleting, setDeleting] = useState<UserPersona | undefined>();
  // Chat's "Speaking as" lists them too: every change refreshes both.
  const personasChanged = () => queryClient.invalidateQueries({ queryKey: userPersonaKeys.all });
  const activation = useMutation({
    mutationFn: async (persona: UserPersona | undefined) => {
      if (persona)
        await unwrap(client.PUT("/v1/user-personas/active/{id}", { params: { path: { id: persona.id } } }));
      else await unwrap(client.DELETE("/v1/user-personas/active"));
    },
    onSettled: personasChanged,
  });
  const activate = (persona: UserPersona | undefined) => activation.mutate(persona);
  const list = personas.data?.data ?? [];
  const active = list.find((persona) => persona.is_active);

  return (
    <section aria-labelledby="user-personas-heading">
      <div className="settings-section-header">
        <h2 id="user-personas-heading">User personas</h2>
        {editing === undefined && (
          <button type="button" className="button-primary" onClick={() => setEditing("new")}>
            New user persona
          </button>
        )}
      </div>
      <p className="muted settings-intro">
        A user persona is who <em>you</em> are in a conversation: “Elena, a space pirate with a grudge against
        the Trade Federation” instead of a nameless user. Characters receive its name and description. Memory
        stays tied to your account, whichever persona you use.
      </p>
      <p className="settings-active" role="status">
        Active: <strong>{active ? active.name : "No persona"}</strong>
        {active && (
          <button
            type="button"
            className="button-link"
            onClick={() => activate(undefined)}
            disabled={activation.isPending}
          >
            Switch to No persona
          </button>
        )}
      </p>
      <ErrorNotice error={activation.error} />
      {editing !== undefined && (
        <SettingsUserPersonaForm
          persona={editing === "new" ? undefined : editing}
          onSaved={() => setEditing(undefined)}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <ErrorNotice error={personas.error} />
      {personas.isPending && <Loading label="Loading user personas…" />}
      {personas.data && list.length === 0 && editing === undefined && (
        <div className="card settings-empty">
          <p>You have no user personas yet: you chat as yourself.</p>
        </div>
      )}
      <ul className="settings-list">
        {list.map((persona) => (
          <li
            key={persona.id}
            className={`card settings-item${persona.is_active ? " settings-item-active" : ""}`}
          >
            <div className="settings-item-header">
              <h3 id={`user-persona-${persona.id}`}>{persona.name}</h3>
              {persona.is_active && <span className="badge badge-accent">Active</span>}
            </div>
            <p className="settings-description">
              {persona.description || <span className="muted">No description.</span>}
            </p>
            <div className="button-row">
              {!persona.is_active && (
                <button
                  type="button"
                  className="button-small"
                  onClick={() => activate(persona)}
                  disabled={activation.isPending}
                  aria-describedby={`user-persona-${persona.id}`}
                >
                  Make active
                </button>
              )}
              <button
                type="button"
                className="button-small"
                onClick={() => setEditing(persona)}
                aria-describedby={`user-persona-${persona.id}`}
              >
                Edit
              </button>
              <button
                type="button"
                className="button-small button-danger"
                onClick={() => setDeleting(persona)}
                aria-describedby={`user-persona-${persona.id}`}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
      {personas.data?.next_cursor && <p className="muted">Showing the first {FIRST_PAGE} user personas.</p>}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete the user persona “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete user persona"
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          if (!deleting) return;
          await unwrap(client.DELETE("/v1/user-personas/{id}", { params: { path: { id: deleting.id } } }));
          if (editing !== undefined && editing !== "new" && editing.id === deleting.id) setEditing(undefined);
          await personasChanged();
        }}
      >
        <p>
          Conversations that used it keep their messages.
          {deleting?.is_active &&
            " It is your active persona: you will chat as yourself (No persona) until you pick another."}
        </p>
      </ConfirmDialog>
    </section>
  );
}
