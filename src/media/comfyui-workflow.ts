import { readFile } from "node:fs/promises";

/**
 * ComfyUI workflows in its API format (`{"3": {"class_type": "KSampler", "inputs": {...}}}`): read from
 * the operator's configuration (a file path or the JSON itself), and filled with a request's values
 * through `{{placeholders}}` in the parsed JSON's strings. Never by replacing text in the raw JSON: a
 * prompt holds quotes, backslashes and braces, and would break it or inject nodes.
 */

export interface ComfyNode {
  class_type: string;
  inputs: Record<string, unknown>;
  [key: string]: unknown;
}

export type ComfyWorkflow = Record<string, ComfyNode>;

/** What a request fills in. `reference_image` and `strength` only for reference workflows. */
export interface ComfyWorkflowValues {
  prompt: string;
  negative_prompt: string;
  seed: number;
  width: number;
  height: number;
  model: string;
  batch_size: number;
  /** the uploaded reference picture's name as LoadImage takes it (`subfolder/name.png`) */
  reference_image?: string | undefined;
  /** how far to move from the reference, 0-1 (a KSampler's `denoise`, an IP-Adapter's `weight`) */
  strength?: number | undefined;
}

/** Placeholders that become JSON numbers when they are a string's whole value: ComfyUI refuses "42" for an INT. */
const NUMERIC_PLACEHOLDERS = new Set(["seed", "width", "height", "batch_size", "strength"]);
const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([a-z_]+)\s*\}\}$/;

/**
 * A copy of `workflow` with every placeholder in its string values replaced. A string that is exactly
 * a numeric placeholder becomes a number; inside longer text a value is inserted as text. One pass: a
 * prompt that itself contains `{{seed}}` stays as written. Unknown placeholders are left alone.
 *
 * @example
 * fillComfyWorkflow({ "6": { class_type: "CLIPTextEncode", inputs: { text: "{{prompt}}" } } }, values)
 */
export function fillComfyWorkflow(workflow: ComfyWorkflow, values: ComfyWorkflowValues): ComfyWorkflow {
  const lookup = values as unknown as Record<string, string | number | undefined>;
  const fill = (value: unknown): unknown => {
    if (typeof value === "string") {
      const whole = WHOLE_PLACEHOLDER.exec(value)?.[1];
      if (whole && NUMERIC_PLACEHOLDERS.has(whole) && typeof lookup[whole] === "number") return lookup[whole];
      return value.replace(PLACEHOLDER, (placeholder, name: string) => {
        const replacement = Object.hasOwn(lookup, name) ? lookup[name] : undefined;
        return replacement === undefined ? placeholder : String(replacement);
      });
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner)]));
    }
    return value;
  };
  return fill(workflow) as ComfyWorkflow;
}

/**
 * The workflow an operator configured: JSON text when it starts with `{`, else a file to read.
 * Throws an Error whose message says what is wrong with it.
 */
export async function readComfyWorkflow(source: string): Promise<ComfyWorkflow> {
  if (source.trimStart().startsWith("{")) return parseComfyWorkflow(source);
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`the workflow file cannot be read${code ? ` (${code})` : ""}`);
  }
  return parseComfyWorkflow(text);
}

/** Parses and checks a workflow in ComfyUI's API format; throws an Error naming the problem. */
export function parseComfyWorkflow(text: string): ComfyWorkflow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error("the workflow is not valid JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("the workflow is not a JSON object");
  }
  const record = parsed as Record<string, unknown>;
  // The editor's own save format has a node list and links; /prompt takes only the API format.
  if (Array.isArray(record.nodes) && "links" in record) {
    throw new Error(`the workflow is in ComfyUI's editor format; export it in the API format instead`);
  }
  const entries = Object.entries(record);
  if (entries.length === 0) throw new Error("the workflow has no nodes");
  for (const [id, node] of entries) {
    const candidate = node as Partial<ComfyNode> | null;
    if (
      !candidate ||
      typeof candidate !== "object" ||
      typeof candidate.class_type !== "string" ||
      !candidate.inputs ||
      typeof candidate.inputs !== "object"
    ) {
      throw new Error(`node ${id} of the workflow has no class_type and inputs (is it in the API format?)`);
    }
  }
  return record as ComfyWorkflow;
}

/**
 * The workflow used when none is configured: Stable Diffusion text to image from a checkpoint named by
 * the model (`sd_xl_base_1.0.safetensors`), as ComfyUI's own default graph, in the API format.
 */
export function defaultComfyWorkflow(): ComfyWorkflow {
  return {
    "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "{{model}}" } },
    "5": {
      class_type: "EmptyLatentImage",
      inputs: { width: "{{width}}", height: "{{height}}", batch_size: "{{batch_size}}" },
    },
    "6": { class_type: "CLIPTextEncode", inputs: { text: "{{prompt}}", clip: ["4", 1] } },
    "7": { class_type: "CLIPTextEncode", inputs: { text: "{{negative_prompt}}", clip: ["4", 1] } },
    "3": {
      class_type: "KSampler",
      inputs: {
        seed: "{{seed}}",
        steps: 20,
        cfg: 7,
        sampler_name: "euler",
        scheduler: "normal",
        denoise: 1,
        model: ["4", 0],
        positive: ["6", 0],
        negative: ["7", 0],
        latent_image: ["5", 0],
      },
    },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { filename_prefix: "dramatis", images: ["8", 0] } },
  };
}
