import { useState, type FormEvent } from "react";
import { api } from "../lib/api.ts";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";

export interface UserPersona {
  id: string;
  name: string;
  description: string;
  avatar_url: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

/** Creates a user persona, or edits one (sending only what changed). */
export function SettingsUserPersonaForm({
  persona,
  onSaved,
  onCancel,
}: {
  persona: UserPersona | undefined;
  onSaved: (persona: UserPersona) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(persona?.name ?? "");
  const [description, setDescription] = useState(persona?.description ?? "");
  const [avatarUrl, setAvatarUrl] = useState(persona?.avatar_url ?? "");
  const [makeActive, setMakeActive] = useState(false);
  const action = useAction();
  const headingId = persona ? `edit-user-persona-${persona.id}` : "new-user-persona";

  async function submit(event: FormEvent) {
    event.preventDefault();
    await action.run(async () => {
      const body: Record<string, unknown> = {};
      if (!persona || name !== persona.name) body.name = name.trim();
      if (!persona || description !== persona.description) body.description = description;
      if (!persona || avatarUrl !== (persona.avatar_url ?? "")) body.avatar_url = avatarUrl.trim() || null;
      const saved = persona
        ? await api<UserPersona>("PATCH", `/v1/user-personas/${encodeURIComponent(persona.id)}`, { body })
        : await api<UserPersona>("POST", "/v1/user-personas", { body });
      if (makeActive) await api("PUT", `/v1/user-personas/active/${encodeURIComponent(saved.id)}`);
      onSaved(saved);
    });
  }

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>{persona ? `Edit “${persona.name}”` : "New user persona"}</h3>
      <FormProblem error={action.error} fields={["name", "description", "avatar_url"]} />
      <SettingsField label="Name" hint="Up to 100 characters." error={fieldError(action.error, "name")}>
        {(control) => (
          <input
            {...control}
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={100}
            autoFocus
          />
        )}
      </SettingsField>
      <SettingsField
        label="Description"
        hint="Who you are to the character: be specific but brief. “A nervous first-year wizard at an academy for magical arts” says more than “a student”."
        error={fieldError(action.error, "description")}
      >
        {(control) => (
          <textarea
            {...control}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            maxLength={4000}
            rows={4}
          />
        )}
      </SettingsField>
      <SettingsField
        label="Avatar URL (optional)"
        hint="A link to a picture of this persona, for apps that show one."
        error={fieldError(action.error, "avatar_url")}
      >
        {(control) => (
          <input
            {...control}
            type="url"
            value={avatarUrl}
            onChange={(event) => setAvatarUrl(event.target.value)}
            spellCheck={false}
          />
        )}
      </SettingsField>
      {!persona?.is_active && (
        <label className="field field-inline">
          <input
            type="checkbox"
            checked={makeActive}
            onChange={(event) => setMakeActive(event.target.checked)}
          />
          Make it my active persona
        </label>
      )}
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy}>
          {action.busy ? "Saving…" : persona ? "Save" : "Create user persona"}
        </button>
        <button type="button" onClick={onCancel} disabled={action.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
