import { ConsistencyService } from "../services/consistency-service.ts";
import type { ConversationService } from "../services/conversation-service.ts";
import { EmbeddingService } from "../services/embedding-service.ts";
import type { JobService } from "../services/job-service.ts";
import { MemoryEmbedder } from "../services/memory-embedder.ts";
import { MemoryExtraction } from "../services/memory-extraction.ts";
import { MemoryRetrieval } from "../services/memory-retrieval.ts";
import { MemoryService } from "../services/memory-service.ts";
import { MemoryVectors } from "../services/memory-vectors.ts";
import type { PersonaService } from "../services/persona-service.ts";
import { PriceTable } from "../services/pricing.ts";
import type { Clock } from "../lib/clock.ts";
import type { Store } from "../store/store.ts";
import type { Services } from "./create-services.ts";
import type { ServiceOptions } from "./service-options.ts";

/** What replies recall memories with: built before the replies, so before the job service. */
export interface MemoryRecall {
  readonly vectors: MemoryVectors;
  readonly embedder: MemoryEmbedder;
  readonly retrieval: MemoryRetrieval;
}

export function composeMemoryRecall(parts: {
  store: Store;
  clock: Clock;
  personas: PersonaService;
  options: Pick<ServiceOptions, "models" | "embeddingModel">;
}): MemoryRecall {
  const { store, clock, personas, options } = parts;
  const vectors = new MemoryVectors(store);
  const embedder = new MemoryEmbedder({
    store,
    models: options.models,
    vectors,
    modelId: options.embeddingModel,
  });
  const retrieval = new MemoryRetrieval({ store, clock, personas, embedder, vectors });
  return { vectors, embedder, retrieval };
}

/**
 * The memory services over the recall parts. A memory's writes queue its embedding, so this comes after
 * the job service.
 */
export function composeMemory(parts: {
  store: Store;
  clock: Clock;
  personas: PersonaService;
  conversations: ConversationService;
  jobs: JobService;
  recall: MemoryRecall;
  options: Pick<ServiceOptions, "models" | "prices">;
}): Pick<
  Services,
  "memories" | "memoryRetrieval" | "memoryExtraction" | "memoryEmbedder" | "embeddings" | "consistency"
> {
  const { store, clock, personas, conversations, jobs, options } = parts;
  const { vectors, embedder, retrieval } = parts.recall;
  const memories = new MemoryService({
    store,
    clock,
    personas,
    afterWrite: async (tenantId, personaId) => {
      vectors.invalidate(personaId);
      if (embedder.enabled) await jobs.enqueueEmbedding(tenantId, personaId);
    },
  });
  return {
    memories,
    memoryRetrieval: retrieval,
    memoryExtraction: new MemoryExtraction({
      store,
      clock,
      models: options.models,
      personas,
      conversations,
      memories,
    }),
    memoryEmbedder: embedder,
    embeddings: new EmbeddingService({
      store,
      clock,
      embedder,
      prices: options.prices ?? new PriceTable(),
    }),
    consistency: new ConsistencyService({ personas, memories, models: options.models }),
  };
}
