import fs from "node:fs";
import { z } from "zod";
import { parseLocalModelServers } from "../models/local-model-servers.ts";
import { parsePrices, parseProviders } from "./setting-parsers.ts";

/** Model providers, the default model, prices, and local models. */
export const modelSettings = {
  DRAMATIS_DEFAULT_MODEL: {
    flag: "default-model",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[a-z0-9][a-z0-9_.-]*\/\S+$/i.test(value),
        "expected provider/model",
      ),
    fallback: "",
  },
  DRAMATIS_PRICES: {
    flag: "prices",
    schema: z
      .string()
      .transform(parsePrices)
      .refine(
        (value) => value !== undefined,
        'expected JSON like {"openai/gpt-4o": {"input": 2.5, "output": 10}} (dollars per million tokens)',
      ),
    fallback: "{}",
  },
  DRAMATIS_PROVIDERS: {
    flag: "providers",
    schema: z.string().transform((text, context) => parseProviders(text, context, "DRAMATIS_PROVIDERS")),
    fallback: "[]",
  },
  DRAMATIS_PROVIDERS_FILE: {
    flag: "providers-file",
    schema: z.string().transform((file, context) => {
      if (file === "") return [];
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (error) {
        context.addIssue({ code: "custom", message: `cannot read the file: ${(error as Error).message}` });
        return z.NEVER;
      }
      return parseProviders(text, context, file);
    }),
    fallback: "",
  },
  DRAMATIS_LLAMA_RUNTIME: {
    flag: "llama-runtime",
    schema: z.string(),
    fallback: "",
  },
  DRAMATIS_LOCAL_MODEL_SERVERS: {
    flag: "local-model-servers",
    schema: z.string().transform((text, context) => {
      try {
        return parseLocalModelServers(text);
      } catch (error) {
        context.addIssue({
          code: "custom",
          message: `${(error as Error).message} (or leave it empty for the well-known ports, or off)`,
        });
        return z.NEVER;
      }
    }),
    fallback: "",
  },
  DRAMATIS_MODEL_CATALOG: {
    flag: "model-catalog",
    schema: z.string(),
    fallback: "",
  },
} as const;
