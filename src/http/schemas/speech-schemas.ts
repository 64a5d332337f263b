import { z } from "@hono/zod-openapi";

/** A message's audio: the reply read aloud, or the voice message the user sent. */
export const messageAudioSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["speech", "recording", "call_recording"]).openapi({
      description: "speech: the message read aloud; recording: the user's voice message",
    }),
    voice: z.string().nullable(),
    duration_seconds: z.number(),
    transcript: z.string().nullable(),
    content_type: z.string(),
    url: z.string().openapi({ description: "Where the bytes are served (GET)" }),
  })
  .openapi("MessageAudio");
