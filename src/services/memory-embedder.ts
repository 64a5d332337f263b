import type { ModelRegistry } from "../models/model-registry.ts";
import type { EmbeddingModel } from "../models/language-model.ts";
import { parseModelId } from "../models/language-model.ts";
import type { Store } from "../store/store.ts";
import { ValidationError } from "../errors/app-error.ts";
import type { MemoryVectors } from "./memory-vectors.ts";

/** Memories embedded per model call. */
const EMBED_BATCH = 64;

/**
 * Embeds memories and queries with the configured embedding model (DRAMATIS_EMBEDDING_MODEL), when there
 * is one. Memories are embedded in the background after they are written, so imports stay fast and a
 * failing embedding model never blocks a write.
 */
export class MemoryEmbedder {
  private readonly store: Store;
  private readonly models: ModelRegistry;
  private readonly vectors: MemoryVectors;
  readonly modelId: string | undefined;

  constructor(dependencies: {
    store: Store;
    models: ModelRegistry;
    vectors: MemoryVectors;
    modelId: string | undefined;
  }) {
    this.store = dependencies.store;
    this.models = dependencies.models;
    this.vectors = dependencies.vectors;
    this.modelId = dependencies.modelId;
  }

  get enabled(): boolean {
    return this.modelId !== undefined;
  }

  /** The query's vector, or undefined when no embedding model is configured. */
  async embedQuery(tenantId: string, text: string): Promise<Float32Array | undefined> {
    if (!this.modelId) return undefined;
    const { embeddings } = await (await this.resolveModel(tenantId)).embed([text]);
    return embeddings[0];
  }

  /** Embeds every memory of the persona that lacks a vector from the current model; returns how many. */
  async embedPending(tenantId: string, personaId: string): Promise<number> {
    if (!this.modelId) return 0;
    const model = await this.resolveModel(tenantId);
    let embedded = 0;
    for (;;) {
      const pending = await this.store.memories.listUnembedded(personaId, model.id, EMBED_BATCH);
      if (pending.length === 0) break;
      const { embeddings } = await model.embed(pending.map((memory) => memory.search_text));
      await this.store.transaction(async (store) => {
        for (const [index, memory] of pending.entries()) {
          const vector = embeddings[index];
          if (vector) await store.memories.setEmbedding(memory.id, model.id, vector);
        }
      });
      embedded += pending.length;
      if (pending.length < EMBED_BATCH) break;
    }
    this.vectors.invalidate(personaId);
    return embedded;
  }

  /** The configured embedding model for this tenant; 422 when its provider is missing or cannot embed. */
  async resolveModel(tenantId: string): Promise<EmbeddingModel> {
    const id = this.modelId as string;
    const { provider, model } = parseModelId(id);
    // Resolving the language model checks the provider exists for this tenant, with a clear error.
    await this.models.resolve(tenantId, `${provider}/${model}`, "embedding model");
    const embedding = this.models.embeddingModel(provider, model);
    if (!embedding) {
      throw new ValidationError([
        { field: "DRAMATIS_EMBEDDING_MODEL", message: `provider ${provider} cannot embed text` },
      ]);
    }
    return embedding;
  }
}
