import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { ErrorNotice } from "./notice.tsx";

type PersonaAsset = Schema<"PersonaAsset">;

function describeSize(size: number | null): string {
  if (size === null) return "remote";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * The card's assets (from a CHARX card or a V3 card's data: URIs): thumbnails for images, a link for
 * anything else, and a delete button for editors. Remote assets are links to their URL (never fetched
 * by Dramatis). Nothing shows for a persona without assets.
 */
export function PersonaAssets({ personaId, readOnly }: { personaId: string; readOnly: boolean }) {
  const id = useId();
  const queryClient = useQueryClient();
  const key = personaKeys.assets(personaId);
  const assets = useQuery({
    queryKey: key,
    queryFn: async ({ signal }) =>
      (await unwrap(client.GET("/v1/personas/{id}/assets", { params: { path: { id: personaId } }, signal })))
        .data,
  });
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  const remove = async (asset: PersonaAsset) => {
    if (!window.confirm(`Delete the asset ${asset.name || asset.type}? This cannot be undone.`)) return;
    setBusy(asset.id);
    setError(undefined);
    try {
      await unwrap(
        client.DELETE("/v1/personas/{id}/assets/{assetId}", {
          params: { path: { id: personaId, assetId: asset.id } },
        }),
      );
      await queryClient.invalidateQueries({ queryKey: key });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  const list = assets.data ?? [];
  if (assets.isPending || (list.length === 0 && !assets.error)) return null;
  return (
    <section className="card persona-assets" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Card assets</h2>
      <p className="field-hint">
        Pictures, sounds and other files the imported card carried. They travel with the persona in a CHARX
        export.
      </p>
      <ErrorNotice error={assets.error ?? error} />
      <ul className="persona-asset-list">
        {list.map((asset) => (
          <li key={asset.id} className="persona-asset">
            {!asset.remote && asset.content_type?.startsWith("image/") ? (
              <img
                src={asset.url}
                alt={`${asset.type} ${asset.name}`}
                loading="lazy"
                width={64}
                height={64}
                className="persona-asset-thumbnail"
              />
            ) : (
              <span className="persona-asset-thumbnail persona-asset-file" aria-hidden="true">
                {asset.ext}
              </span>
            )}
            <span className="persona-asset-label">
              <a href={asset.url} target="_blank" rel="noreferrer noopener">
                {asset.name || "(unnamed)"}
              </a>
              <span className="muted">
                {asset.type} · {asset.ext} · {describeSize(asset.size)}
              </span>
            </span>
            {!readOnly && (
              <button
                type="button"
                className="button-small"
                disabled={busy !== undefined}
                aria-label={`Delete the asset ${asset.name || asset.type}`}
                onClick={() => void remove(asset)}
              >
                {busy === asset.id ? "Deleting…" : "Delete"}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
