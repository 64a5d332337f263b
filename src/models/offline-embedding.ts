import { createHash } from "node:crypto";
import type { EmbeddingModel } from "./language-model.ts";

/** Dimensions of the offline embedding: enough to keep word collisions rare for short memories. */
export const OFFLINE_EMBEDDING_DIMENSIONS = 512;

/** A crude stem so "sailing", "sails" and "sailed" land together. */
function stem(word: string): string {
  return word.replace(/(ing|ed|es|s)$/u, "") || word;
}

function bucketOf(feature: string): { index: number; sign: number } {
  const digest = createHash("sha1").update(feature).digest();
  return { index: digest.readUInt32BE(0) % OFFLINE_EMBEDDING_DIMENSIONS, sign: digest[4]! & 1 ? 1 : -1 };
}

/**
 * The offline engine's embedding: feature hashing of stemmed words and word pairs into a fixed-size,
 * L2-normalised vector. It knows no synonyms, but it is deterministic, needs no weights, and lets the
 * whole vector path (storage, caching, hybrid ranking) run and be tested on a fresh machine.
 *
 * @example await createOfflineEmbeddingModel().embed(["I love sailing"])
 */
export function createOfflineEmbeddingModel(modelName = "default"): EmbeddingModel {
  return {
    id: `offline/${modelName}`,
    async embed(texts) {
      let tokens = 0;
      const embeddings = texts.map((text) => {
        const vector = new Float32Array(OFFLINE_EMBEDDING_DIMENSIONS);
        const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map(stem);
        tokens += words.length;
        const features = [...words, ...words.slice(1).map((word, index) => `${words[index]} ${word}`)];
        for (const feature of features) {
          const { index, sign } = bucketOf(feature);
          vector[index] = (vector[index] ?? 0) + sign;
        }
        const norm = Math.hypot(...vector);
        if (norm > 0)
          for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] ?? 0) / norm;
        return vector;
      });
      return { embeddings, tokens };
    },
  };
}
