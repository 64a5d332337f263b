import type { ModelCallMetrics } from "../lib/metrics.ts";
import {
  UnparsableOutputError,
  type EmbeddingModel,
  type LanguageModel,
  type StreamPart,
  type TokenUsage,
} from "./language-model.ts";

/** The labels of one model's calls. */
interface ModelLabels {
  provider: string;
  model: string;
}

type Operation = "generate" | "stream" | "generate_object" | "embed";

/** Times one call, counts its tokens and, when it throws, its error. */
class CallRecorder {
  private readonly started = performance.now();

  constructor(
    private readonly metrics: ModelCallMetrics,
    private readonly labels: ModelLabels & { operation: Operation },
  ) {}

  succeeded(usage: TokenUsage | undefined): void {
    this.metrics.duration.observe(this.labels, (performance.now() - this.started) / 1000);
    if (!usage) return;
    const { provider, model } = this.labels;
    this.metrics.tokens.inc({ provider, model, direction: "input" }, usage.inputTokens);
    this.metrics.tokens.inc({ provider, model, direction: "output" }, usage.outputTokens);
  }

  failed(usage?: TokenUsage): void {
    this.succeeded(usage);
    this.metrics.errors.inc(this.labels);
  }
}

/**
 * A language model whose calls are counted: latency, input and output tokens and errors, by provider
 * and model. The model registry hands out every model through this, so each call is counted once,
 * whichever service makes it.
 *
 * @example const model = meterLanguageModel(provider.languageModel("gpt-4o-mini"), { provider: "openai", model: "gpt-4o-mini" }, metrics.modelCalls);
 */
export function meterLanguageModel(
  model: LanguageModel,
  labels: ModelLabels,
  metrics: ModelCallMetrics,
): LanguageModel {
  return {
    id: model.id,
    // The capability check reads these through the wrapper.
    ...(model.capabilities && { capabilities: model.capabilities }),
    async generate(request) {
      const call = new CallRecorder(metrics, { ...labels, operation: "generate" });
      try {
        const result = await model.generate(request);
        if (result.finishReason === "error") call.failed(result.usage);
        else call.succeeded(result.usage);
        return result;
      } catch (error) {
        call.failed();
        throw error;
      }
    },
    async *stream(request): AsyncGenerator<StreamPart> {
      const call = new CallRecorder(metrics, { ...labels, operation: "stream" });
      let recorded = false;
      try {
        // Text deltas and tool call pieces pass through untouched; only the finish part is counted.
        for await (const part of model.stream(request)) {
          if (part.type === "finish") {
            recorded = true;
            // A stream that broke after its first delta keeps its text and ends in an "error" finish.
            if (part.result.finishReason === "error") call.failed(part.result.usage);
            else call.succeeded(part.result.usage);
          }
          yield part;
        }
      } catch (error) {
        if (!recorded) call.failed();
        recorded = true;
        throw error;
      } finally {
        // The consumer stopped reading early (a client went away): the call took this long, no error.
        if (!recorded) call.succeeded(undefined);
      }
    },
    async generateObject(request) {
      const call = new CallRecorder(metrics, { ...labels, operation: "generate_object" });
      try {
        const result = await model.generateObject(request);
        call.succeeded(result.usage);
        return result;
      } catch (error) {
        // A model that answered with text, not JSON, still spent the tokens.
        call.failed(error instanceof UnparsableOutputError ? error.usage : undefined);
        throw error;
      }
    },
  };
}

/** An embedding model whose calls are counted like a language model's (operation `embed`). */
export function meterEmbeddingModel(
  model: EmbeddingModel,
  labels: ModelLabels,
  metrics: ModelCallMetrics,
): EmbeddingModel {
  return {
    id: model.id,
    async embed(texts, options) {
      const call = new CallRecorder(metrics, { ...labels, operation: "embed" });
      try {
        const result = await model.embed(texts, options);
        call.succeeded({ inputTokens: result.tokens, outputTokens: 0 });
        return result;
      } catch (error) {
        call.failed();
        throw error;
      }
    },
  };
}
