import { useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import {
  listHostedProviders,
  modelIdOf,
  modelSetupKeys,
  type HostedProvider,
} from "../lib/model-setup-api.ts";
import { ErrorNotice, Loading } from "./notice.tsx";
import { useAction } from "./settings-use-action.tsx";

type Provider = Schema<"Provider">;

/**
 * Path two: a hosted service (OpenAI, OpenRouter, Anthropic) added with nothing but a key. Its model list
 * is fetched with that key, and one picked from it becomes the default. A service added before gets
 * the new key instead of a second provider.
 */
export function ModelSetupHosted({
  canChange,
  onChosen,
}: {
  canChange: boolean;
  onChosen: (model: string) => Promise<void>;
}) {
  const id = useId();
  const presets = useQuery({
    queryKey: modelSetupKeys.hosted,
    queryFn: ({ signal }) => listHostedProviders(signal),
  });
  const [presetId, setPresetId] = useState<HostedProvider["id"] | "">("");
  const [apiKey, setApiKey] = useState("");
  const [added, setAdded] = useState<{ provider: Provider; models: string[] } | undefined>();
  const [model, setModel] = useState("");
  const connect = useAction();
  const choose = useAction();
  const preset = presets.data?.find((candidate) => candidate.id === presetId) ?? presets.data?.[0];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!preset) return;
    await connect.run(async () => {
      const provider = await saveProvider(preset, apiKey);
      const answer = await unwrap(
        client.GET("/v1/providers/{id}/models", { params: { path: { id: provider.id ?? "" } } }),
      );
      setApiKey("");
      setAdded({ provider, models: answer.data });
      setModel(answer.data[0] ?? "");
    });
  }

  if (!canChange) return null;
  return (
    <section className="card model-setup-path" aria-labelledby="model-setup-hosted-heading">
      <h3 id="model-setup-hosted-heading">A hosted service, with your key</h3>
      <p className="muted">The strongest models, paid per use by the service; replies leave this machine.</p>
      {presets.isPending && <Loading label="Loading services…" />}
      <ErrorNotice error={presets.error} />
      {preset && (
        <form onSubmit={submit} noValidate>
          <div className="form-grid">
            <div className="field">
              <label htmlFor={`${id}-service`}>Service</label>
              <select
                id={`${id}-service`}
                value={preset.id}
                onChange={(event) => {
                  setPresetId(event.target.value as HostedProvider["id"]);
                  setAdded(undefined);
                }}
              >
                {presets.data?.map((candidate) => (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-key`}>API key</label>
              <input
                id={`${id}-key`}
                type="password"
                value={apiKey}
                autoComplete="new-password"
                spellCheck={false}
                aria-describedby={`${id}-key-hint`}
                onChange={(event) => setApiKey(event.target.value)}
              />
              <span id={`${id}-key-hint`} className="field-hint">
                Create one at{" "}
                <a href={preset.key_url} target="_blank" rel="noreferrer">
                  {new URL(preset.key_url).host}
                </a>
                . Stored encrypted, never shown again.
              </span>
            </div>
          </div>
          <ErrorNotice error={connect.error} />
          <button type="submit" className="button-primary" disabled={connect.busy || apiKey.trim() === ""}>
            {connect.busy ? "Asking for its models…" : `Add ${preset.name} and list its models`}
          </button>
        </form>
      )}
      {added && (
        <div className="model-setup-hosted-models">
          {added.models.length === 0 ? (
            <p>
              {preset?.name ?? added.provider.name} listed no models for this key: check the key (and the
              account&apos;s credit), then add it again.
            </p>
          ) : (
            <div className="field">
              <label htmlFor={`${id}-model`}>Model from {preset?.name ?? added.provider.name}</label>
              <select id={`${id}-model`} value={model} onChange={(event) => setModel(event.target.value)}>
                {added.models.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <ErrorNotice error={choose.error} />
          {added.models.length > 0 && (
            <button
              type="button"
              className="button-primary"
              disabled={choose.busy || model === ""}
              onClick={() => void choose.run(() => onChosen(modelIdOf(added.provider.name, model)))}
            >
              Use this model
            </button>
          )}
        </div>
      )}
    </section>
  );
}

/** Adds the service as this workspace's provider, or gives the one added before the new key. */
async function saveProvider(preset: HostedProvider, apiKey: string): Promise<Provider> {
  const existing = (await unwrap(client.GET("/v1/providers"))).data.find(
    (provider) => provider.scope === "tenant" && provider.name === preset.id && provider.id,
  );
  if (existing?.id) {
    return unwrap(
      client.PATCH("/v1/providers/{id}", {
        params: { path: { id: existing.id } },
        body: { api_key: apiKey.trim() },
      }),
    );
  }
  return unwrap(
    client.POST("/v1/providers", {
      body: { name: preset.id, kind: preset.kind, base_url: preset.base_url, api_key: apiKey.trim() },
    }),
  );
}
