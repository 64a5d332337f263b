import { useState } from "react";
import { apiFetch, query } from "../lib/api.ts";
import { ErrorNotice } from "./notice.tsx";

type ExportKind = "json" | "png";

function fileNameFrom(response: Response, fallback: string): string {
  const disposition = response.headers.get("content-disposition") ?? "";
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  return match?.[1] ?? fallback;
}

/** Fetches with the session (and its errors) and hands the answer to the browser as a download. */
async function download(path: string, fallbackName: string): Promise<void> {
  const response = await apiFetch("GET", path);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = fileNameFrom(response, fallbackName);
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * "Export card (JSON)" and "Export card (PNG)": the persona as a Character Card V2 file (or V3 when
 * `format` says so), of its draft unless `version` names another.
 */
export function PersonaExportButtons({
  personaId,
  personaName,
  format = "card_v2",
  version,
}: {
  personaId: string;
  personaName: string;
  format?: "card_v2" | "card_v3";
  version?: "production" | "draft" | number;
}) {
  const [busy, setBusy] = useState<ExportKind | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  const exportAs = async (kind: ExportKind) => {
    setBusy(kind);
    setError(undefined);
    try {
      const path = `/v1/personas/${encodeURIComponent(personaId)}/export${query({ format, as: kind, version })}`;
      await download(path, `${personaName || "persona"}.${kind}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <span className="button-row">
        <button
          type="button"
          className="button-small"
          disabled={busy !== undefined}
          aria-label={`Export ${personaName} as a Character Card (JSON)`}
          onClick={() => void exportAs("json")}
        >
          {busy === "json" ? "Exporting…" : "Export JSON"}
        </button>
        <button
          type="button"
          className="button-small"
          disabled={busy !== undefined}
          aria-label={`Export ${personaName} as a Character Card (PNG)`}
          onClick={() => void exportAs("png")}
        >
          {busy === "png" ? "Exporting…" : "Export PNG"}
        </button>
      </span>
      <ErrorNotice error={error} />
    </>
  );
}
