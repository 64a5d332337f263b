import { describe, expect, it } from "vitest";
import { buildMemory } from "./memory-factory.ts";
import {
  DEFAULT_SCORING_WEIGHTS,
  computeRecency,
  cosineSimilarity,
  normalizeMinMax,
  rankMemories,
  resolveScoringWeights,
  selectMemoriesKnownAt,
} from "./retrieval-scoring.ts";

const now = new Date("2024-06-01T00:00:00.000Z");

describe("normalizeMinMax", () => {
  it("scales to 0..1", () => {
    expect(normalizeMinMax([2, 4, 6])).toEqual([0, 0.5, 1]);
  });

  it("maps all-equal values to 1 when positive and 0 otherwise", () => {
    expect(normalizeMinMax([3, 3])).toEqual([1, 1]);
    expect(normalizeMinMax([0, 0])).toEqual([0, 0]);
    expect(normalizeMinMax([-0.2])).toEqual([0]);
    expect(normalizeMinMax([])).toEqual([]);
  });
});

describe("cosineSimilarity", () => {
  it("is 1 for the same direction, -1 for opposite, 0 for orthogonal", () => {
    expect(cosineSimilarity(new Float32Array([1, 2]), new Float32Array([2, 4]))).toBeCloseTo(1);
    expect(cosineSimilarity(new Float32Array([1, 0]), new Float32Array([-1, 0]))).toBeCloseTo(-1);
    expect(cosineSimilarity(new Float32Array([1, 0]), new Float32Array([0, 3]))).toBe(0);
    expect(cosineSimilarity(new Float32Array([1, 0]), new Float32Array([1, 1]))).toBeCloseTo(Math.SQRT1_2);
  });

  it("is 0 for zero vectors and mismatched lengths", () => {
    expect(cosineSimilarity(new Float32Array([0, 0]), new Float32Array([1, 1]))).toBe(0);
    expect(cosineSimilarity(new Float32Array([1]), new Float32Array([1, 1]))).toBe(0);
  });
});

describe("computeRecency", () => {
  it("halves every half-life and treats the future as now", () => {
    expect(computeRecency("2024-06-01T00:00:00.000Z", now, 24)).toBe(1);
    expect(computeRecency("2024-05-31T00:00:00.000Z", now, 24)).toBeCloseTo(0.5);
    expect(computeRecency("2024-05-30T00:00:00.000Z", now, 24)).toBeCloseTo(0.25);
    expect(computeRecency("2024-07-01T00:00:00.000Z", now, 24)).toBe(1);
    expect(computeRecency("not a time", now, 24)).toBe(0);
  });
});

describe("resolveScoringWeights", () => {
  it("fills missing and invalid weights from the defaults", () => {
    expect(resolveScoringWeights()).toEqual(DEFAULT_SCORING_WEIGHTS);
    expect(resolveScoringWeights({ recency: 2, relevance: -1, importance: Number.NaN })).toEqual({
      relevance: 3,
      importance: 2,
      recency: 2,
    });
  });
});

describe("rankMemories", () => {
  const relevant = buildMemory({ id: "relevant", strength: 40, updated_at: "2024-05-01T00:00:00.000Z" });
  const strong = buildMemory({ id: "strong", strength: 90, updated_at: "2024-05-01T00:00:00.000Z" });
  const recent = buildMemory({ id: "recent", strength: 40, updated_at: "2024-06-01T00:00:00.000Z" });

  it("combines normalised relevance, importance and recency with the default weights", () => {
    const ranked = rankMemories({
      candidates: [
        { memory: relevant, textScore: 5 },
        { memory: strong, textScore: 1 },
        { memory: recent, textScore: 0 },
      ],
      weights: DEFAULT_SCORING_WEIGHTS,
      now,
      k: 3,
    });
    expect(ranked.map((entry) => entry.memory.id)).toEqual(["relevant", "strong", "recent"]);
    const [first, second, third] = ranked;
    expect(first?.components).toEqual({ relevance: 1, importance: 0, recency: 0, text: 1, vector: null });
    expect(first?.score).toBeCloseTo(3);
    expect(second?.components.relevance).toBeCloseTo(0.2);
    expect(second?.components.importance).toBe(1);
    expect(second?.score).toBeCloseTo(3 * 0.2 + 2);
    expect(third?.components.recency).toBe(1);
    expect(third?.score).toBeCloseTo(0.5);
  });

  it("averages normalised text and vector scores when vectors are present", () => {
    const ranked = rankMemories({
      candidates: [
        { memory: relevant, textScore: 0, vectorScore: 0.9 },
        { memory: strong, textScore: 4, vectorScore: 0.1 },
        { memory: recent, textScore: 2 },
      ],
      weights: { relevance: 1, importance: 0, recency: 0 },
      now,
      k: 3,
    });
    const byId = new Map(ranked.map((entry) => [entry.memory.id, entry.components]));
    expect(byId.get("relevant")).toMatchObject({ text: 0, vector: 1, relevance: 0.5 });
    expect(byId.get("strong")).toMatchObject({ text: 1, vector: 0, relevance: 0.5 });
    expect(byId.get("recent")).toMatchObject({ text: 0.5, vector: null, relevance: 0.5 });
  });

  it("keeps the top k and breaks ties deterministically", () => {
    const ranked = rankMemories({
      candidates: [
        { memory: buildMemory({ id: "b" }), textScore: 1 },
        { memory: buildMemory({ id: "a" }), textScore: 1 },
        { memory: buildMemory({ id: "c" }), textScore: 1 },
      ],
      weights: DEFAULT_SCORING_WEIGHTS,
      now,
      k: 2,
    });
    expect(ranked.map((entry) => entry.memory.id)).toEqual(["a", "b"]);
    expect(ranked[0]?.score).toBeCloseTo(5.5);
  });

  it("lets a longer half-life flatten recency differences before normalisation", () => {
    const older = buildMemory({ id: "older", updated_at: "2024-05-25T00:00:00.000Z" });
    const newer = buildMemory({ id: "newer", updated_at: "2024-05-31T00:00:00.000Z" });
    const ranked = rankMemories({
      candidates: [
        { memory: older, textScore: 0 },
        { memory: newer, textScore: 0 },
      ],
      weights: { relevance: 0, importance: 0, recency: 1 },
      now,
      recencyHalfLifeHours: 24,
      k: 2,
    });
    expect(ranked.map((entry) => entry.memory.id)).toEqual(["newer", "older"]);
  });

  it("returns nothing for no candidates", () => {
    expect(rankMemories({ candidates: [], weights: DEFAULT_SCORING_WEIGHTS, now, k: 5 })).toEqual([]);
  });
});

describe("selectMemoriesKnownAt", () => {
  it("keeps what existed at the time, so a later revision gives way to its original", () => {
    const original = buildMemory({ id: "original", created_at: "2024-01-01T00:00:00.000Z" });
    const revision = buildMemory({
      id: "revision",
      type: "revised",
      revises: "original",
      created_at: "2024-03-01T00:00:00.000Z",
    });
    const known = selectMemoriesKnownAt({
      memories: [original, revision],
      asOf: new Date("2024-02-01T00:00:00.000Z"),
    });
    expect(known.map((memory) => memory.id)).toEqual(["original"]);
  });
});
