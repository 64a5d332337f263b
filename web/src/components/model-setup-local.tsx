import { useQuery } from "@tanstack/react-query";
import {
  addLocalServer,
  listLocalServers,
  modelIdOf,
  modelSetupKeys,
  type LocalServer,
} from "../lib/model-setup-api.ts";
import { ErrorNotice, Loading } from "./notice.tsx";
import { useAction } from "./settings-use-action.tsx";

const KIND_LABELS: Record<LocalServer["kind"], string> = {
  ollama: "Ollama",
  "lm-studio": "LM Studio",
  "llama.cpp": "llama.cpp server",
  vllm: "vLLM",
};

/**
 * Path one: the model servers running on this machine (Ollama, LM Studio, llama.cpp, vLLM) and their
 * models. Picking a model adds its server as a provider (unless it already is one) and makes the model
 * the default.
 */
export function ModelSetupLocal({
  canChange,
  onChosen,
}: {
  canChange: boolean;
  onChosen: (model: string) => Promise<void>;
}) {
  const servers = useQuery({
    queryKey: modelSetupKeys.localServers,
    queryFn: ({ signal }) => listLocalServers(signal),
  });
  const action = useAction();
  const found = servers.data?.filter((server) => server.reachable) ?? [];
  const missing = servers.data?.filter((server) => !server.reachable) ?? [];

  async function choose(server: LocalServer, model: string) {
    await action.run(async () => {
      if (!server.added) await addLocalServer(server.kind);
      await onChosen(modelIdOf(server.name, model));
    });
  }

  return (
    <section className="card model-setup-path" aria-labelledby="model-setup-local-heading">
      <div className="settings-section-header">
        <h3 id="model-setup-local-heading">On this machine</h3>
        <button
          type="button"
          className="button-small"
          onClick={() => void servers.refetch()}
          disabled={servers.isFetching}
        >
          {servers.isFetching ? "Looking…" : "Look again"}
        </button>
      </div>
      <p className="muted">A model server running next to Dramatis: free, private, and no key needed.</p>
      {servers.isPending && <Loading label="Looking for model servers on this machine…" />}
      <ErrorNotice error={servers.error} />
      <ErrorNotice error={action.error} />
      {servers.data && found.length === 0 && (
        <p>
          No model server answers on this machine. Start Ollama (<code>ollama serve</code>), LM Studio&apos;s
          server, <code>llama-server</code> or vLLM, then look again.
        </p>
      )}
      {found.map((server) => (
        <div key={server.kind} className="model-setup-server">
          <h4 id={`model-setup-server-${server.name}`}>
            {KIND_LABELS[server.kind]} <code className="muted">{server.base_url}</code>
            {server.added && <span className="badge badge-accent">Added</span>}
          </h4>
          {server.models.length === 0 ? (
            <p className="muted">
              It answers but offers no models yet (Ollama: <code>ollama pull llama3.2</code>).
            </p>
          ) : (
            <ul className="model-setup-models" aria-labelledby={`model-setup-server-${server.name}`}>
              {server.models.map((model) => (
                <li key={model}>
                  <code>{model}</code>
                  {canChange && (
                    <button
                      type="button"
                      className="button-small"
                      disabled={action.busy}
                      aria-label={`Use ${model} from ${KIND_LABELS[server.kind]}`}
                      onClick={() => void choose(server, model)}
                    >
                      Use
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
      {missing.length > 0 && (
        <p className="field-hint">
          Not running here:{" "}
          {missing.map((server) => `${KIND_LABELS[server.kind]} (${server.base_url})`).join(", ")}.
        </p>
      )}
    </section>
  );
}
