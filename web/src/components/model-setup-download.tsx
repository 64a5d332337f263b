import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  getDownload,
  listCatalog,
  listDownloads,
  modelSetupKeys,
  startDownload,
  type CatalogModel,
  type ModelDownload,
} from "../lib/model-setup-api.ts";
import { formatBytes } from "./model-setup-choose.ts";
import { ErrorNotice, Loading } from "./notice.tsx";
import { useAction } from "./settings-use-action.tsx";

/** How often a running download is asked for its progress. */
const PROGRESS_POLL_MS = 1_000;

/**
 * Path three: download a recommended GGUF from the curated catalog and run it inside Dramatis. A bar
 * shows the progress; a download that failed or was cut off continues where it stopped on Retry.
 */
export function ModelSetupDownload({
  canChange,
  onChosen,
}: {
  canChange: boolean;
  onChosen: (model: string) => Promise<void>;
}) {
  const catalog = useQuery({
    queryKey: modelSetupKeys.catalog,
    queryFn: ({ signal }) => listCatalog(signal),
  });
  // Downloads started before (another visit, another admin) show their progress here too.
  const started = useQuery({
    queryKey: modelSetupKeys.downloads,
    queryFn: ({ signal }) => listDownloads(signal),
    enabled: canChange,
  });
  if (!canChange) return null;
  return (
    <section className="card model-setup-path" aria-labelledby="model-setup-download-heading">
      <h3 id="model-setup-download-heading">Download a model to run here</h3>
      <p className="muted">
        A small open model run by Dramatis itself: no other server and no key, but slower than a GPU server.
      </p>
      {catalog.isPending && <Loading label="Loading the recommended models…" />}
      <ErrorNotice error={catalog.error} />
      {catalog.data && catalog.data.length === 0 && <p>This server offers no models to download.</p>}
      <ul className="settings-list">
        {catalog.data?.map((model) => (
          <CatalogItem
            key={model.id}
            model={model}
            earlier={started.data?.find((download) => download.catalog_id === model.id)}
            onChosen={onChosen}
          />
        ))}
      </ul>
    </section>
  );
}

function CatalogItem({
  model,
  earlier,
  onChosen,
}: {
  model: CatalogModel;
  /** this entry's download started before the screen opened, if any */
  earlier: ModelDownload | undefined;
  onChosen: (model: string) => Promise<void>;
}) {
  const queryClient = useQueryClient();
  const [startedId, setDownloadId] = useState<string | undefined>();
  const downloadId = startedId ?? earlier?.id;
  const start = useAction();
  const choose = useAction();
  const headingId = `catalog-${model.id}`;
  const download = useQuery({
    queryKey: modelSetupKeys.download(downloadId ?? ""),
    queryFn: async ({ signal }) => {
      const answer = await getDownload(downloadId ?? "", signal);
      // Once the file is in place it is one of the models every picker lists.
      if (answer.status === "done") {
        void queryClient.invalidateQueries({ queryKey: modelSetupKeys.catalog });
        void queryClient.invalidateQueries({ queryKey: ["model-setup", "models"] });
      }
      return answer;
    },
    enabled: downloadId !== undefined,
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === "done" || status === "failed" ? false : PROGRESS_POLL_MS;
    },
  });
  const state = download.data;
  const finished = model.downloaded || state?.status === "done";
  const failed = state?.status === "failed";
  const running = downloadId !== undefined && !finished && !failed && !download.error;

  async function begin() {
    await start.run(async () => {
      const started = await startDownload(model.id);
      queryClient.setQueryData(modelSetupKeys.download(started.id), started);
      setDownloadId(started.id);
    });
  }

  return (
    <li className="card settings-item model-setup-catalog-item">
      <div className="settings-item-header">
        <h4 id={headingId}>{model.name}</h4>
        <span className="badge">{formatBytes(model.size_bytes)}</span>
        <span className="badge">{model.licence}</span>
        {finished && <span className="badge badge-accent">Downloaded</span>}
      </div>
      <p className="settings-description">{model.description}</p>
      <details>
        <summary>File details</summary>
        <dl className="settings-facts">
          <div>
            <dt>Source</dt>
            <dd>
              <code>{model.url}</code>
            </dd>
          </div>
          <div>
            <dt>SHA-256</dt>
            <dd>{model.sha256 ? <code>{model.sha256}</code> : "Not published: the file is not verified"}</dd>
          </div>
        </dl>
      </details>
      {state && !finished && (
        <div className="model-setup-progress">
          <progress
            max={Math.max(state.total_bytes ?? model.size_bytes, 1)}
            value={state.received_bytes}
            aria-label={`Downloading ${model.name}`}
            aria-describedby={headingId}
          />
          <span className="field-hint" role="status">
            {failed
              ? `Stopped at ${formatBytes(state.received_bytes)}${state.error ? `: ${state.error}` : ""}`
              : `${formatBytes(state.received_bytes)} of ${formatBytes(state.total_bytes ?? model.size_bytes)}${state.error ? ` (${state.error})` : ""}`}
          </span>
        </div>
      )}
      <ErrorNotice error={start.error ?? download.error ?? choose.error} />
      <div className="button-row">
        {!finished && !running && (
          <button
            type="button"
            className="button-small"
            disabled={start.busy}
            aria-describedby={headingId}
            onClick={() => void begin()}
          >
            {failed || download.error
              ? "Retry (continues where it stopped)"
              : `Download ${formatBytes(model.size_bytes)}`}
          </button>
        )}
        {finished && (
          <button
            type="button"
            className="button-small button-primary"
            disabled={choose.busy}
            aria-describedby={headingId}
            onClick={() => void choose.run(() => onChosen(model.model_id))}
          >
            Use this model
          </button>
        )}
      </div>
    </li>
  );
}
