import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { z } from "zod";
import type { CallService } from "../services/calls/call-service.ts";
import { CALL_SAMPLE_RATE, type CallSession, type CallTransport } from "../services/calls/call-session.ts";
import { decodeMuLaw, encodeMuLaw, resample } from "../speech/wav.ts";

export { TWILIO_MEDIA_STREAM_PATH } from "../channels/voice/twiml.ts";

/** Twilio Media Streams carry G.711 mu-law at 8 kHz, mono. */
const PHONE_SAMPLE_RATE = 8_000;
/** Twilio plays what it is sent in 20 ms frames; sending whole frames keeps its buffer even. */
const FRAME_BYTES = (PHONE_SAMPLE_RATE * 20) / 1000;
/** Anyone can open the socket; one that does not present its call soon is closed. */
const START_TIMEOUT_MS = 15_000;

/*
 * Twilio's messages on the stream, as JSON text: `connected`, then `start` (with the stream's sid and
 * our <Parameter>s), `media` (base64 mu-law), `mark`, `dtmf` and finally `stop`.
 * https://www.twilio.com/docs/voice/media-streams/websocket-messages
 */
const twilioMessageSchema = z.discriminatedUnion("event", [
  z.object({
    event: z.literal("start"),
    start: z.object({
      streamSid: z.string(),
      callSid: z.string().optional(),
      customParameters: z.record(z.string(), z.string()).default({}),
    }),
  }),
  z.object({
    event: z.literal("media"),
    media: z.object({ payload: z.string(), track: z.string().optional() }),
  }),
  z.object({ event: z.literal("stop") }),
]);

/**
 * Runs a Twilio media stream that just opened: its `start` message names the call and presents the
 * call's one-time stream token (from the TwiML's <Parameter>s); a wrong one closes the socket. The
 * caller's audio feeds the call's session; the persona's audio goes back as 20 ms mu-law frames; a
 * `stop` or a closed socket hangs up.
 */
export function runTwilioMediaStream(
  webSocket: WebSocket,
  options: { calls: CallService; logger: Logger },
): void {
  let started: Promise<CallSession> | undefined;
  const unstarted = setTimeout(() => webSocket.close(1008, "no start message"), START_TIMEOUT_MS);
  unstarted.unref();
  const whenStarted = (action: (session: CallSession) => unknown) => void started?.then(action, ignore);
  webSocket.on("message", (data, isBinary) => {
    if (isBinary) return;
    const message = readMessage(data.toString());
    if (!message) return;
    switch (message.event) {
      case "start": {
        if (started) return;
        clearTimeout(unstarted);
        const { streamSid, customParameters } = message.start;
        const callId = customParameters.call_id ?? "";
        started = options.calls.claimStream(callId, customParameters.token ?? "").then((call) => {
          if (!call) throw new Error("no call takes this id and token");
          return options.calls.runSession(call, twilioTransport(webSocket, streamSid));
        });
        started.catch((error: unknown) => {
          options.logger.warn({ err: error, call_id: callId }, "a Twilio media stream was refused");
          webSocket.close(1008, "unknown call or token");
        });
        break;
      }
      case "media":
        if (message.media.track !== undefined && message.media.track !== "inbound") return;
        whenStarted((session) => session.pushAudio(phoneToCallAudio(message.media.payload)));
        break;
      case "stop":
        whenStarted((session) => session.hangup());
        break;
    }
  });
  webSocket.on("close", () => {
    clearTimeout(unstarted);
    whenStarted((session) => session.hangup());
  });
}

const ignore = () => undefined;

function readMessage(text: string): z.infer<typeof twilioMessageSchema> | undefined {
  try {
    const parsed = twilioMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined; // connected, mark, dtmf: nothing to do
  } catch {
    return undefined;
  }
}

function phoneToCallAudio(payload: string): Float32Array {
  return resample(decodeMuLaw(Buffer.from(payload, "base64")), PHONE_SAMPLE_RATE, CALL_SAMPLE_RATE);
}

/** A Twilio media stream as a call transport: the session's events have no place on a phone line. */
function twilioTransport(webSocket: WebSocket, streamSid: string): CallTransport {
  const open = () => webSocket.readyState === webSocket.OPEN;
  return {
    send() {
      // A phone shows no transcript; the call's turns are stored with the call.
    },
    sendAudio(samples: Float32Array) {
      const bytes = encodeMuLaw(resample(samples, CALL_SAMPLE_RATE, PHONE_SAMPLE_RATE));
      for (let offset = 0; offset < bytes.length && open(); offset += FRAME_BYTES) {
        const payload = Buffer.from(bytes.subarray(offset, offset + FRAME_BYTES)).toString("base64");
        webSocket.send(JSON.stringify({ event: "media", streamSid, media: { payload } }));
      }
    },
    clearAudio() {
      if (open()) webSocket.send(JSON.stringify({ event: "clear", streamSid }));
    },
    close() {
      if (open()) webSocket.close(1000, "call ended");
    },
  };
}
