import { escapeXml } from "../../lib/escape-xml.ts";
/*
 * TwiML is the XML Twilio reads to know what to do with a call. Dramatis only ever answers with two
 * shapes: connect the call's audio to our media-stream WebSocket, or say a sentence and hang up.
 * https://www.twilio.com/docs/voice/twiml
 */

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** The path Twilio opens its Media Streams WebSocket on (`<Connect><Stream url>`). */
export const TWILIO_MEDIA_STREAM_PATH = "/v1/twilio/media-stream";

/**
 * The media-stream WebSocket URL on a public origin (`https://chat.example.com` -> `wss://...`).
 * Twilio refuses a query string here, which is why the call's id and token travel as `<Parameter>`s.
 *
 * @example mediaStreamUrl("https://chat.example.com/"); // "wss://chat.example.com/v1/twilio/media-stream"
 */
export function mediaStreamUrl(publicOrigin: string): string {
  const origin = new URL(publicOrigin);
  const scheme = origin.protocol === "http:" ? "ws:" : "wss:";
  const base = `${origin.host}${origin.pathname.replace(/\/+$/, "")}`;
  return `${scheme}//${base}${TWILIO_MEDIA_STREAM_PATH}`;
}

/**
 * Connects the call's audio, both ways, to a Media Streams WebSocket, with custom parameters Twilio
 * passes back in the stream's `start` message.
 *
 * @example streamTwiml({ url: "wss://chat.example.com/v1/twilio/media-stream", parameters: { call_id: "cal_1" } })
 */
export function streamTwiml(options: { url: string; parameters: Record<string, string> }): string {
  const parameters = Object.entries(options.parameters)
    .map(([name, value]) => `<Parameter name="${escapeXml(name)}" value="${escapeXml(value)}"/>`)
    .join("");
  return (
    `${XML_DECLARATION}<Response><Connect><Stream url="${escapeXml(options.url)}">` +
    `${parameters}</Stream></Connect></Response>`
  );
}

/** Says one thing and hangs up (a number nobody can be put through to). */
export function sayAndHangUpTwiml(text: string): string {
  return `${XML_DECLARATION}<Response><Say>${escapeXml(text)}</Say><Hangup/></Response>`;
}
