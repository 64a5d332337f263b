import { useState } from "react";
import { api } from "../lib/api.ts";
import { useResource } from "../lib/use-resource.ts";
import { ErrorNotice, Loading } from "./notice.tsx";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { useAction } from "./settings-use-action.tsx";
import { SettingsUserPersonaForm, type UserPersona } from "./settings-user-persona-form.tsx";

/**
 * The identities you bring into conversations: list, create, edit, delete, and which one is active
 * (used whenever a conversation names none).
 */
export function SettingsUserPersonas() {
  const [generation, setGeneration] = useState(0);
  const personas = useResource(`user-personas:${generation}`, () =>
    api<{ data: UserPersona[]; next_cursor: string | null }>("GET", "/v1/user-personas?limit=200"),
  );
  const [editing, setEditing] = useState<UserPersona | "new" | undefined>();
  const [deleting, setDeleting] = useState<UserPersona | undefined>();
  const action = useAction();
  const reload = () => setGeneration((value) => value + 1);
  const list = personas.data?.data ?? [];
  const active = list.find((persona) => persona.is_active);

  const activate = (persona: UserPersona | undefined) =>
    action.run(async () => {
      if (persona) await api("PUT", `/v1/user-personas/active/${encodeURIComponent(persona.id)}`);
      else await api("DELETE", "/v1/user-personas/active");
      reload();
    });

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
            disabled={action.busy}
          >
            Switch to No persona
          </button>
        )}
      </p>
      <ErrorNotice error={action.error} />
      {editing !== undefined && (
        <SettingsUserPersonaForm
          persona={editing === "new" ? undefined : editing}
          onSaved={() => {
            setEditing(undefined);
            reload();
          }}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <ErrorNotice error={personas.error} />
      {personas.loading && !personas.data && <Loading label="Loading user personas…" />}
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
                  disabled={action.busy}
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
      {personas.data?.next_cursor && <p className="muted">Showing the first 200 user personas.</p>}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete the user persona “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete user persona"
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          if (!deleting) return;
          await api("DELETE", `/v1/user-personas/${encodeURIComponent(deleting.id)}`);
          if (editing !== undefined && editing !== "new" && editing.id === deleting.id) setEditing(undefined);
          reload();
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
