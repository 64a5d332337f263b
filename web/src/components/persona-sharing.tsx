import { useId, useState } from "react";
import { PersonaExportButtons } from "./persona-export-buttons.tsx";
import type { Schema } from "../lib/api.ts";

type Persona = Schema<"Persona">;

/**
 * Sharing: the join code (anyone entering it in "Join by code" gets an independent copy of the
 * production version, or the draft while nothing is published) and Character Card export.
 */
export function PersonaSharing({ persona }: { persona: Persona }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const [format, setFormat] = useState<"card_v2" | "card_v3">("card_v2");
  const [version, setVersion] = useState<"draft" | "production">("draft");

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(persona.join_code);
      setCopied(true);
      setTimeout(() => setCopied(false), 2500);
    } catch {
      // Clipboard access needs a secure context; the code stays selectable on screen.
      setCopied(false);
    }
  };

  return (
    <section className="card persona-sharing" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Sharing</h2>
      <p className="field-hint" id={`${id}-hint`}>
        Anyone with this join code can copy this persona (its production version, or the draft while nothing
        is published). Copies are independent of yours.
      </p>
      <div className="persona-join-code">
        <span className="muted">Join code</span>
        <code aria-describedby={`${id}-hint`}>{persona.join_code}</code>
        <button type="button" className="button-small" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy join code"}
        </button>
      </div>
      <h3>Export as a Character Card</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-format`}>Card format</label>
          <select
            id={`${id}-format`}
            value={format}
            onChange={(event) => setFormat(event.target.value as "card_v2" | "card_v3")}
          >
            <option value="card_v2">Character Card V2</option>
            <option value="card_v3">Character Card V3</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-version`}>Export</label>
          <select
            id={`${id}-version`}
            value={version}
            onChange={(event) => setVersion(event.target.value as "draft" | "production")}
          >
            <option value="draft">The saved draft</option>
            <option value="production">The production version</option>
          </select>
        </div>
      </div>
      <PersonaExportButtons
        personaId={persona.id}
        personaName={persona.name}
        format={format}
        version={version}
      />
    </section>
  );
}
