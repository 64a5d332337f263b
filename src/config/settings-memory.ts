import { z } from "zod";
import { integerText, parseTierBudgets } from "./setting-parsers.ts";

/** Memory: the embedding model, the prompt budgets of the tiers, and bulk imports. */
export const memorySettings = {
  DRAMATIS_MEMORY_IMPORT_LIMIT: {
    flag: "memory-import-limit",
    schema: integerText(1024, 2 * 1024 * 1024 * 1024, "a byte count between 1024 and 2147483648"),
    fallback: String(256 * 1024 * 1024),
  },
  DRAMATIS_EMBEDDING_MODEL: {
    flag: "embedding-model",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[a-z0-9][a-z0-9_.-]*\/\S+$/i.test(value),
        "expected provider/model",
      ),
    fallback: "",
  },
  DRAMATIS_MEMORY_TIER_TOKENS: {
    flag: "memory-tier-tokens",
    schema: z
      .string()
      .transform(parseTierBudgets)
      .refine(
        (value) => value !== undefined,
        "expected basic=N,extended=N,longest=N with N from 100 to 2000000",
      ),
    fallback: "basic=2000,extended=8000,longest=32000",
  },
} as const;
