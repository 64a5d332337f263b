import { Readable } from "node:stream";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth.ts";
import {
  idParamSchema,
  jsonBody,
  jsonContent,
  pageQuerySchema,
  problemResponses,
  userHeaderSchema,
} from "../openapi-common.ts";
import { messageSchema } from "../schemas/conversation-schemas.ts";

const tags = ["Calls"];

const turnSchema = z.object({
  user_message_id: z.string(),
  reply_message_id: z.string().nullable(),
  user_text: z.string(),
  reply_text: z.string(),
  latency_ms: z
    .number()
    .nullable()
    .openapi({ description: "Speech end (as detected) to the first audio of the reply, in milliseconds" }),
  interrupted: z.boolean().openapi({ description: "The user talked over the reply (barge-in)" }),
});

const callSchema = z
  .object({
    id: z.string(),
    persona_id: z.string(),
    conversation_id: z.string().openapi({ description: "Every turn of the call is a message here" }),
    channel: z.enum(["browser", "phone"]),
    direction: z.enum(["inbound", "outbound"]),
    status: z.string().openapi({
      description: "ringing, in-progress, completed, failed, canceled (phone: also busy, no-answer)",
    }),
    locale: z.string().openapi({ description: "Chooses the persona's voice configuration" }),
    from_number: z.string().nullable(),
    to_number: z.string().nullable(),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_seconds: z.number().nullable(),
    end_reason: z
      .string()
      .nullable()
      .openapi({
        description:
          "hangup, silence_timeout, max_duration, error, server_shutdown (phone calls that never connected: " +
          "busy, no_answer, failed, canceled)",
      }),
    turns: z.array(turnSchema),
    median_latency_ms: z.number().nullable(),
    recording: z
      .object({ url: z.string(), duration_seconds: z.number(), content_type: z.string() })
      .nullable()
      .openapi({
        description: "Stereo WAV (left the caller, right the persona) when the configuration records",
      }),
    created_at: z.string(),
  })
  .openapi("Call");

const startRoute = createRoute({
  method: "post",
  path: "/v1/calls",
  tags,
  summary: "Start a live voice call with a persona (in the browser, or to a phone with `to`)",
  description:
    "Creates the call (in a new voice conversation, or continuing `conversation_id`) and answers with " +
    "`stream_url`: open it as a WebSocket (ws:// or wss:// on this host) within two minutes. Send 16-bit " +
    'little-endian PCM, 16 kHz mono, as binary messages and `{"type":"hangup"}` to hang up; the persona\'s ' +
    "audio comes back the same way, with JSON events (state, transcript, reply with latency_ms, interrupt, " +
    "ended). The locale's voice configuration decides who speaks first, the first message, the silence " +
    "timeout, the maximum duration and whether the call is recorded. With `to`, the persona calls that " +
    "phone from its first Twilio number instead (404 when Twilio or DRAMATIS_PUBLIC_URL is not configured).",
  request: {
    headers: userHeaderSchema,
    body: jsonBody(
      z
        .strictObject({
          persona_id: z.string().min(1).max(200),
          locale: z
            .string()
            .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a language tag such as en-US")
            .optional()
            .openapi({ description: "Default: the persona's first voice configuration's" }),
          conversation_id: z.string().min(1).max(200).optional(),
          to: z
            .string()
            .min(1)
            .max(40)
            .optional()
            .openapi({
              description:
                "A phone number (E.164) to call from the persona's Twilio number instead of a browser call; " +
                "locale and conversation_id then do not apply",
              example: "+14155550111",
            }),
        })
        .openapi("StartCall"),
    ),
  },
  responses: {
    201: jsonContent(
      z
        .object({
          call: callSchema,
          stream_url: z.string().nullable().openapi({
            description:
              "Path and one-time token of the audio WebSocket; null for a phone call (Twilio opens it)",
          }),
        })
        .openapi("StartedCall"),
      "The call, ringing (a phone call: queued) until its stream opens",
    ),
    ...problemResponses(404, 422),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/calls",
  tags,
  summary: "The user's calls, newest first (a persona's call history with persona_id)",
  request: {
    headers: userHeaderSchema,
    query: pageQuerySchema.extend({ persona_id: z.string().max(200).optional() }),
  },
  responses: {
    200: jsonContent(
      z.object({ data: z.array(callSchema), next_cursor: z.string().nullable() }).openapi("CallList"),
      "The calls",
    ),
    ...problemResponses(422),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/calls/{id}",
  tags,
  summary: "A call: status, duration, turns with their latency, recording",
  request: { headers: userHeaderSchema, params: idParamSchema },
  responses: { 200: jsonContent(callSchema, "The call"), ...problemResponses(404) },
});

const transcriptRoute = createRoute({
  method: "get",
  path: "/v1/calls/{id}/transcript",
  tags,
  summary: "What was said in the call, as the conversation's messages",
  request: { headers: userHeaderSchema, params: idParamSchema },
  responses: {
    200: jsonContent(z.object({ data: z.array(messageSchema) }), "The messages, in order"),
    ...problemResponses(404),
  },
});

const recordingRoute = createRoute({
  method: "get",
  path: "/v1/calls/{id}/recording",
  tags,
  summary: "The call's recording: stereo WAV, left the caller, right the persona",
  request: { headers: userHeaderSchema, params: idParamSchema },
  responses: {
    200: {
      description: "The recording",
      content: { "audio/wav": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses(404),
  },
});

const hangupRoute = createRoute({
  method: "post",
  path: "/v1/calls/{id}/hangup",
  tags,
  summary: "Hang up a call",
  request: { headers: userHeaderSchema, params: idParamSchema },
  responses: { 200: jsonContent(callSchema, "The call, ended"), ...problemResponses(404) },
});

const streamRoute = createRoute({
  method: "get",
  path: "/v1/calls/{id}/stream",
  tags,
  summary: "The call's audio stream (WebSocket only)",
  description:
    "Open with a WebSocket upgrade and `?token=` from POST /v1/calls. A plain HTTP request answers 426.",
  request: {
    headers: userHeaderSchema,
    params: idParamSchema,
    query: z.object({ token: z.string().optional() }),
  },
  responses: {
    101: { description: "Switching to the WebSocket protocol" },
    426: { description: "Not a WebSocket upgrade" },
    ...problemResponses(404),
  },
});

export function callRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();

  router.openapi(startRoute, async (c) => {
    const body = c.req.valid("json");
    if (body.to !== undefined) {
      const call = await c.var.services.phoneCalls.place(await requireUser(c), {
        personaId: body.persona_id,
        to: body.to,
      });
      return c.json({ call, stream_url: null }, 201);
    }
    const { call, streamToken } = await c.var.services.calls.startBrowserCall(await requireUser(c), {
      personaId: body.persona_id,
      locale: body.locale,
      conversationId: body.conversation_id,
    });
    return c.json({ call, stream_url: `/v1/calls/${call.id}/stream?token=${streamToken}` }, 201);
  });

  router.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await c.var.services.calls.list(await requireUser(c), {
      personaId: query.persona_id,
      limit: query.limit,
      cursor: query.after,
    });
    return c.json({ data: page.items, next_cursor: page.nextCursor }, 200);
  });

  router.openapi(getRoute, async (c) =>
    c.json(await c.var.services.calls.get(await requireUser(c), c.req.valid("param").id), 200),
  );

  router.openapi(transcriptRoute, async (c) => {
    const data = await c.var.services.calls.transcript(await requireUser(c), c.req.valid("param").id);
    return c.json({ data }, 200);
  });

  router.openapi(recordingRoute, async (c) => {
    const id = c.req.valid("param").id;
    const recording = await c.var.services.calls.openRecording(await requireUser(c), id);
    return c.body(Readable.toWeb(recording.stream) as ReadableStream<Uint8Array>, 200, {
      "content-type": recording.contentType,
      "content-length": String(recording.size),
      "content-disposition": `attachment; filename="call-${id}.wav"`,
      etag: `"${recording.sha256}"`,
      "cache-control": "private, no-cache",
      "x-content-type-options": "nosniff",
    }) as never;
  });

  router.openapi(hangupRoute, async (c) =>
    c.json(await c.var.services.phoneCalls.hangup(await requireUser(c), c.req.valid("param").id), 200),
  );

  // The stream itself is served on the server's upgrade event (http/call-streams.ts).
  router.openAPIRegistry.registerPath(streamRoute);
  router.get("/v1/calls/:id/stream", async (c) => {
    // Someone else's call is not found, as everywhere; the caller's own is told to upgrade.
    await c.var.services.calls.get(await requireUser(c), c.req.param("id"));
    return c.json(
      {
        type: "about:blank",
        title: "Upgrade Required",
        status: 426,
        detail: "open this URL as a WebSocket with the token POST /v1/calls gave",
        instance: c.req.path,
      },
      426,
      { upgrade: "websocket", "content-type": "application/problem+json" },
    );
  });

  return router;
}
