import { useId, useRef, useState } from "react";
import { navigate } from "../lib/router.tsx";
import { ErrorNotice, Notice } from "./notice.tsx";
import type { Schema } from "../lib/api.ts";
import { importConversation } from "./chat-archive-requests.ts";

type PersonaSummary = Schema<"Persona">;

/**
 * "Import chat": a SillyTavern chat (.jsonl, whose character is named only, so the user picks the persona)
 * or a Dramatis export (.json, which names its persona; a persona chosen here overrides it). Opens the
 * new conversation.
 */
export function ChatConversationImport({
  personas,
  onImported,
  onClose,
}: {
  personas: PersonaSummary[] | undefined;
  onImported: () => void;
  onClose: () => void;
}) {
  const fileId = useId();
  const personaId = useId();
  const file = useRef<HTMLInputElement>(null);
  const [persona, setPersona] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [warnings, setWarnings] = useState<string[]>([]);

  async function submit() {
    const chosen = file.current?.files?.[0];
    if (!chosen || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await importConversation(chosen, persona || undefined);
      setWarnings(result.warnings);
      onImported();
      navigate(`/chat/${encodeURIComponent(result.conversation.id)}`);
      if (result.warnings.length === 0) onClose();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="card chat-import"
      aria-label="Import a chat"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label htmlFor={fileId}>Chat file (SillyTavern .jsonl or Dramatis .json)</label>
      <input
        id={fileId}
        ref={file}
        type="file"
        accept=".jsonl,.json,application/json,application/jsonl"
        required
      />
      <label htmlFor={personaId}>Persona</label>
      <select id={personaId} value={persona} onChange={(event) => setPersona(event.target.value)}>
        <option value="">As named in the file (Dramatis exports)</option>
        {(personas ?? []).map((summary) => (
          <option key={summary.id} value={summary.id}>
            {summary.name}
          </option>
        ))}
      </select>
      <ErrorNotice error={error} />
      {warnings.length > 0 && (
        <Notice kind="warning">
          <ul>
            {warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </Notice>
      )}
      <div className="button-row">
        <button type="submit" className="button-primary button-small" disabled={busy}>
          {busy ? "Importing…" : "Import"}
        </button>
        <button type="button" className="button-small" onClick={onClose} disabled={busy}>
          Close
        </button>
      </div>
    </form>
  );
}
