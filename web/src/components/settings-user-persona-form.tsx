import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { userPersonaKeys } from "../lib/query-keys-personas.ts";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";

export type UserPersona = Schema<"UserPersona">;

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
  const queryClient = useQueryClient();
  const headingId = persona ? `edit-user-persona-${persona.id}` : "new-user-persona";

  const save = useMutation({
    mutationFn: async () => {
      const saved = persona
        ? await unwrap(
            client.PATCH("/v1/user-personas/{id}", {
              params: { path: { id: persona.id } },
              body: changes(persona),
            }),
          )
        : await unwrap(
            client.POST("/v1/user-personas", {
              body: { name: name.trim(), description, avatar_url: avatarUrl.trim() || null },
            }),
          );
      if (makeActive)
        await unwrap(client.PUT("/v1/user-personas/active/{id}", { params: { path: { id: saved.id } } }));
      return saved;
    },
    onSuccess: (saved) => onSaved(saved),
    // Also after a failed activation: the persona itself was saved.
    onSettled: () => queryClient.invalidateQueries({ queryKey: userPersonaKeys.all }),
  });

  /** Only what changed, so an edit never overwrites a field it did not touch. */
  function changes(old: UserPersona): Schema<"UserPersonaPatch"> {
    const patch: Schema<"UserPersonaPatch"> = {};
    if (name !== old.name) patch.name = name.trim();
    if (description !== old.description) patch.description = description;
    if (avatarUrl !== (old.avatar_url ?? "")) patch.avatar_url = avatarUrl.trim() || null;
    return patch;
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby={headingId} noValidate>
      <h3 id={headingId}>{persona ? `Edit “${persona.name}”` : "New user persona"}</h3>
      <FormProblem error={save.error} fields={["name", "description", "avatar_url"]} />
      <SettingsField label="Name" hint="Up to 100 characters." error={fieldError(save.error, "name")}>
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
        error={fieldError(save.error, "description")}
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
        error={fieldError(save.error, "avatar_url")}
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
        <button type="submit" className="button-primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : persona ? "Save" : "Create user persona"}
        </button>
        <button type="button" onClick={onCancel} disabled={save.isPending}>
          Cancel
        </button>
      </div>
    </form>
  );
}
