import { z } from "zod";
import { namedList } from "../lib/named-list.ts";

/**
 * A picture or video service configured by the operator (DRAMATIS_MEDIA_PROVIDERS, or implied by a
 * well-known variable such as OPENAI_API_KEY). Its `name` prefixes model ids (`forge/sdxl`); keys are
 * read from a named variable so the JSON holds no secret.
 */
export const mediaProviderConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, - or _ (it prefixes model ids)")
    .refine((name) => name !== "offline", "is reserved for the embedded renderer"),
  /**
   * openai-compatible: `/v1/images/generations` and `/v1/images/edits`; automatic1111: AUTOMATIC1111,
   * Forge and SD.Next (`/sdapi/v1/txt2img`, `img2img`); comfyui: a workflow over `/prompt` and its
   * WebSocket; replicate: Replicate-style predictions (create, poll, cancel), pictures and videos.
   */
  kind: z.enum(["openai-compatible", "automatic1111", "comfyui", "replicate"]),
  /** the service's root; openai-compatible and replicate have their public defaults */
  base_url: z.url("must be a URL").optional(),
  api_key: z.string().min(1).optional(),
  api_key_env: z.string().min(1).optional(),
  /** picture models offered, the first the default (`gpt-image-1`, `sdxl`, a Replicate `owner/model`); null: no pictures */
  image_models: z.array(z.string().min(1).max(200)).max(100).nullable().optional(),
  /** video models offered, the first the default (Replicate `owner/model`); null or absent: no videos */
  video_models: z.array(z.string().min(1).max(200)).max(100).nullable().optional(),
  /**
   * ComfyUI only: the workflow in ComfyUI's API format (a file path, or the JSON itself), with the
   * placeholders `{{prompt}}`, `{{negative_prompt}}`, `{{seed}}`, `{{width}}`, `{{height}}`, `{{model}}`
   * and, for reference workflows, `{{reference_image}}` (the uploaded picture's name).
   */
  workflow: z.string().min(1).optional(),
  /** ComfyUI only: a second workflow used when a reference picture is sent (img2img, IP-Adapter) */
  reference_workflow: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export type MediaProviderConfig = z.infer<typeof mediaProviderConfigSchema>;

export const mediaProviderConfigListSchema = namedList(mediaProviderConfigSchema, "media provider");

/**
 * Media services implied by well-known variables, so `OPENAI_API_KEY=… npm start` also makes pictures with
 * OpenAI's images model and `REPLICATE_API_TOKEN` brings Replicate's hosted models.
 */
export function mediaProvidersFromWellKnownVariables(
  environment: Record<string, string | undefined>,
): MediaProviderConfig[] {
  const providers: MediaProviderConfig[] = [];
  if (environment.OPENAI_API_KEY) {
    providers.push({
      name: "openai",
      kind: "openai-compatible",
      base_url: environment.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
      api_key_env: "OPENAI_API_KEY",
      image_models: ["gpt-image-1"],
    });
  }
  if (environment.REPLICATE_API_TOKEN) {
    providers.push({ name: "replicate", kind: "replicate", api_key_env: "REPLICATE_API_TOKEN" });
  }
  return providers;
}
