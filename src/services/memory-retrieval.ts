import type { Clock } from "../lib/clock.ts";
import { renderMemoriesForPrompt } from "../memory/memory-rendering.ts";
import { rankMemories, type RankedMemory, type ScoringCandidate } from "../memory/retrieval-scoring.ts";
import type { MemoryVisibility } from "../store/memory-repository.ts";
import type { Store } from "../store/store.ts";
import type { MemoryEmbedder } from "./memory-embedder.ts";
import type { MemoryVectors } from "./memory-vectors.ts";
import { toMemory } from "./memory-views.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { PersonaService } from "./persona-service.ts";

/** Full-text matches fetched per search before ranking. */
const TEXT_CANDIDATES = 60;
/** Strong, recently reinforced memories added as candidates even when no word matches. */
const SALIENT_CANDIDATES = 30;
/** Memories rendered into a prompt. */
export const PROMPT_MEMORY_COUNT = 8;

export interface MemorySearchRequest {
  tenantId: string;
  personaId: string;
  query: string;
  k: number;
  /** The user whose relationship memory counts; null for the timeline only. */
  userId: string | null;
  /** Only what the persona knew at this time. */
  asOf?: string | undefined;
}

/**
 * Finds the memories that matter for a message: full-text candidates plus the most salient ones, ranked by
 * relevance, importance (strength) and recency with the persona's weights.
 */
export class MemoryRetrieval {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly embedder: MemoryEmbedder;
  private readonly vectors: MemoryVectors;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    embedder: MemoryEmbedder;
    vectors: MemoryVectors;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.embedder = dependencies.embedder;
    this.vectors = dependencies.vectors;
  }

  /** The search API: ranked memories with each score component. */
  async search(request: MemorySearchRequest): Promise<RankedMemory[]> {
    const { definition } = await this.personas.getServingDefinition(request.tenantId, request.personaId);
    return this.rank({
      tenantId: request.tenantId,
      personaId: request.personaId,
      persona: definition,
      query: request.query,
      k: request.k,
      visibility: { userId: request.userId },
      asOf: request.asOf,
    });
  }

  /**
   * The memory section of a reply's prompt: the top memories for the user's message, rendered by type
   * and strength. Relationship memory follows the persona's scope setting.
   */
  async linesForPrompt(options: {
    tenantId: string;
    personaId: string;
    persona: PersonaDefinition;
    userId: string | null;
    userPersonaId: string | null;
    message: string;
  }): Promise<string[]> {
    const scope = options.persona.memory.scope === "user_persona" ? options.userPersonaId : undefined;
    const ranked = await this.rank({
      tenantId: options.tenantId,
      personaId: options.personaId,
      persona: options.persona,
      query: options.message,
      k: PROMPT_MEMORY_COUNT * 2,
      visibility: { userId: options.userId, scope },
    });
    const memories = ranked.map((entry) => entry.memory);
    return renderMemoriesForPrompt({
      memories,
      userMessage: options.message,
      maxLines: PROMPT_MEMORY_COUNT,
      supersededIds: new Set(memories.flatMap((memory) => (memory.revises ? [memory.revises] : []))),
    });
  }

  private async rank(options: {
    tenantId: string;
    personaId: string;
    persona: PersonaDefinition;
    query: string;
    k: number;
    visibility: MemoryVisibility;
    asOf?: string | undefined;
  }): Promise<RankedMemory[]> {
    const { personaId, visibility, asOf } = options;
    const [matches, salient, queryVector] = await Promise.all([
      this.store.memories.searchText(personaId, {
        ...visibility,
        query: options.query,
        asOf,
        limit: Math.max(TEXT_CANDIDATES, options.k * 3),
      }),
      this.store.memories.listSalient(personaId, { ...visibility, asOf, limit: SALIENT_CANDIDATES }),
      this.embedder.embedQuery(options.tenantId, options.query),
    ]);
    const candidates = new Map<string, ScoringCandidate>();
    for (const match of matches)
      candidates.set(match.row.id, { memory: toMemory(match.row), textScore: match.textScore });
    for (const row of salient) {
      if (!candidates.has(row.id)) candidates.set(row.id, { memory: toMemory(row), textScore: 0 });
    }
    if (queryVector && this.embedder.modelId) {
      await this.addVectorScores({ candidates, personaId, queryVector, visibility, asOf, k: options.k });
    }
    return rankMemories({
      candidates: [...candidates.values()],
      weights: options.persona.memory.weights,
      now: asOf ? new Date(asOf) : this.clock.now(),
      k: options.k,
    });
  }

  /** Adds the semantically nearest memories as candidates, and every candidate's cosine similarity. */
  private async addVectorScores(options: {
    candidates: Map<string, ScoringCandidate>;
    personaId: string;
    queryVector: Float32Array;
    visibility: MemoryVisibility;
    asOf?: string | undefined;
    k: number;
  }): Promise<void> {
    const { candidates, personaId, queryVector } = options;
    const model = this.embedder.modelId as string;
    const nearest = await this.vectors.nearest({
      personaId,
      model,
      query: queryVector,
      visibility: options.visibility,
      asOf: options.asOf,
      limit: Math.max(TEXT_CANDIDATES, options.k * 3),
    });
    const missing = nearest.map((entry) => entry.id).filter((id) => !candidates.has(id));
    for (const row of await this.store.memories.findMany(personaId, missing, options.visibility)) {
      candidates.set(row.id, { memory: toMemory(row), textScore: 0 });
    }
    const similarities = new Map(nearest.map((entry) => [entry.id, entry.similarity]));
    const others = [...candidates.keys()].filter((id) => !similarities.has(id));
    for (const [id, similarity] of await this.vectors.similarities({
      personaId,
      model,
      query: queryVector,
      ids: others,
    })) {
      similarities.set(id, similarity);
    }
    for (const [id, candidate] of candidates) {
      const similarity = similarities.get(id);
      if (similarity !== undefined) candidate.vectorScore = similarity;
    }
  }
}
