import type { ModelCapabilities } from "./language-model.ts";
import type { ProviderKind } from "./sampling-mapping.ts";

/**
 * What an operator may say about a provider's models (the `capabilities` of a DRAMATIS_PROVIDERS
 * entry): each feature on or off for every model, or on for the models whose names match one of the
 * glob patterns (`*` any text, `?` one character, case-insensitive). Features left out keep the
 * defaults from the model's name (`defaultCapabilities`).
 *
 * @example { images: ["gpt-4o*", "llava*"], audio: false, structured_output: true }
 */
export interface CapabilitiesConfig {
  images?: boolean | string[] | undefined;
  audio?: boolean | string[] | undefined;
  files?: boolean | string[] | undefined;
  tools?: boolean | string[] | undefined;
  structured_output?: boolean | string[] | undefined;
}

/**
 * Vision families by name. Checked against the model's own name: the part after the last `/`
 * (OpenRouter's `openai/gpt-4o`), lower case, an Ollama tag joined with `-` (`llava:13b` -> `llava-13b`).
 */
const VISION: readonly RegExp[] = [
  /^(chat)?gpt-4o/,
  /^gpt-4\.1/,
  /^gpt-4-turbo/,
  /^gpt-5/,
  /^o1(?!-mini|-preview)/,
  /^o3(?!-mini)/,
  /^o4/,
  /^claude-(3|[4-9]|(sonnet|opus|haiku)-[4-9])/,
  /^gemini/,
  /^(bak)?llava/,
  /-vl(\b|-|$)/,
  /^qwen.*vl/,
  /^pixtral/,
  /^llama-?4/,
  /^gemma-?3(?!.*\b(1b|270m)\b)/,
  /^minicpm-v/,
  /^moondream/,
  /vision/,
];

/** Speech-only and transcription models of vision families take no images. */
const NOT_VISION: readonly RegExp[] = [/audio/, /realtime/, /transcribe/, /tts/, /-search/];

const AUDIO: readonly RegExp[] = [/^gpt-4o(-mini)?-audio/, /^gpt-audio/, /^gemini/];

const FILES: readonly RegExp[] = [/^claude/, /^(chat)?gpt-4o/, /^gpt-4\.1/, /^gpt-5/, /^gemini/];

/** Claude 3 and later: images and PDFs on Anthropic's API. */
const CLAUDE_3_OR_LATER = /^claude-(3|[4-9]|(sonnet|opus|haiku)-[4-9])/;

/**
 * What a model takes beyond text, guessed from its name: widely used vision, audio and PDF families.
 * Every model gets tools and structured output (the upstream says so when one cannot); unknown names
 * get text only otherwise, which operators widen with `capabilities` in the provider's config.
 *
 * @example
 * defaultCapabilities("openai-compatible", "gpt-4o-mini"); // images, files, tools, structured output
 * defaultCapabilities("openai-compatible", "llava:13b"); // images, tools, structured output
 * defaultCapabilities("anthropic", "claude-haiku-4-5"); // images, files (PDF), tools, structured output
 */
export function defaultCapabilities(kind: ProviderKind, modelName: string): ModelCapabilities {
  const name = ownName(modelName);
  if (kind === "anthropic") {
    const claude = CLAUDE_3_OR_LATER.test(name);
    return { images: claude, audio: false, files: claude, tools: true, structuredOutput: true };
  }
  const matches = (patterns: readonly RegExp[]) => patterns.some((pattern) => pattern.test(name));
  return {
    images: matches(VISION) && !matches(NOT_VISION),
    audio: matches(AUDIO),
    files: matches(FILES) && !matches(NOT_VISION),
    tools: true,
    structuredOutput: true,
  };
}

/**
 * A model's capabilities: the operator's config where it says something, the name's defaults elsewhere.
 *
 * @example
 * resolveCapabilities("openai-compatible", "my-finetune", { images: ["my-*"] }).images; // true
 */
export function resolveCapabilities(
  kind: ProviderKind,
  modelName: string,
  config: CapabilitiesConfig | undefined,
): ModelCapabilities {
  const defaults = defaultCapabilities(kind, modelName);
  if (!config) return defaults;
  const pick = (setting: boolean | string[] | undefined, fallback: boolean): boolean => {
    if (setting === undefined) return fallback;
    if (typeof setting === "boolean") return setting;
    return setting.some((pattern) => matchesGlob(pattern, modelName));
  };
  return {
    images: pick(config.images, defaults.images),
    audio: pick(config.audio, defaults.audio),
    files: pick(config.files, defaults.files),
    tools: pick(config.tools, defaults.tools),
    structuredOutput: pick(config.structured_output, defaults.structuredOutput),
  };
}

/**
 * Whether a glob (`*` any text, `?` one character, case-insensitive) matches the model's full name or
 * its own name after the last `/` (so `gpt-4o*` also covers OpenRouter's `openai/gpt-4o`).
 */
export function matchesGlob(pattern: string, modelName: string): boolean {
  const source = pattern
    .split("")
    .map((character) =>
      character === "*" ? ".*" : character === "?" ? "." : character.replace(/[\\^$.|+()[\]{}]/g, "\\$&"),
    )
    .join("");
  const glob = new RegExp(`^${source}$`, "i");
  return glob.test(modelName) || glob.test(modelName.slice(modelName.lastIndexOf("/") + 1));
}

/** `meta-llama/Llama-3.2-11B-Vision` -> `llama-3.2-11b-vision`; Ollama's `gemma3:1b` -> `gemma3-1b`. */
function ownName(modelName: string): string {
  return modelName
    .slice(modelName.lastIndexOf("/") + 1)
    .toLowerCase()
    .replaceAll(":", "-");
}
