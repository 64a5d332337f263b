import { useState } from "react";
import { client, unwrap } from "../lib/api.ts";
import { ErrorNotice } from "./notice.tsx";

type ExportKind = "json" | "png" | "charx";

function requestExport(
  id: string,
  query: { format: "card_v2" | "card_v3"; as: ExportKind; version: string | undefined },
) {
  return client.GET("/v1/personas/{id}/export", { params: { path: { id }, query }, parseAs: "blob" });
}

function fileNameFrom(response: Response, fallback: string): string {
  const disposition = response.headers.get("content-disposition") ?? "";
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  return match?.[1] ?? fallback;
}

/** Fetches with the session (and its errors) and hands the answer to the browser as a download. */
async function download(request: ReturnType<typeof requestExport>, fallbackName: string): Promise<void> {
  const response = (await request).response;
  const blob = await unwrap(request);
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
 * "Export JSON", "Export PNG" and "Export as CHARX": the persona as a Character Card V2 file (or V3 when
 * `format` says so; CHARX is always V3, with the picture and the card's stored assets), of its draft unless
 * `version` names another.
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
      const request = requestExport(personaId, {
        format,
        as: kind,
        version: version === undefined ? undefined : String(version),
      });
      await download(request, `${personaName || "persona"}.${kind}`);
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
        <button
          type="button"
          className="button-small"
          disabled={busy !== undefined}
          aria-label={`Export ${personaName} as CHARX (a V3 card with its assets)`}
          onClick={() => void exportAs("charx")}
        >
          {busy === "charx" ? "Exporting…" : "Export as CHARX"}
        </button>
      </span>
      <ErrorNotice error={error} />
    </>
  );
}
