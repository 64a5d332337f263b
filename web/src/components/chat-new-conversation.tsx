import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, type Schema } from "../lib/api.ts";
import { Link, navigate } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "./notice.tsx";
import { createConversation } from "./chat-loaders.ts";

type PersonaSummary = Schema<"Persona">;

/** "Start a new conversation": pick one of the personas (or a preset) and open a conversation with it. */
export function ChatNewConversation({
  personas,
  personasError,
  focusRequest,
  onCreated,
}: {
  personas: PersonaSummary[] | undefined;
  personasError: Error | undefined;
  /** Changes when "New conversation" is pressed, to bring the picker into view and focus it. */
  focusRequest: number;
  onCreated: () => void;
}) {
  const [personaId, setPersonaId] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const selectRef = useRef<HTMLSelectElement>(null);

  // Focus the picker when asked, as soon as it is there (the personas may still be loading).
  const focusHandled = useRef(0);
  useEffect(() => {
    if (focusRequest === focusHandled.current || !selectRef.current) return;
    focusHandled.current = focusRequest;
    selectRef.current.scrollIntoView({ block: "center" });
    selectRef.current.focus();
  });

  const own = personas?.filter((persona) => persona.kind === "persona") ?? [];
  const presets = personas?.filter((persona) => persona.kind === "preset") ?? [];
  const chosen = personaId || own[0]?.id || presets[0]?.id || "";

  async function start(event: FormEvent) {
    event.preventDefault();
    if (!chosen || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const conversation = await createConversation(chosen);
      onCreated();
      navigate(`/chat/${encodeURIComponent(conversation.id)}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const fieldError = error instanceof ApiError ? error.fieldMessage("persona_id") : undefined;
  return (
    <section className="card chat-new" aria-labelledby="chat-new-heading">
      <h2 id="chat-new-heading">Start a new conversation</h2>
      <ErrorNotice error={personasError} />
      {!personas && !personasError && <Loading label="Loading personas…" />}
      {personas && personas.length === 0 && (
        <p>
          You have no personas yet. <Link to="/personas/new">Create a persona</Link> to chat with it.
        </p>
      )}
      {personas && personas.length > 0 && (
        <form onSubmit={start}>
          <div className="field">
            <label htmlFor="chat-new-persona">Persona</label>
            <select
              id="chat-new-persona"
              ref={selectRef}
              value={chosen}
              onChange={(event) => setPersonaId(event.target.value)}
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? "chat-new-persona-error" : undefined}
            >
              {own.length > 0 && (
                <optgroup label="Your personas">
                  {own.map((persona) => (
                    <option key={persona.id} value={persona.id}>
                      {persona.name}
                    </option>
                  ))}
                </optgroup>
              )}
              {presets.length > 0 && (
                <optgroup label="Presets">
                  {presets.map((persona) => (
                    <option key={persona.id} value={persona.id}>
                      {persona.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
            {fieldError && (
              <span id="chat-new-persona-error" className="field-error">
                {fieldError}
              </span>
            )}
            <span className="field-hint">The conversation opens with the persona&apos;s greeting.</span>
          </div>
          {error !== undefined && !fieldError && <ErrorNotice error={error} />}
          <button type="submit" className="button-primary" disabled={busy || !chosen}>
            {busy ? "Starting…" : "Start conversation"}
          </button>
        </form>
      )}
    </section>
  );
}
