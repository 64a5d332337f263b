import { z } from "@hono/zod-openapi";

/** A picture, video or document in the gallery: what /v1/media and messages' `media` show. */
export const mediaSchema = z
  .object({
    id: z.string(),
    kind: z
      .enum(["image", "video", "file"])
      .openapi({ description: "file: a document the user sent (PDF, text)" }),
    source: z.enum(["generated", "upload"]).openapi({
      description: "generated: made by a persona; upload: a photo or file the user sent",
    }),
    status: z.enum(["queued", "running", "ready", "failed"]),
    progress: z
      .number()
      .nullable()
      .openapi({ description: "0-1 while it is being made, when the service says" }),
    error: z.string().nullable().openapi({ description: "Why it failed (status failed)" }),
    persona_id: z.string().nullable(),
    persona_name: z.string().nullable(),
    conversation_id: z.string().nullable(),
    message_id: z.string().nullable().openapi({ description: "The message it is attached to" }),
    request: z.string().openapi({ description: "What was asked for" }),
    prompt: z.string().openapi({ description: "The prompt the picture or video service got" }),
    model: z.string().nullable().openapi({ description: "provider/model that made it" }),
    offline: z.boolean().openapi({
      description:
        "true: a labelled placeholder from the embedded renderer (no image or video model is configured)",
    }),
    priority: z.boolean(),
    reference_media_id: z.string().nullable().openapi({ description: "The picture it was made from" }),
    job_id: z.string().nullable().openapi({ description: "GET /v1/jobs/{id}/events streams its progress" }),
    content_type: z.string().nullable(),
    size: z.number().int().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    duration_seconds: z.number().nullable(),
    file_name: z.string().nullable(),
    url: z
      .string()
      .nullable()
      .openapi({ description: "Where the bytes are served (GET, same credentials); null until ready" }),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi("Media");
