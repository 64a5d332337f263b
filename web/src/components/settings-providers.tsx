import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import { Link } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { SettingsProviderForm } from "./settings-provider-form.tsx";
import { useAction } from "./settings-use-action.tsx";

type Provider = Schema<"Provider">;

const KIND_LABELS: Record<string, string> = {
  "openai-compatible": "OpenAI-compatible",
  anthropic: "Anthropic",
};

/** Model providers: the server's and this workspace's own; admins add and remove the latter. */
export function SettingsProviders() {
  const { session } = useSession();
  const isAdmin = session.account.role === "admin";
  const queryClient = useQueryClient();
  const providers = useQuery({
    queryKey: settingsKeys.providers,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/providers", { signal })),
  });
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Provider | undefined>();
  // A provider's models show up in every model picker, hence the model list too.
  const reload = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: settingsKeys.providers }),
      queryClient.invalidateQueries({ queryKey: settingsKeys.models }),
    ]);
  const list = providers.data?.data ?? [];

  return (
    <section aria-labelledby="providers-heading">
      <div className="settings-section-header">
        <h2 id="providers-heading">Model providers</h2>
        {isAdmin && !adding && (
          <button type="button" className="button-primary" onClick={() => setAdding(true)}>
            Add provider
          </button>
        )}
      </div>
      <p className="muted settings-intro">
        A provider is where replies come from: an OpenAI-compatible server (OpenAI, OpenRouter, Ollama, vLLM,
        LM Studio, llama.cpp) or Anthropic. Their models are offered in every model picker; the one replies
        come from by default is chosen in <Link to="/settings/model">Settings → Model</Link>.
      </p>
      {providers.data && list.length === 0 && (
        <Notice kind="warning">
          No model provider is set up, so replies come from the <strong>offline engine</strong>: a small
          built-in responder that needs no network or key. It is enough to try Dramatis, but it is not a
          language model.
          {isAdmin ? " Add a provider to get real replies." : " Ask an admin to add a provider."}
        </Notice>
      )}
      {providers.data && list.length > 0 && (
        <p className="field-hint">
          Personas without a model of their own, and every preset, answer with the workspace&apos;s default
          model: choose it in <Link to="/settings/model">Settings → Model</Link>.
        </p>
      )}
      {!isAdmin && <p className="muted">Only admins add or remove providers.</p>}
      {adding && (
        <SettingsProviderForm
          onCreated={() => {
            setAdding(false);
            void reload();
          }}
          onCancel={() => setAdding(false)}
        />
      )}
      <ErrorNotice error={providers.error} />
      {providers.isPending && <Loading label="Loading providers…" />}
      <ul className="settings-list">
        {list.map((provider) => (
          <ProviderItem
            key={`${provider.scope}:${provider.id ?? provider.name}`}
            provider={provider}
            canRemove={isAdmin && provider.scope === "tenant"}
            onRemove={() => setRemoving(provider)}
          />
        ))}
      </ul>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove the provider “${removing?.name ?? ""}”?`}
        confirmLabel="Remove provider"
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (!removing?.id) return;
          await unwrap(client.DELETE("/v1/providers/{id}", { params: { path: { id: removing.id } } }));
          await reload();
        }}
      >
        <p>
          Its stored API key is deleted with it. Personas that use a <code>{removing?.name}/…</code> model
          cannot reply with it any more: choose another model for them.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function ProviderItem({
  provider,
  canRemove,
  onRemove,
}: {
  provider: Provider;
  canRemove: boolean;
  onRemove: () => void;
}) {
  const [models, setModels] = useState<string[] | undefined>();
  const action = useAction();
  const headingId = `provider-${provider.scope}-${provider.name}`;

  async function loadModels() {
    await action.run(async () => {
      if (provider.id) {
        const answer = await unwrap(
          client.GET("/v1/providers/{id}/models", { params: { path: { id: provider.id } } }),
        );
        setModels(answer.data);
      } else {
        // Server-wide providers have no id: their models are in the model picker's list (/v1/models
        // lists personas, the models OpenAI clients chat with, not raw provider models).
        const answer = await unwrap(client.GET("/v1/model-setup/models"));
        setModels(
          answer.models.filter((model) => model.id.startsWith(`${provider.name}/`)).map((model) => model.id),
        );
      }
    });
  }

  return (
    <li className="card settings-item">
      <div className="settings-item-header">
        <h3 id={headingId}>{provider.name}</h3>
        <span className="badge">{KIND_LABELS[provider.kind] ?? provider.kind}</span>
        <span className={provider.scope === "server" ? "badge" : "badge badge-accent"}>
          {provider.scope === "server" ? "Server-wide" : "This workspace"}
        </span>
      </div>
      <dl className="settings-facts">
        <div>
          <dt>Base URL</dt>
          <dd>{provider.base_url ? <code>{provider.base_url}</code> : "Default"}</dd>
        </div>
        <div>
          <dt>API key</dt>
          <dd>{provider.has_api_key ? "Stored (never shown)" : "None"}</dd>
        </div>
        {provider.models.length > 0 && (
          <div>
            <dt>Configured models</dt>
            <dd>{provider.models.join(", ")}</dd>
          </div>
        )}
        {provider.scope === "server" && (
          <div>
            <dt>Set up by</dt>
            <dd>The server&apos;s operator (configuration or environment)</dd>
          </div>
        )}
      </dl>
      <div className="button-row">
        <button
          type="button"
          className="button-small"
          onClick={loadModels}
          disabled={action.busy}
          aria-describedby={headingId}
          aria-expanded={models !== undefined}
        >
          {action.busy ? "Asking…" : models ? "Refresh models" : "List models"}
        </button>
        {canRemove && (
          <button
            type="button"
            className="button-small button-danger"
            onClick={onRemove}
            aria-describedby={headingId}
          >
            Delete
          </button>
        )}
      </div>
      <ErrorNotice error={action.error} />
      {models && (
        <div className="settings-models">
          {models.length === 0 ? (
            <p className="muted">The provider lists no models.</p>
          ) : (
            <ul aria-label={`Models of ${provider.name}`}>
              {models.map((model) => (
                <li key={model}>
                  <code>{model}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}
