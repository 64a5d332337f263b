import { useState, type FormEvent } from "react";
import { client, unwrap } from "../lib/api.ts";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";

type Kind = "openai-compatible" | "anthropic";

const URL_HINTS: Record<Kind, string> = {
  "openai-compatible":
    "Required. e.g. https://api.openai.com/v1, https://openrouter.ai/api/v1 or http://127.0.0.1:11434/v1 (Ollama).",
  anthropic: "Optional: leave empty for Anthropic's own API.",
};

/** Adds a model provider for this workspace. The API key is sent once and never shown back. */
export function SettingsProviderForm({
  onCreated,
  onCancel,
}: {
  onCreated: () => void;
  onCancel: () => void;
}) {
  const [kind, setKind] = useState<Kind>("openai-compatible");
  const [name, setName] = useState("");
  const [baseUrl, setBaseUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [models, setModels] = useState("");
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const modelList = models
      .split(/[\s,]+/)
      .map((model) => model.trim())
      .filter(Boolean);
    const ok = await action.run(async () => {
      await unwrap(
        client.POST("/v1/providers", {
          body: {
            kind,
            name: name.trim(),
            ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}),
            ...(apiKey ? { api_key: apiKey } : {}),
            ...(modelList.length > 0 ? { models: modelList } : {}),
          },
        }),
      );
    });
    if (ok) {
      setApiKey("");
      onCreated();
    }
  }

  const error = action.error;
  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby="provider-form-heading" noValidate>
      <h3 id="provider-form-heading">Add a model provider</h3>
      <FormProblem error={error} fields={["kind", "name", "base_url", "api_key", "models"]} />
      <div className="form-grid">
        <SettingsField label="Kind" error={fieldError(error, "kind")}>
          {(control) => (
            <select {...control} value={kind} onChange={(event) => setKind(event.target.value as Kind)}>
              <option value="openai-compatible">OpenAI-compatible</option>
              <option value="anthropic">Anthropic</option>
            </select>
          )}
        </SettingsField>
        <SettingsField
          label="Name"
          hint="Lower-case letters, digits, - or _. It prefixes model ids, as in openrouter/gpt-4o."
          error={fieldError(error, "name")}
        >
          {(control) => (
            <input
              {...control}
              value={name}
              onChange={(event) => setName(event.target.value)}
              autoComplete="off"
              spellCheck={false}
              placeholder={kind === "anthropic" ? "claude" : "openrouter"}
            />
          )}
        </SettingsField>
      </div>
      <SettingsField label="Base URL" hint={URL_HINTS[kind]} error={fieldError(error, "base_url")}>
        {(control) => (
          <input
            {...control}
            type="url"
            value={baseUrl}
            onChange={(event) => setBaseUrl(event.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        )}
      </SettingsField>
      <SettingsField
        label="API key"
        hint={
          kind === "anthropic"
            ? "Required. Stored encrypted on the server and never shown again."
            : "If the server needs one (a local Ollama does not). Stored encrypted and never shown again."
        }
        error={fieldError(error, "api_key")}
      >
        {(control) => (
          <input
            {...control}
            type="password"
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
            autoComplete="new-password"
            spellCheck={false}
          />
        )}
      </SettingsField>
      <SettingsField
        label="Models (optional)"
        hint="Comma-separated model names to offer. Leave empty to ask the provider for its list."
        error={fieldError(error, "models")}
      >
        {(control) => (
          <input
            {...control}
            value={models}
            onChange={(event) => setModels(event.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        )}
      </SettingsField>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy}>
          {action.busy ? "Adding…" : "Add provider"}
        </button>
        <button type="button" onClick={onCancel} disabled={action.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
