import type {
  GenerateResult,
  LanguageModel,
  ModelProvider,
  StreamPart,
} from "../src/models/language-model.ts";

/** The provider name of the instant model: its id is `instant/fixed`. */
export const INSTANT_PROVIDER = "instant";
export const INSTANT_MODEL_ID = `${INSTANT_PROVIDER}/fixed`;

/** What the instant model always answers: a short, realistic reply. */
export const INSTANT_REPLY =
  "That sounds like a lovely afternoon. What did you end up doing after the market?";

const RESULT: GenerateResult = Object.freeze({
  text: INSTANT_REPLY,
  usage: { inputTokens: 0, outputTokens: 0 },
  finishReason: "stop",
  warnings: [],
  model: INSTANT_MODEL_ID,
}) as GenerateResult;

/**
 * A model that costs nothing: it ignores the prompt and answers the same short reply at once, without
 * counting tokens or hashing anything. With it, a turn's `model_ms` is close to zero and everything else
 * in the turn is Dramatis' own work (history, assembly, persistence).
 */
export function createInstantProvider(): ModelProvider {
  const model: LanguageModel = {
    id: INSTANT_MODEL_ID,
    generate: () => Promise.resolve({ ...RESULT }),
    async *stream(): AsyncIterable<StreamPart> {
      yield { type: "delta", text: INSTANT_REPLY };
      yield { type: "finish", result: { ...RESULT } };
    },
    generateObject: () => Promise.reject(new Error("the instant bench model does not produce objects")),
  };
  return {
    name: INSTANT_PROVIDER,
    languageModel: () => model,
    listModels: () => Promise.resolve(["fixed"]),
  };
}
