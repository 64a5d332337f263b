import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { TWILIO_VOICE_STATUS_PATH, TWILIO_VOICE_WEBHOOK_PATH } from "../../channels/voice/phone-calls.ts";
import { TWILIO_MEDIA_STREAM_PATH } from "../../channels/voice/twiml.ts";
import type { AppEnv } from "../app-env.ts";
import { problemResponses } from "../openapi-common.ts";

const tags = ["Calls"];

const signatureHeaders = z.object({
  "x-twilio-signature": z.string().openapi({ param: { name: "x-twilio-signature", in: "header" } }),
});

const twimlResponse = (description: string) => ({
  description,
  content: { "text/xml": { schema: z.string() } },
});

const voiceWebhookRoute = createRoute({
  method: "post",
  path: TWILIO_VOICE_WEBHOOK_PATH,
  tags,
  summary:
    "Twilio's voice webhook: a persona's number is called (public; authenticated by X-Twilio-Signature)",
  description:
    "Configure it as the voice webhook (HTTP POST) of every number bound to a persona. A caller whose number " +
    "is verified to a user is put through to the persona: the answer is TwiML that connects the call's audio " +
    `to the media-stream WebSocket (${TWILIO_MEDIA_STREAM_PATH}, with the call's id and one-time token as ` +
    "<Parameter>s). Anyone else hears that the number is not set up, and the call hangs up. The signature " +
    "is checked against DRAMATIS_PUBLIC_URL + this path when set, else the URL as received.",
  security: [],
  request: {
    headers: signatureHeaders,
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: z.object({ CallSid: z.string(), From: z.string(), To: z.string() }),
        },
      },
    },
  },
  responses: { 200: twimlResponse("TwiML for the call"), ...problemResponses(404) },
});

const statusCallbackRoute = createRoute({
  method: "post",
  path: TWILIO_VOICE_STATUS_PATH,
  tags,
  summary: "Twilio's status callback of calls a persona places (public; authenticated by X-Twilio-Signature)",
  description:
    "Moves the call's status forward (queued, ringing, in-progress, then completed, busy, no-answer, failed " +
    "or canceled); a call that ends before its audio stream opened gets its end time and reason here.",
  security: [],
  request: {
    headers: signatureHeaders,
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: z.object({ CallSid: z.string(), CallStatus: z.string() }),
        },
      },
    },
  },
  responses: { 200: twimlResponse("Received: empty TwiML"), ...problemResponses(404) },
});

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const TWIML_HEADERS = { "content-type": "text/xml; charset=utf-8" };

export function twilioVoiceRoutes(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>();
  const signed = async (c: {
    req: { url: string; header(name: string): string | undefined; text(): Promise<string> };
  }) => ({ url: c.req.url, signature: c.req.header("x-twilio-signature"), body: await c.req.text() });

  // Registered for the document only: the form is read raw, because the signature covers every
  // parameter exactly as sent (as for the SMS webhook).
  router.openAPIRegistry.registerPath(voiceWebhookRoute);
  router.post(TWILIO_VOICE_WEBHOOK_PATH, async (c) =>
    c.body(await c.var.services.phoneCalls.answer(await signed(c)), 200, TWIML_HEADERS),
  );

  router.openAPIRegistry.registerPath(statusCallbackRoute);
  router.post(TWILIO_VOICE_STATUS_PATH, async (c) => {
    await c.var.services.phoneCalls.updateStatus(await signed(c));
    return c.body(EMPTY_TWIML, 200, TWIML_HEADERS);
  });

  return router;
}
