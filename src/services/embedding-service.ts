import { AppError, BadRequestError } from "../errors/app-error.ts";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { parseModelId } from "../models/language-model.ts";
import type { Store } from "../store/store.ts";
import type { MemoryEmbedder } from "./memory-embedder.ts";
import type { PriceTable } from "./pricing.ts";

/** Texts one request may embed, as OpenAI allows. */
export const MAXIMUM_EMBEDDING_INPUTS = 2048;

/** The usage kind embedding calls are recorded under (GET /v1/usage?group_by=kind). */
export const EMBEDDING_USAGE_KIND = "embedding";

export interface EmbeddingRequest {
  /** The model the caller named: the embedding model's id (`offline/default`) or its bare name. */
  model: string;
  /** The texts, already told apart from token arrays (which are refused before here). */
  input: string[];
  /** The vector length the caller expects; must be the model's own. */
  dimensions?: number | undefined;
  /** The end user the call is recorded for, when there is one. */
  userId?: string | undefined;
}

export interface EmbeddingResult {
  /** The embedding model's id, as /v1/models lists it. */
  model: string;
  embeddings: Float32Array[];
  tokens: number;
}

/** The model a request names does not exist here (OpenAI's `model_not_found`). */
export class EmbeddingModelNotFoundError extends AppError {
  constructor(detail: string) {
    super(404, "Not Found", detail, [{ field: "model", message: "not an embedding model of this server" }]);
  }
}

/**
 * Text embeddings with the server's embedding model (DRAMATIS_EMBEDDING_MODEL, the one memories are
 * embedded with), for OpenAI's /v1/embeddings. There is one model or none; each call is recorded as usage.
 */
export class EmbeddingService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly embedder: MemoryEmbedder;
  private readonly prices: PriceTable;

  constructor(dependencies: { store: Store; clock: Clock; embedder: MemoryEmbedder; prices: PriceTable }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.embedder = dependencies.embedder;
    this.prices = dependencies.prices;
  }

  /** The embedding model's id (`provider/model`), or undefined when none is configured. */
  get modelId(): string | undefined {
    return this.embedder.modelId;
  }

  /** Whether `name` names the embedding model: its full id, or its name without the provider. */
  isModel(name: string): boolean {
    const id = this.modelId;
    if (id === undefined) return false;
    return name === id || name === parseModelId(id).model;
  }

  async embed(tenantId: string, request: EmbeddingRequest): Promise<EmbeddingResult> {
    const id = this.modelId;
    if (id === undefined) {
      throw new EmbeddingModelNotFoundError(
        `the model ${JSON.stringify(request.model)} is not available: this server has no embedding model ` +
          "(its operator sets one with DRAMATIS_EMBEDDING_MODEL, e.g. offline/default)",
      );
    }
    if (!this.isModel(request.model)) {
      throw new EmbeddingModelNotFoundError(
        `the model ${JSON.stringify(request.model)} does not exist on this server; its embedding model is ${id}`,
      );
    }
    validateInput(request.input);
    const model = await this.embedder.resolveModel(tenantId);
    const started = performance.now();
    const { embeddings, tokens } = await model.embed(request.input);
    const dimensions = embeddings[0]?.length;
    if (request.dimensions !== undefined && dimensions !== undefined && request.dimensions !== dimensions) {
      throw new BadRequestError(
        `dimensions ${request.dimensions} is not available: ${id} makes vectors of ${dimensions} dimensions`,
        [{ field: "dimensions", message: `must be ${dimensions} (or left out)` }],
      );
    }
    await this.store.usage.insert({
      id: newId("use"),
      tenant_id: tenantId,
      user_id: request.userId ?? null,
      persona_id: null,
      conversation_id: null,
      message_id: null,
      kind: EMBEDDING_USAGE_KIND,
      model: id,
      input_tokens: tokens,
      output_tokens: 0,
      latency_ms: Math.round(performance.now() - started),
      cost_usd: this.prices.costOf(id, { inputTokens: tokens, outputTokens: 0 }),
      created_at: this.clock.now().toISOString(),
    });
    return { model: id, embeddings, tokens };
  }
}

function validateInput(input: string[]): void {
  if (input.length === 0) {
    throw new BadRequestError("input must not be empty: send a string or an array of strings", [
      { field: "input", message: "must not be empty" },
    ]);
  }
  if (input.length > MAXIMUM_EMBEDDING_INPUTS) {
    throw new BadRequestError(
      `input has ${input.length} items; at most ${MAXIMUM_EMBEDDING_INPUTS} texts are embedded per request`,
      [{ field: "input", message: `at most ${MAXIMUM_EMBEDDING_INPUTS} items` }],
    );
  }
  const empty = input.findIndex((text) => text.trim() === "");
  if (empty >= 0) {
    const which = input.length > 1 ? `input[${empty}]` : "input";
    throw new BadRequestError(`${which} is empty: every text needs content`, [
      { field: "input", message: `${which} must not be empty` },
    ]);
  }
}
