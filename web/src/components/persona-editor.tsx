import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { CallButton, callLocalesOf } from "./call-button.tsx";
import { CallHistory } from "./call-history.tsx";
import { ApiError, client, unwrap, type Schema } from "../lib/api.ts";
import { Link, navigate } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import { ErrorNotice, Notice } from "./notice.tsx";
import { PersonaAvatarEditor } from "./persona-avatar-editor.tsx";
import { PersonaAvatarGenerator } from "./persona-avatar-generator.tsx";
import { PersonaBuilderForm } from "./persona-builder-form.tsx";
import { usePersonaChanged } from "./persona-cache.ts";
import { PersonaDeleteButton } from "./persona-delete-button.tsx";
import { PersonaFormContext, type PersonaFormValue } from "./persona-form-context.tsx";
import { DEFAULT_DEFINITION, definitionOf, setIn } from "./persona-form-values.ts";
import { PersonaChannels } from "./persona-channels.tsx";
import { PersonaSharing } from "./persona-sharing.tsx";
import { PersonaApiAccess } from "./persona-api-access.tsx";
import { PersonaAssets } from "./persona-assets.tsx";
import { PersonaLorebooks } from "./persona-lorebooks.tsx";
import { PersonaStatusBadges } from "./persona-status-badges.tsx";
import { PersonaVersionHistory } from "./persona-version-history.tsx";

type Persona = Schema<"Persona">;
type PersonaDefinition = Schema<"PersonaDefinition">;
type PersonaVisibility = Schema<"Persona">["visibility"];

type Busy = "save" | "publish" | "copy" | undefined;

function withoutFieldErrors(error: ApiError, path: string): ApiError | undefined {
  const remaining = error.errors.filter((item) => {
    const field = item.field.replace(/^definition\./, "");
    return field !== path && !field.startsWith(`${path}.`);
  });
  if (remaining.length === error.errors.length) return error;
  if (remaining.length === 0) return undefined;
  const detail = remaining.map((item) => `${item.field}: ${item.message}`).join("; ");
  return new ApiError(error.status, error.title, detail, remaining);
}

/**
 * The persona studio for one persona (or a new one): the whole definition as a form, Save draft (POST
 * for a new persona, then PATCH), Publish, the picture, sharing and version history.
 * `onCreated` hands a newly created persona to the page, which moves to its URL.
 */
export function PersonaEditor({
  initial,
  onCreated,
}: {
  initial: Persona | undefined;
  onCreated: (persona: Persona) => void;
}) {
  const [persona, setPersona] = useState<Persona | undefined>(initial);
  const [definition, setDefinition] = useState<PersonaDefinition>(() =>
    initial ? definitionOf(initial) : structuredClone(DEFAULT_DEFINITION),
  );
  const [saved, setSaved] = useState(() =>
    JSON.stringify(initial ? definitionOf(initial) : DEFAULT_DEFINITION),
  );
  const [busy, setBusy] = useState<Busy>(undefined);
  const [error, setErrorState] = useState<unknown>(undefined);
  const [failures, setFailures] = useState(0);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  // Who sees it: a column beside the definition, saved with the draft (PATCH only by someone who may edit).
  const [visibility, setVisibility] = useState<PersonaVisibility>(initial?.visibility ?? "tenant");

  /** Shows an error; a new failure (not an edit clearing part of one) also reopens sections with errors. */
  const setError = useCallback((next: unknown | ((current: unknown) => unknown)) => {
    if (typeof next === "function") {
      setErrorState(next as (current: unknown) => unknown);
      return;
    }
    setErrorState(next);
    if (next !== undefined) setFailures((count) => count + 1);
  }, []);

  const { session } = useSession();
  const personaChanged = usePersonaChanged();
  const preset = persona?.kind === "preset";
  // Another member's persona is shared for reading and chatting; only its creator, admins and members an
  // admin granted can_edit_all change it (the server refuses the rest with 403).
  const notMine =
    persona !== undefined &&
    !preset &&
    session.account.role !== "admin" &&
    !session.account.can_edit_all &&
    persona.created_by_user_id !== session.account.user_id;
  const readOnly = preset || notMine;
  const dirty = JSON.stringify(definition) !== saved || visibility !== (persona?.visibility ?? "tenant");
  const invalidPaths = Object.keys(invalid);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const setField = useCallback(
    (path: string, value: unknown) => {
      setDefinition((current) => setIn(current, path, value));
      setMessage(undefined);
      // An edited field's server message no longer applies.
      setError((current: unknown) =>
        current instanceof ApiError ? withoutFieldErrors(current, path) : current,
      );
    },
    [setError],
  );

  const reportInvalid = useCallback((path: string, problem: string | undefined) => {
    setInvalid((current) => {
      if (current[path] === problem) return current;
      const next = { ...current };
      if (problem === undefined) delete next[path];
      else next[path] = problem;
      return next;
    });
  }, []);

  const apiError = error instanceof ApiError ? error : undefined;
  const formValue = useMemo<PersonaFormValue>(
    () => ({
      definition,
      setField,
      error: apiError,
      disabled: busy !== undefined || readOnly,
      reportInvalid,
    }),
    [definition, setField, apiError, busy, readOnly, reportInvalid],
  );

  /** Adopts the server's copy, unless the user typed while the request ran. */
  const adopt = (next: Persona, sent: PersonaDefinition) => {
    personaChanged(next);
    setPersona(next);
    setVisibility(next.visibility);
    const fromServer = definitionOf(next);
    setSaved(JSON.stringify(fromServer));
    setDefinition((current) => (JSON.stringify(current) === JSON.stringify(sent) ? fromServer : current));
  };

  /** Saves the draft; returns the saved persona, or undefined when saving failed (the error is shown). */
  const save = async (): Promise<Persona | undefined> => {
    if (invalidPaths.length > 0) {
      setError(new Error(`Fix the highlighted fields first (${invalidPaths.join(", ")}).`));
      return undefined;
    }
    const sent = definition;
    try {
      if (!persona) {
        const created = await unwrap(client.POST("/v1/personas", { body: { ...sent, visibility } }));
        adopt(created, sent);
        onCreated(created);
        return created;
      }
      if (!dirty) return persona;
      const updated = await unwrap(
        client.PATCH("/v1/personas/{id}", {
          params: { path: { id: persona.id } },
          body: { ...sent, visibility },
        }),
      );
      adopt(updated, sent);
      return updated;
    } catch (failure) {
      setError(failure);
      return undefined;
    }
  };

  /** Save draft (the button, or before something that reads the saved draft); false when it failed. */
  const saveDraft = async (event?: FormEvent): Promise<boolean> => {
    event?.preventDefault();
    setBusy("save");
    setError(undefined);
    setMessage(undefined);
    const result = await save();
    if (result)
      setMessage(
        persona ? "Draft saved." : "Persona created. The draft is saved; publish it when it is ready.",
      );
    setBusy(undefined);
    return result !== undefined;
  };

  const publish = async () => {
    setBusy("publish");
    setError(undefined);
    setMessage(undefined);
    const current = await save();
    if (current) {
      try {
        const published = await unwrap(
          client.POST("/v1/personas/{id}/publish", { params: { path: { id: current.id } } }),
        );
        personaChanged(published.persona);
        setPersona(published.persona);
        setMessage(`Published version ${published.version.version}. It is now production.`);
      } catch (failure) {
        setError(failure);
      }
    }
    setBusy(undefined);
  };

  const copyPreset = async () => {
    if (!persona) return;
    setBusy("copy");
    setError(undefined);
    try {
      const copy = await unwrap(client.POST("/v1/personas/join", { body: { code: persona.join_code } }));
      personaChanged(copy);
      navigate(`/personas/${encodeURIComponent(copy.id)}`);
    } catch (failure) {
      setError(failure);
      setBusy(undefined);
    }
  };

  const encoded = persona ? encodeURIComponent(persona.id) : "";
  const title = persona ? persona.name || "Untitled persona" : "New persona";

  return (
    <PersonaFormContext.Provider value={formValue}>
      <section className="page persona-builder">
        <p className="persona-breadcrumb">
          <Link to="/personas">← Personas</Link>
        </p>
        <div className="page-header">
          <div className="persona-builder-title">
            <h1>{title}</h1>
            <span className="persona-badges">
              {persona ? (
                <PersonaStatusBadges persona={persona} />
              ) : (
                <span className="badge">Not saved yet</span>
              )}
              {dirty && !readOnly && <span className="badge badge-warning">Unsaved changes</span>}
            </span>
          </div>
        </div>
        {notMine && (
          <Notice kind="info">
            Another member created this persona: you can read it and chat with it. Only they or an admin can
            change it, unless an admin lets you edit every persona (Settings → Accounts).
          </Notice>
        )}
        {preset && (
          <Notice kind="info">
            This is a preset: it is shared by everyone and read-only. Copy it to make your own version.{" "}
            <button
              type="button"
              className="button-small"
              disabled={busy === "copy"}
              onClick={() => void copyPreset()}
            >
              Copy to my personas
            </button>
          </Notice>
        )}
        <form className="persona-builder-body" noValidate onSubmit={(event) => void saveDraft(event)}>
          <div className="persona-action-bar" role="group" aria-label="Persona actions">
            {!readOnly && (
              <>
                <button type="submit" className="button-primary" disabled={busy !== undefined}>
                  {busy === "save" ? "Saving…" : "Save draft"}
                </button>
                <button type="button" disabled={busy !== undefined} onClick={() => void publish()}>
                  {busy === "publish" ? "Publishing…" : "Publish"}
                </button>
              </>
            )}
            {persona ? (
              <>
                <Link className="button" to={`/chat?persona=${encoded}`}>
                  Chat with this persona
                </Link>
                <CallButton
                  personaId={persona.id}
                  personaName={persona.name}
                  locales={callLocalesOf(persona)}
                />
                <Link className="button" to={`/personas/${encoded}/memory`}>
                  Memory
                </Link>
              </>
            ) : (
              <>
                <button type="button" disabled title="Save the persona first">
                  Chat with this persona
                </button>
                <button type="button" disabled title="Save the persona first">
                  Memory
                </button>
              </>
            )}
          </div>
          {!preset && (
            <div className="field persona-visibility">
              <label htmlFor="persona-visibility">Who sees it</label>
              <select
                id="persona-visibility"
                value={visibility}
                disabled={busy !== undefined || readOnly}
                onChange={(event) => setVisibility(event.target.value as PersonaVisibility)}
              >
                <option value="tenant">Shared with the tenant</option>
                <option value="private">Private (only you)</option>
              </select>
              <p className="field-hint">
                A private persona is seen only by you, admins and members allowed to edit every persona.
              </p>
            </div>
          )}
          <div aria-live="polite">{message && <Notice kind="success">{message}</Notice>}</div>
          <ErrorNotice error={error} />
          <PersonaBuilderForm
            error={apiError}
            failures={failures}
            invalidPaths={invalidPaths}
            savedNsfw={persona?.modifiers.nsfw ?? false}
            avatar={
              persona ? (
                <PersonaAvatarEditor
                  personaId={persona.id}
                  name={definition.name}
                  disabled={readOnly}
                  dirty={dirty}
                  onSaveFirst={saveDraft}
                />
              ) : (
                <div className="persona-avatar-editor">
                  <p className="field-hint">
                    Save the persona to upload a picture; until then it gets a generated one.
                  </p>
                  <PersonaAvatarGenerator
                    personaId={undefined}
                    disabled
                    dirty={dirty}
                    onSaveFirst={saveDraft}
                    onSaved={() => undefined}
                  />
                </div>
              )
            }
          />
        </form>
        {persona && (
          <div className="persona-builder-extras">
            <PersonaVersionHistory persona={persona} readOnly={readOnly} onPersonaChanged={setPersona} />
            <CallHistory personaId={persona.id} personaName={persona.name} />
            <PersonaAssets personaId={persona.id} readOnly={readOnly} />
            <PersonaSharing persona={persona} />
            <PersonaLorebooks persona={persona} />
            <PersonaApiAccess persona={persona} />
            {!readOnly && <PersonaChannels persona={persona} />}
            {!readOnly && <PersonaDeleteButton persona={persona} />}
          </div>
        )}
      </section>
    </PersonaFormContext.Provider>
  );
}
