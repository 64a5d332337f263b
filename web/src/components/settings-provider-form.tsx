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

/** What a provider's models can take beyond text, as the API names it (`capabilities`). */
const CAPABILITIES = [
  { key: "images", label: "Images" },
  { key: "audio", label: "Audio" },
  { key: "files", label: "Files (PDF)" },
  { key: "tools", label: "Tools" },
  { key: "structured_output", label: "JSON output" },
] as const;

type CapabilityKey = (typeof CAPABILITIES)[number]["key"];
/** "" leaves it to each model's name; "all" and "none" say true and false for every model. */
type CapabilityChoice = "" | "all" | "none";

/** The `capabilities` body field: only what was chosen, absent when nothing was. */
function capabilitiesBody(
  choices: Partial<Record<CapabilityKey, CapabilityChoice>>,
): Partial<Record<CapabilityKey, boolean>> | undefined {
  const entries = CAPABILITIES.flatMap(({ key }) => {
    const choice = choices[key];
    return choice ? [[key, choice === "all"] as const] : [];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

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
  const [capabilities, setCapabilities] = useState<Partial<Record<CapabilityKey, CapabilityChoice>>>({});
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const modelList = models
      .split(/[\s,]+/)
      .map((model) => model.trim())
      .filter(Boolean);
    const declared = capabilitiesBody(capabilities);
    const ok = await action.run(async () => {
      await unwrap(
        client.POST("/v1/providers", {
          body: {
            kind,
            name: name.trim(),
            ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}),
            ...(apiKey ? { api_key: apiKey } : {}),
            ...(modelList.length > 0 ? { models: modelList } : {}),
            ...(declared ? { capabilities: declared } : {}),
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
      <FormProblem
        error={error}
        fields={["kind", "name", "base_url", "api_key", "models", ...CAPABILITIES.map(({ key }) => key)]}
      />
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
      <fieldset>
        <legend>What its models can take</legend>
        <div className="form-grid">
          {CAPABILITIES.map(({ key, label }) => (
            <SettingsField key={key} label={label} error={fieldError(error, `capabilities.${key}`)}>
              {(control) => (
                <select
                  {...control}
                  value={capabilities[key] ?? ""}
                  onChange={(event) =>
                    setCapabilities((current) => ({
                      ...current,
                      [key]: event.target.value as CapabilityChoice,
                    }))
                  }
                >
                  <option value="">Decide by model name (default)</option>
                  <option value="all">All models</option>
                  <option value="none">No models</option>
                </select>
              )}
            </SettingsField>
          ))}
        </div>
      </fieldset>
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
