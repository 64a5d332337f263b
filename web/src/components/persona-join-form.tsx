import { useId, useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { ErrorNotice } from "./notice.tsx";

type Persona = Schema<"Persona">;

/** "Join by code": copies the persona with that join code (from anyone, or a preset) into this account. */
export function PersonaJoinForm({ onJoined }: { onJoined: (persona: Persona) => void }) {
  const inputId = useId();
  const errorId = useId();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const queryClient = useQueryClient();

  const fieldError = error instanceof ApiError ? error.fieldMessage("code") : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!code.trim()) {
      setError(new ApiError(422, "Unprocessable Content", "", [{ field: "code", message: "enter a code" }]));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const persona = await unwrap(client.POST("/v1/personas/join", { body: { code: code.trim() } }));
      void queryClient.invalidateQueries({ queryKey: personaKeys.lists() });
      setCode("");
      onJoined(persona);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card persona-tool" aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`}>Join by code</h2>
      <p className="field-hint">
        A join code copies someone's persona into your library. The copy is yours to edit.
      </p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div className="field">
          <label htmlFor={inputId}>Join code</label>
          <div className="persona-inline-form">
            <input
              id={inputId}
              value={code}
              autoComplete="off"
              spellCheck={false}
              placeholder="K7QF3XPM"
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? errorId : undefined}
              onChange={(event) => setCode(event.target.value)}
            />
            <button type="submit" className="button-primary" disabled={busy}>
              {busy ? "Joining…" : "Join"}
            </button>
          </div>
          {fieldError && (
            <span id={errorId} className="field-error">
              {fieldError}
            </span>
          )}
        </div>
      </form>
      {!fieldError && <ErrorNotice error={error} />}
    </section>
  );
}
