import fs from "node:fs";
import { z } from "zod";

/**
 * Curated GGUF models an admin can download from the web app in one click. Small instruct models that
 * run on a CPU; each is checked against its SHA-256 when one is known.
 */
export const catalogEntrySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "must be lower-case letters, digits, ., - or _"),
  name: z.string().min(1).max(200),
  description: z.string().max(2000),
  size_bytes: z.number().int().positive(),
  licence: z.string().min(1).max(200),
  /** null: not known, the file is not verified */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hexadecimal characters")
    .nullable(),
  url: z
    .url()
    .refine((url) => /^https?:\/\/[^?#]+\.gguf$/i.test(url), "must be an http(s) URL of a .gguf file"),
});

export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

export const catalogSchema = z
  .array(catalogEntrySchema)
  .max(200)
  .refine(
    (entries) => new Set(entries.map((entry) => entry.id)).size === entries.length,
    "ids must be unique",
  );

/*
 * Sizes and SHA-256 are the Hugging Face files' own (their LFS byte count and hash), as published for
 * these exact files by several projects that verify them. Llama and Qwen are pinned to a repository
 * revision, so the file behind the URL cannot change under its hash; a hash that does not match fails
 * the download rather than keep an unknown file.
 */
export const CURATED_MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    id: "llama-3.2-1b-instruct-q4_k_m",
    name: "Llama 3.2 1B Instruct (Q4_K_M)",
    description:
      "Meta's smallest instruct model: fast on a CPU and light on memory (about 2 GB). A good first download.",
    size_bytes: 807_694_464,
    licence: "Llama 3.2 Community License",
    sha256: "6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83",
    url: "https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/067b946cf014b7c697f3654f621d577a3e3afd1c/Llama-3.2-1B-Instruct-Q4_K_M.gguf",
  },
  {
    id: "qwen2.5-1.5b-instruct-q4_k_m",
    name: "Qwen2.5 1.5B Instruct (Q4_K_M)",
    description: "Alibaba's 1.5B instruct model: better at following instructions than the 1B models.",
    size_bytes: 1_117_320_736,
    licence: "Apache-2.0",
    sha256: "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e",
    url: "https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/91cad51170dc346986eccefdc2dd33a9da36ead9/qwen2.5-1.5b-instruct-q4_k_m.gguf",
  },
  {
    id: "smollm2-1.7b-instruct-q4_k_m",
    name: "SmolLM2 1.7B Instruct (Q4_K_M)",
    description: "Hugging Face's conversational 1.7B model, trained on openly documented data.",
    size_bytes: 1_055_609_824,
    licence: "Apache-2.0",
    sha256: "77665ea4815999596525c636fbeb56ba8b080b46ae85efef4f0d986a139834d7",
    url: "https://huggingface.co/bartowski/SmolLM2-1.7B-Instruct-GGUF/resolve/main/SmolLM2-1.7B-Instruct-Q4_K_M.gguf",
  },
];

/**
 * The catalog: the curated one, or the operator's JSON file (DRAMATIS_MODEL_CATALOG) in its place.
 * Throws naming the file and the first problem.
 *
 * @example loadModelCatalog("/etc/dramatis/models.json")
 */
export function loadModelCatalog(file: string | undefined): readonly CatalogEntry[] {
  if (!file) return CURATED_MODEL_CATALOG;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`DRAMATIS_MODEL_CATALOG: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const result = catalogSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `DRAMATIS_MODEL_CATALOG: ${file}: [${issue?.path.join(".")}] ${issue?.message} (expected an array of ` +
        "{ id, name, description, size_bytes, licence, sha256, url })",
    );
  }
  return result.data;
}

/** The file name a catalog entry's download is saved under (the URL's last segment). */
export function catalogFileName(entry: Pick<CatalogEntry, "url">): string {
  return decodeURIComponent(new URL(entry.url).pathname.split("/").at(-1) ?? "");
}

/** The `local/<name>` model id a downloaded entry is used as. */
export function catalogModelId(entry: Pick<CatalogEntry, "url">): string {
  return `local/${catalogFileName(entry).replace(/\.gguf$/i, "")}`;
}
