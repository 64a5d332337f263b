import { useState } from "react";
import { api, type Schema } from "../lib/api.ts";
import { navigate } from "../lib/router.tsx";
import { ErrorNotice } from "./notice.tsx";

type Persona = Schema<"Persona">;

/** Deletes the persona with all its versions, after a confirmation. */
export function PersonaDeleteButton({ persona }: { persona: Persona }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const remove = async () => {
    const confirmed = window.confirm(
      `Delete ${persona.name || "this persona"} with all its versions? This cannot be undone.`,
    );
    if (!confirmed) return;
    setBusy(true);
    setError(undefined);
    try {
      await api("DELETE", `/v1/personas/${encodeURIComponent(persona.id)}`);
      navigate("/personas", { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <section className="card persona-danger" aria-labelledby="persona-danger-heading">
      <h2 id="persona-danger-heading">Delete persona</h2>
      <p className="field-hint">Removes the persona, its draft and every published version.</p>
      <ErrorNotice error={error} />
      <button type="button" className="button-danger" disabled={busy} onClick={() => void remove()}>
        {busy ? "Deleting…" : "Delete persona"}
      </button>
    </section>
  );
}
