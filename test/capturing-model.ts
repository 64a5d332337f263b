import type {
  GenerateRequest,
  LanguageModel,
  ModelCapabilities,
  ModelProvider,
} from "../src/models/language-model.ts";

/**
 * A provider (`capture` unless named) whose model `<name>/model` answers "Noted." (or `deltas`, streamed
 * one by one), takes what `capabilities` says (text only by default) and keeps every request it gets, to show exactly what a model is given (pair it with the
 * offline provider in a ModelRegistry).
 */
export function capturingProvider(
  requests: GenerateRequest[],
  options: { name?: string; deltas?: string[]; capabilities?: ModelCapabilities } = {},
): ModelProvider {
  const name = options.name ?? "capture";
  const deltas = options.deltas ?? ["Noted."];
  const result = {
    text: deltas.join(""),
    usage: { inputTokens: 1, outputTokens: 1 },
    finishReason: "stop" as const,
    warnings: [],
    model: `${name}/model`,
  };
  const model: LanguageModel = {
    id: `${name}/model`,
    ...(options.capabilities && { capabilities: options.capabilities }),
    generate: async (request) => {
      requests.push(request);
      return result;
    },
    stream: async function* (request) {
      requests.push(request);
      for (const text of deltas) yield { type: "delta", text };
      yield { type: "finish", result };
    },
    generateObject: async () => {
      throw new Error("not used");
    },
  };
  return { name, listModels: async () => ["model"], languageModel: () => model };
}
