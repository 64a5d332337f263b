/**
 * Hosted model services a tenant can add with nothing but a key: the web app fills in the rest of
 * `POST /v1/providers` from these. Each speaks its own wire format for `/models` (OpenAI's and
 * OpenRouter's `{ data: [{ id }] }` with a Bearer key; Anthropic's with `x-api-key` and
 * `anthropic-version`), which the providers built from them already handle.
 */
export interface HostedProviderPreset {
  /** also the provider name it is added under */
  id: "openai" | "openrouter" | "anthropic";
  name: string;
  kind: "openai-compatible" | "anthropic";
  base_url: string;
  /** where the user creates a key */
  key_url: string;
}

export const HOSTED_PROVIDER_PRESETS: readonly HostedProviderPreset[] = [
  {
    id: "openai",
    name: "OpenAI",
    kind: "openai-compatible",
    base_url: "https://api.openai.com/v1",
    key_url: "https://platform.openai.com/api-keys",
  },
  {
    id: "openrouter",
    name: "OpenRouter",
    kind: "openai-compatible",
    base_url: "https://openrouter.ai/api/v1",
    key_url: "https://openrouter.ai/settings/keys",
  },
  {
    id: "anthropic",
    name: "Anthropic",
    kind: "anthropic",
    base_url: "https://api.anthropic.com/v1",
    key_url: "https://console.anthropic.com/settings/keys",
  },
];
