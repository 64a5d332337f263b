import { Readable } from "node:stream";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { BadRequestError } from "../../errors/app-error.ts";
import type { AudioClip } from "../../speech/speech.ts";
import type { SpeechActor } from "../../services/speech/speech-usage.ts";
import type { AppEnv } from "../app-env.ts";
import { readFileUpload } from "../file-upload.ts";
import { optionalUser, requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";
import { messageAudioSchema } from "../schemas/speech-schemas.ts";

const tags = ["Speech"];

const localeSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a language tag such as en-US")
  .openapi({ example: "en-US" });

const voiceSchema = z
  .object({
    id: z.string().openapi({
      description: "provider/voice: what a voice configuration stores",
      example: "espeak/en-us+f3",
    }),
    provider: z.string(),
    name: z.string().openapi({ description: "The provider's own name for the voice" }),
    display_name: z.string(),
    locale: z.string().openapi({ description: "The language tag it speaks; mul for multilingual voices" }),
    locales: z.array(z.string()),
    gender: z.enum(["female", "male", "neutral"]).nullable(),
    styles: z.array(z.string()).openapi({ description: "Speaking styles it takes (speech_style)" }),
    basic: z.boolean().openapi({ description: "The embedded offline voice: robotic, always available" }),
    preview_url: z.string().openapi({ description: "A short clip of it (GET)" }),
  })
  .openapi("Voice");

const speechProviderSchema = z
  .object({
    name: z.string(),
    label: z.string(),
    basic: z.boolean(),
    synthesis: z.boolean().openapi({ description: "Reads text aloud (has voices)" }),
    recognition: z.boolean().openapi({ description: "Transcribes audio" }),
  })
  .openapi("SpeechProvider");

const audioResponse = (description: string) => ({
  description,
  content: {
    "audio/wav": { schema: z.string().openapi({ format: "binary" }) },
    "audio/mpeg": { schema: z.string().openapi({ format: "binary" }) },
  },
});

const audioUpload = {
  description:
    "The audio as multipart/form-data (field `file`, plus optional `locale` and `recognizer`) or as the raw " +
    "body (audio/wav, audio/mpeg, audio/ogg, audio/webm, ...; `locale` and `recognizer` then in the query)",
  content: {
    "multipart/form-data": {
      schema: z.object({
        file: z.string().openapi({ format: "binary" }),
        locale: localeSchema.optional(),
        recognizer: z.string().optional(),
      }),
    },
    "audio/wav": { schema: z.string().openapi({ format: "binary" }) },
  },
};

const voicesRoute = createRoute({
  method: "get",
  path: "/v1/voices",
  tags,
  summary: "The voices personas can speak with, per locale, and the server's speech services",
  description:
    "Voices are named provider/voice. The embedded eSpeak NG voices (espeak/…) are always here and labelled " +
    "basic; Azure, OpenAI-compatible, ElevenLabs and Deepgram voices appear when the operator configures " +
    "them. With `locale`, voices speaking it (its language where a side names no region, and multilingual " +
    "voices). A service that cannot list its voices right now is named in `unavailable`.",
  request: {
    query: z.object({
      locale: localeSchema.optional(),
      provider: z.string().max(100).optional().openapi({ description: "Only this provider's voices" }),
    }),
  },
  responses: {
    200: jsonContent(
      z
        .object({
          data: z.array(voiceSchema),
          providers: z.array(speechProviderSchema),
          unavailable: z.array(z.object({ provider: z.string(), error: z.string() })),
        })
        .openapi("VoiceList"),
      "The voices",
    ),
    ...problemResponses(404),
  },
});

const previewRoute = createRoute({
  method: "get",
  path: "/v1/voices/{id}/preview",
  tags,
  summary: "A short clip of a voice (cached), to choose it by listening",
  description: 'The id holds a "/" (espeak/en-us), sent as is or percent-encoded. Not billed.',
  request: {
    params: z.object({ id: z.string().min(1).max(300) }),
    query: z.object({ locale: localeSchema.optional() }),
  },
  responses: { 200: audioResponse("The clip"), ...problemResponses(404) },
});

const speechRoute = createRoute({
  method: "post",
  path: "/v1/speech",
  tags,
  summary: "Text read aloud: in a voice, or in a persona's voice for a locale",
  description:
    "Without `voice`, the persona's voice configuration for `locale` (else its first) chooses the voice, " +
    "rate and style; without a persona either, the server's default voice for the locale. Billed per " +
    "character (usage kind tts). The answer carries X-Dramatis-Voice and X-Dramatis-Characters.",
  request: {
    body: jsonBody(
      z
        .strictObject({
          text: z.string().min(1, "must not be empty").max(100_000),
          voice: z.string().min(3).max(300).optional().openapi({ example: "espeak/en-us+f3" }),
          persona_id: z.string().min(1).max(200).optional(),
          locale: localeSchema.optional(),
          rate: z.number().min(0.5, "must be 0.5-2").max(2, "must be 0.5-2").optional(),
          style: z.string().min(1).max(100).optional(),
        })
        .openapi("SpeechRequest"),
    ),
  },
  responses: { 200: audioResponse("The audio"), ...problemResponses(404, 422) },
});

const transcriptionResponseSchema = z
  .object({
    text: z.string(),
    language: z.string().nullable(),
    duration_seconds: z.number(),
    recognizer: z.string().openapi({ description: "The speech service that transcribed it" }),
  })
  .openapi("Transcription");

const transcriptionRoute = createRoute({
  method: "post",
  path: "/v1/transcriptions",
  tags,
  summary: "Audio transcribed to text",
  description:
    "By the server's default recognizer (DRAMATIS_TRANSCRIPTION, else the first configured speech service, " +
    "else offline PocketSphinx where installed: basic, US English, WAV only) or the one named. Billed per " +
    "second of audio (usage kind stt). 404 when the server has no recognizer.",
  request: { body: audioUpload },
  responses: {
    200: jsonContent(transcriptionResponseSchema, "The text"),
    ...problemResponses(404, 413),
  },
});

const messageParamsSchema = idParamSchema.extend({
  messageId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "messageId", in: "path" } }),
});

const readMessageRoute = createRoute({
  method: "post",
  path: "/v1/conversations/{id}/messages/{messageId}/speech",
  tags,
  summary: "A message read aloud in the persona's voice, kept with the message",
  description:
    "Reads the message's text in the persona's voice for `locale` (or `voice`) and keeps the audio: asking " +
    "again for the same text and voice returns the stored reading without billing it twice. An edited " +
    "message is read anew.",
  request: {
    headers: userHeaderSchema,
    params: messageParamsSchema,
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            voice: z.string().min(3).max(300).optional(),
            locale: localeSchema.optional(),
          }),
        },
      },
      required: false,
    },
  },
  responses: { 200: jsonContent(messageAudioSchema, "The stored audio"), ...problemResponses(404) },
});

const audioRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/audio/{audioId}",
  tags,
  summary: "A message's stored audio (a reading or a voice message)",
  request: {
    headers: userHeaderSchema,
    params: idParamSchema.extend({
      audioId: z
        .string()
        .min(1)
        .max(200)
        .openapi({ param: { name: "audioId", in: "path" } }),
    }),
  },
  responses: {
    200: audioResponse("The audio"),
    304: { description: "Unchanged since the ETag sent in If-None-Match" },
    ...problemResponses(404),
  },
});

const recordingRoute = createRoute({
  method: "post",
  path: "/v1/conversations/{id}/recordings",
  tags,
  summary: "A voice message: stored and transcribed, to send as a message with recording_id",
  description:
    "The audio is kept and transcribed; send the text (as heard, or corrected) with POST " +
    "/v1/conversations/{id}/messages and `recording_id`, and the message keeps the recording. A recording " +
    "is sent once; one never sent is deleted after a day.",
  request: { headers: userHeaderSchema, params: idParamSchema, body: audioUpload },
  responses: {
    201: jsonContent(
      z
        .object({
          recording_id: z.string(),
          text: z.string(),
          duration_seconds: z.number(),
          recognizer: z.string(),
        })
        .openapi("UploadedRecording"),
      "Stored and transcribed",
    ),
    ...problemResponses(404, 413),
  },
});

/** Reads uploaded audio: a multipart form's `file` (and its `locale`/`recognizer` fields) or the raw body. */
async function readAudioUpload(
  c: Context<AppEnv>,
  maxBytes: number,
): Promise<{ audio: Uint8Array; locale?: string | undefined; recognizer?: string | undefined }> {
  const file = await readFileUpload(c, maxBytes, "the audio");
  const upload = { audio: file.bytes, locale: file.field("locale"), recognizer: file.field("recognizer") };
  if (upload.locale !== undefined && !localeSchema.safeParse(upload.locale).success) {
    throw new BadRequestError("locale: must be a language tag such as en-US", [
      { field: "locale", message: "must be a language tag such as en-US" },
    ]);
  }
  return upload;
}

function audioBody(clip: AudioClip, headers: Record<string, string> = {}) {
  return new Response(clip.bytes as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: {
      "content-type": clip.contentType,
      "content-length": String(clip.bytes.length),
      "x-content-type-options": "nosniff",
      ...(clip.durationSeconds !== undefined
        ? { "x-dramatis-duration": clip.durationSeconds.toFixed(3) }
        : {}),
      ...headers,
    },
  });
}

async function speechActor(c: Context<AppEnv>): Promise<SpeechActor> {
  const user = await optionalUser(c);
  return { tenantId: c.var.principal.tenantId, userId: user?.id ?? null };
}

export function speechRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(voicesRoute, async (c) => {
    const query = c.req.valid("query");
    const { voices, unavailable } = await c.var.services.speech.listVoices(query);
    const data = voices.map((voice) => ({
      id: voice.id,
      provider: voice.provider,
      name: voice.name,
      display_name: voice.displayName,
      locale: voice.locale,
      locales: voice.locales,
      gender: voice.gender,
      styles: voice.styles,
      basic: voice.basic,
      preview_url: `/v1/voices/${encodeURIComponent(voice.id)}/preview`,
    }));
    return c.json({ data, providers: c.var.services.speech.providers(), unavailable }, 200);
  });

  // Voice ids hold a "/" (espeak/en-us): documented as {id}, served by a route whose parameter takes it whole.
  router.openAPIRegistry.registerPath(previewRoute);
  router.get("/v1/voices/:id{.+}/preview", async (c) => {
    const locale = c.req.query("locale") || undefined;
    if (locale !== undefined && !localeSchema.safeParse(locale).success) {
      throw new BadRequestError("locale: must be a language tag such as en-US", [
        { field: "locale", message: "must be a language tag such as en-US" },
      ]);
    }
    // Hono has decoded the parameter already (espeak%2Fen-us -> espeak/en-us).
    const clip = await c.var.services.speech.preview(c.req.param("id"), locale);
    // The same voice reads the same sentence every time: browsers may keep it a day.
    return audioBody(clip, { "cache-control": "private, max-age=86400" });
  });

  router.openapi(speechRoute, async (c) => {
    const body = c.req.valid("json");
    const clip = await c.var.services.speech.synthesize(await speechActor(c), {
      text: body.text,
      voice: body.voice,
      personaId: body.persona_id,
      locale: body.locale,
      rate: body.rate,
      style: body.style,
    });
    return audioBody(clip, {
      "x-dramatis-voice": clip.voice,
      "x-dramatis-characters": String(body.text.trim().length),
    }) as never;
  });

  // Registered for the document only: the body is audio (raw or multipart), read below within the limit.
  router.openAPIRegistry.registerPath(transcriptionRoute);
  router.post(transcriptionRoute.path, async (c) => {
    const upload = await readAudioUpload(c, c.var.services.speech.limits.maxAudioBytes);
    const result = await c.var.services.speech.transcribe(await speechActor(c), upload);
    return c.json(result, 200);
  });

  router.openapi(readMessageRoute, async (c) => {
    const { id, messageId } = c.req.valid("param");
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
    const audio = await c.var.services.speech.readMessage(await requireUser(c), id, messageId, body ?? {});
    return c.json(audio, 200);
  });

  router.openapi(audioRoute, async (c) => {
    const { id, audioId } = c.req.valid("param");
    const audio = await c.var.services.speech.openAudio(await requireUser(c), id, audioId);
    const etag = `"${audio.sha256}"`;
    const headers = {
      etag,
      "cache-control": "private, no-cache",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
    };
    if (c.req.header("if-none-match") === etag) {
      audio.stream.destroy();
      return c.body(null, 304, headers);
    }
    return c.body(Readable.toWeb(audio.stream) as ReadableStream<Uint8Array>, 200, {
      ...headers,
      "content-type": audio.contentType,
      "content-length": String(audio.size),
    });
  });

  router.openAPIRegistry.registerPath(recordingRoute);
  router.post("/v1/conversations/:id/recordings", async (c) => {
    const user = await requireUser(c);
    const upload = await readAudioUpload(c, c.var.services.speech.limits.maxAudioBytes);
    const recording = await c.var.services.speech.uploadRecording(user, c.req.param("id"), upload);
    return c.json(recording, 201);
  });

  return router;
}
