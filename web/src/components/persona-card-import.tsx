import { useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type DragEvent } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { Link } from "../lib/router.tsx";
import { ErrorNotice, Notice } from "./notice.tsx";

type Persona = Schema<"Persona">;

type CardImport = Schema<"CardImport">;

const ACCEPTED = ".png,.json,.charx,image/png,application/json,application/zip";

/**
 * "Import a Character Card": drop a PNG, JSON or CHARX card on the zone, or choose one; the server reads V1,
 * V2 and V3 cards (POST /v1/personas/import as multipart with the file in `file`).
 */
export function PersonaCardImport({ onImported }: { onImported?: (persona: Persona) => void }) {
  const inputId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<CardImport | undefined>(undefined);
  const queryClient = useQueryClient();

  const importFile = async (file: File) => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const form = new FormData();
      form.append("file", file, file.name);
      // The typed body is the JSON card; a file goes as multipart instead, which openapi-fetch sends as
      // is (the browser writes the boundary into the content type).
      const body = form as unknown as Schema<"CharacterCard">;
      const imported = await unwrap(client.POST("/v1/personas/import", { body }));
      await queryClient.invalidateQueries({ queryKey: personaKeys.lists() });
      setResult(imported);
      onImported?.(imported.persona);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) void importFile(file);
  };

  return (
    <section className="card persona-tool" aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`}>Import a Character Card</h2>
      <div
        className={dragging ? "persona-drop-zone persona-drop-zone-active" : "persona-drop-zone"}
        data-testid="card-drop-zone"
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => event.preventDefault()}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p id={hintId}>Drop a PNG, JSON or CHARX card here (Character Card V1, V2 or V3), or</p>
        <input
          ref={input}
          id={inputId}
          className="visually-hidden persona-file-input"
          type="file"
          accept={ACCEPTED}
          aria-describedby={hintId}
          disabled={busy}
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void importFile(file);
          }}
        />
        <label htmlFor={inputId} className="button button-small">
          Choose a card file
        </label>
        {busy && <p role="status">Importing…</p>}
      </div>
      <ErrorNotice error={error} />
      {result && (
        <Notice kind="success">
          Imported <strong>{result.persona.name}</strong> from a {result.format === "card_v3" ? "V3" : "V2"}{" "}
          card. <Link to={`/personas/${encodeURIComponent(result.persona.id)}`}>Open it in the builder</Link>
          {result.warnings.length > 0 && (
            <ul aria-label="Import warnings">
              {result.warnings.map((warning) => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          )}
        </Notice>
      )}
    </section>
  );
}
