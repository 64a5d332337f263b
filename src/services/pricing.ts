import type { TokenUsage } from "../models/language-model.ts";

/** US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * Defaults from the reference pricing ($0.24 / $0.60 per million input / output tokens for premium
 * models); the built-in offline engine and local GGUF models cost nothing.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  "offline/*": { input: 0, output: 0 },
  "local/*": { input: 0, output: 0 },
  "*": { input: 0.24, output: 0.6 },
});

/**
 * Prices by model id: an exact id (`openai/gpt-4o`), then the provider's wildcard (`openai/*`), then `*`.
 *
 * @example new PriceTable({ "openai/*": { input: 2.5, output: 10 } }).costOf("openai/gpt-4o", usage)
 */
export class PriceTable {
  private readonly prices: Record<string, ModelPrice>;

  constructor(overrides: Record<string, ModelPrice> = {}) {
    this.prices = { ...DEFAULT_PRICES, ...overrides };
  }

  priceOf(modelId: string): ModelPrice {
    const provider = modelId.split("/")[0];
    return (
      this.prices[modelId] ?? this.prices[`${provider}/*`] ?? this.prices["*"] ?? { input: 0, output: 0 }
    );
  }

  costOf(modelId: string, usage: TokenUsage): number {
    const price = this.priceOf(modelId);
    return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  }
}
