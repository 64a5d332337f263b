import type { GenerateRequest, LanguageModel, ModelProvider } from "../src/models/language-model.ts";

/**
 * A provider `capture` whose model `capture/model` answers "Noted." and keeps every request it gets, to
 * show exactly what a model is given (pair it with the offline provider in a ModelRegistry).
 */
export function capturingProvider(requests: GenerateRequest[]): ModelProvider {
  const result = {
    text: "Noted.",
    usage: { inputTokens: 1, outputTokens: 1 },
    finishReason: "stop" as const,
    warnings: [],
    model: "capture/model",
  };
  const model: LanguageModel = {
    id: "capture/model",
    generate: async (request) => {
      requests.push(request);
      return result;
    },
    stream: async function* (request) {
      requests.push(request);
      yield { type: "finish", result };
    },
    generateObject: async () => {
      throw new Error("not used");
    },
  };
  return { name: "capture", listModels: async () => ["model"], languageModel: () => model };
}
