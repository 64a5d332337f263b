import type { Memory } from "./memory.ts";

/**
 * How much each signal counts when memories are ranked for a prompt. Configurable per persona; the
 * defaults follow Generative Agents (Park et al., 2023): relevance 3, importance 2, recency 0.5.
 */
export interface ScoringWeights {
  relevance: number;
  importance: number;
  recency: number;
}

export const DEFAULT_SCORING_WEIGHTS: Readonly<ScoringWeights> = Object.freeze({
  relevance: 3,
  importance: 2,
  recency: 0.5,
});

/** A week: a memory not reinforced for a week counts half as recent as one reinforced just now. */
export const DEFAULT_RECENCY_HALF_LIFE_HOURS = 24 * 7;

const MILLISECONDS_PER_HOUR = 3_600_000;

/** One memory found by the store, with its raw search scores. */
export interface ScoringCandidate {
  memory: Memory;
  /** Full-text (BM25-like) score: higher is better, 0 means no match. */
  textScore: number;
  /** Cosine similarity between the query and memory embeddings (-1..1), when both exist. */
  vectorScore?: number;
}

/** Each signal after min-max normalisation over the candidates (0..1). */
export interface ScoreComponents {
  relevance: number;
  importance: number;
  recency: number;
  text: number;
  /** null when this candidate had no vector score. */
  vector: number | null;
}

export interface RankedMemory {
  memory: Memory;
  score: number;
  components: ScoreComponents;
}

export interface RankMemoriesOptions {
  candidates: readonly ScoringCandidate[];
  weights?: ScoringWeights;
  /** The time recency is measured against: passed in so ranking stays pure. */
  now: Date;
  recencyHalfLifeHours?: number;
  /** How many to keep; all of them when left out. */
  k?: number;
}

/**
 * Min-max normalises values to 0..1. When they are all equal there is no spread to scale, so each
 * becomes 1 if the shared value is positive (every candidate has the signal fully) and 0 otherwise.
 *
 * @example normalizeMinMax([2, 4, 6]) // [0, 0.5, 1]
 */
export function normalizeMinMax(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const minimum = Math.min(...values);
  const maximum = Math.max(...values);
  if (maximum === minimum) return values.map(() => (minimum > 0 ? 1 : 0));
  return values.map((value) => (value - minimum) / (maximum - minimum));
}

/**
 * Cosine similarity of two embeddings (-1..1); 0 when either is all zeros or their lengths differ
 * (embeddings from different models are not comparable).
 *
 * @example cosineSimilarity(new Float32Array([1, 0]), new Float32Array([1, 1])) // ≈ 0.7071
 */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const left = a[index] as number;
    const right = b[index] as number;
    dot += left * right;
    normA += left * left;
    normB += right * right;
  }
  if (normA === 0 || normB === 0) return 0;
  return dot / (Math.sqrt(normA) * Math.sqrt(normB));
}

/**
 * Exponential decay since the memory was last reinforced (`updated_at`): 1 now, 0.5 after one
 * half-life. A time in the future counts as now; an unreadable time counts as infinitely old.
 */
export function computeRecency(updatedAt: string, now: Date, halfLifeHours: number): number {
  const updated = Date.parse(updatedAt);
  if (Number.isNaN(updated)) return 0;
  const hours = Math.max(0, now.getTime() - updated) / MILLISECONDS_PER_HOUR;
  return Math.pow(0.5, hours / halfLifeHours);
}

/**
 * Fills a persona's partial weights from the defaults, ignoring values that are not finite and
 * non-negative (a negative weight would rank the least relevant memories first).
 *
 * @example resolveScoringWeights({ recency: 2 }) // { relevance: 3, importance: 2, recency: 2 }
 */
export function resolveScoringWeights(overrides: Partial<ScoringWeights> = {}): ScoringWeights {
  const pick = (value: number | undefined, fallback: number) =>
    value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
  return {
    relevance: pick(overrides.relevance, DEFAULT_SCORING_WEIGHTS.relevance),
    importance: pick(overrides.importance, DEFAULT_SCORING_WEIGHTS.importance),
    recency: pick(overrides.recency, DEFAULT_SCORING_WEIGHTS.recency),
  };
}

/** Normalises the vector scores of the candidates that have one; the others stay null. */
function normalizeVectorScores(candidates: readonly ScoringCandidate[]): (number | null)[] {
  const present = candidates.flatMap((candidate) =>
    candidate.vectorScore === undefined ? [] : [candidate.vectorScore],
  );
  const normalized = normalizeMinMax(present);
  let next = 0;
  return candidates.map((candidate) =>
    candidate.vectorScore === undefined ? null : (normalized[next++] as number),
  );
}

/** Best first; ties go to the stronger, then the more recently reinforced, then the smaller id. */
function compareRanked(left: RankedMemory, right: RankedMemory): number {
  return (
    right.score - left.score ||
    right.memory.strength - left.memory.strength ||
    right.memory.updated_at.localeCompare(left.memory.updated_at) ||
    left.memory.id.localeCompare(right.memory.id)
  );
}

/**
 * Ranks retrieved memories for a prompt, Generative Agents style:
 *
 *     score = w.relevance · relevance + w.importance · importance + w.recency · recency
 *
 * where every component is min-max normalised over the candidates (see `normalizeMinMax`):
 * - text = norm(textScore); vector = norm(vectorScore) over the candidates that have one;
 * - relevance = text, or (text + vector) / 2 for a candidate with a vector score;
 * - importance = norm(strength / 100);
 * - recency = norm(0.5 ^ (hours since updated_at / recencyHalfLifeHours)).
 *
 * Deterministic: ties are broken by strength, then recency of reinforcement, then id.
 *
 * @example
 * rankMemories({ candidates: [{ memory, textScore: 2.4, vectorScore: 0.8 }], now: new Date(), k: 8 })
 * // [{ memory, score: 5.5, components: { relevance: 1, importance: 1, recency: 1, text: 1, vector: 1 } }]
 */
export function rankMemories(options: RankMemoriesOptions): RankedMemory[] {
  const { candidates, now } = options;
  const weights = options.weights ?? DEFAULT_SCORING_WEIGHTS;
  const halfLife = options.recencyHalfLifeHours ?? DEFAULT_RECENCY_HALF_LIFE_HOURS;
  const text = normalizeMinMax(candidates.map((candidate) => candidate.textScore));
  const vector = normalizeVectorScores(candidates);
  const importance = normalizeMinMax(candidates.map((candidate) => candidate.memory.strength / 100));
  const recency = normalizeMinMax(
    candidates.map((candidate) => computeRecency(candidate.memory.updated_at, now, halfLife)),
  );
  const ranked = candidates.map((candidate, index): RankedMemory => {
    const textComponent = text[index] as number;
    const vectorComponent = vector[index] as number | null;
    const components: ScoreComponents = {
      relevance: vectorComponent === null ? textComponent : (textComponent + vectorComponent) / 2,
      importance: importance[index] as number,
      recency: recency[index] as number,
      text: textComponent,
      vector: vectorComponent,
    };
    const score =
      weights.relevance * components.relevance +
      weights.importance * components.importance +
      weights.recency * components.recency;
    return { memory: candidate.memory, score, components };
  });
  ranked.sort(compareRanked);
  return options.k === undefined ? ranked : ranked.slice(0, Math.max(0, options.k));
}

/**
 * What the persona knew at a past time (`as_of`): the memories that already existed then. A revision
 * made later is left out, so the original it corrects comes back into recall.
 *
 * @example selectMemoriesKnownAt({ memories, asOf: new Date("2024-05-01T00:00:00Z") })
 */
export function selectMemoriesKnownAt(options: { memories: readonly Memory[]; asOf: Date }): Memory[] {
  const limit = options.asOf.getTime();
  return options.memories.filter((memory) => {
    const created = Date.parse(memory.created_at);
    return !Number.isNaN(created) && created <= limit;
  });
}
