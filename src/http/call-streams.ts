import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import type { CallService } from "../services/calls/call-service.ts";
import { CALL_SAMPLE_RATE, type CallEvent, type CallTransport } from "../services/calls/call-session.ts";
import { floatToInt16 } from "../speech/wav.ts";
import { TWILIO_MEDIA_STREAM_PATH, runTwilioMediaStream } from "./twilio-media-streams.ts";

/** `/v1/calls/{id}/stream?token=…`: a browser call's audio, both ways, over one WebSocket. */
const STREAM_PATH = /^\/v1\/calls\/([A-Za-z0-9_-]{1,100})\/stream$/;

/** The largest message a client may send: a second of 16-bit audio is 32 KB. */
const MAX_MESSAGE_BYTES = 256 * 1024;

/** Something with an `upgrade` event: the HTTP server. */
interface UpgradeSource {
  on(event: "upgrade", listener: (request: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
}

/**
 * Serves call audio streams on the HTTP server's WebSocket upgrades (and Twilio's media streams of
 * phone calls, twilio-media-streams.ts). The stream proves itself with the
 * one-time token POST /v1/calls gave (a WebSocket cannot send an Authorization header from a browser);
 * a wrong id or token is refused with a plain 404 before the upgrade.
 *
 * Wire: the client sends 16-bit little-endian PCM, 16 kHz mono, as binary messages, and `{"type":
 * "hangup"}` as text; the server sends the persona's audio the same way and the session's events
 * (`CallEvent`) as JSON text.
 */
export function serveCallStreams(options: { server: UpgradeSource; calls: CallService; logger: Logger }): {
  close(): void;
} {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  options.server.on("upgrade", (request, socket, head) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === TWILIO_MEDIA_STREAM_PATH) {
      // Twilio cannot present a token in the URL: the stream's `start` message does (see the file).
      sockets.handleUpgrade(request, socket, head, (webSocket) => runTwilioMediaStream(webSocket, options));
      return;
    }
    const match = STREAM_PATH.exec(url.pathname);
    if (!match) {
      refuse(socket, 404, "Not Found");
      return;
    }
    const callId = match[1]!;
    const token = url.searchParams.get("token") ?? "";
    void options.calls
      .claimStream(callId, token)
      .then((call) => {
        if (!call) {
          refuse(socket, 404, "Not Found");
          return;
        }
        sockets.handleUpgrade(request, socket, head, (webSocket) => {
          const started = options.calls.runSession(call, browserTransport(webSocket));
          started.catch((error: unknown) => {
            options.logger.warn({ err: error, call_id: callId }, "the call could not start");
            webSocket.close(1011, "the call could not start");
          });
          // Listening at once, so audio sent while the session starts is queued behind its start.
          webSocket.on("message", (data, isBinary) => {
            void started.then((session) => {
              if (isBinary) session.pushAudio(pcm16ToFloat(data as Buffer));
              else if (isHangup(data.toString())) void session.hangup();
            }, ignore);
          });
          webSocket.on("close", () => void started.then((session) => session.hangup(), ignore));
        });
      })
      .catch((error: unknown) => {
        options.logger.warn({ err: error, call_id: callId }, "call stream refused");
        refuse(socket, 500, "Internal Server Error");
      });
  });
  return { close: () => sockets.close() };
}

const ignore = () => undefined;

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function isHangup(text: string): boolean {
  try {
    return (JSON.parse(text) as { type?: unknown }).type === "hangup";
  } catch {
    return false;
  }
}

function pcm16ToFloat(bytes: Buffer): Float32Array {
  const samples = new Float32Array(Math.floor(bytes.length / 2));
  for (let index = 0; index < samples.length; index++) samples[index] = bytes.readInt16LE(index * 2) / 32768;
  return samples;
}

function floatToPcm16(samples: Float32Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let index = 0; index < samples.length; index++)
    bytes.writeInt16LE(floatToInt16(samples[index]!), index * 2);
  return bytes;
}

/** A browser's WebSocket as a call transport; audio in 100 ms messages so playback can start early. */
function browserTransport(webSocket: WebSocket): CallTransport {
  const open = () => webSocket.readyState === webSocket.OPEN;
  return {
    send(event: CallEvent) {
      if (open()) webSocket.send(JSON.stringify(event));
    },
    sendAudio(samples: Float32Array) {
      const step = CALL_SAMPLE_RATE / 10;
      for (let offset = 0; offset < samples.length && open(); offset += step) {
        webSocket.send(floatToPcm16(samples.subarray(offset, offset + step)));
      }
    },
    clearAudio() {
      // The session's `interrupt` event tells the browser to drop what it has queued.
    },
    close() {
      if (open()) webSocket.close(1000, "call ended");
    },
  };
}
