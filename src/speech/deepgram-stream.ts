import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { z } from "zod";
import type { RecognitionStream, StreamingTranscriptionRequest, Transcription } from "./speech.ts";
import { SpeechProviderError } from "./speech.ts";
import { floatToInt16 } from "./wav.ts";

/**
 * Deepgram's live transcription: a WebSocket to `/v1/listen` with the audio's encoding in the query
 * (`encoding=linear16&sample_rate=16000&channels=1`), binary frames of PCM while the caller talks, then
 * `{"type":"CloseStream"}`, on which Deepgram sends its last final `Results`, a `Metadata` summary and
 * closes. The transcript is every final result's text, in order.
 */

/** Deepgram's transcription message: only what is read here. */
const resultsSchema = z.object({
  type: z.literal("Results"),
  is_final: z.boolean().optional(),
  channel: z.object({ alternatives: z.array(z.object({ transcript: z.string() })) }),
});

/** How long Deepgram may take to send its last results after CloseStream before the stream fails. */
const FINISH_TIMEOUT_MS = 15_000;

export interface DeepgramStreamSettings {
  /** the provider's configured name, for errors */
  provider: string;
  /** `https://api.deepgram.com` (or a loopback fake); the socket goes to its `ws(s)` twin */
  baseUrl: string;
  headers: Record<string, string>;
  model: string;
}

/** Opens a live transcription of one utterance. */
export function openDeepgramStream(
  settings: DeepgramStreamSettings,
  request: StreamingTranscriptionRequest,
): RecognitionStream {
  const query = new URLSearchParams({
    model: settings.model,
    encoding: "linear16",
    sample_rate: String(request.sampleRate),
    channels: "1",
    smart_format: "true",
    interim_results: "false",
  });
  if (request.locale) query.set("language", request.locale);
  const url = new URL("v1/listen", settings.baseUrl.replace(/\/*$/, "/"));
  url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
  url.search = query.toString();
  return new DeepgramStream(settings.provider, new WebSocket(url, { headers: settings.headers }), request);
}

class DeepgramStream implements RecognitionStream {
  private readonly pending: Buffer[] = [];
  private readonly finals: string[] = [];
  private samplesWritten = 0;
  private failure: SpeechProviderError | undefined;
  private readonly closed: Promise<void>;
  private finishing = false;

  constructor(
    private readonly provider: string,
    private readonly socket: WebSocket,
    private readonly request: StreamingTranscriptionRequest,
  ) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("open", () => {
      for (const frame of this.pending.splice(0)) socket.send(frame);
      if (this.finishing) socket.send(JSON.stringify({ type: "CloseStream" }));
    });
    socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return this.fail("answered something that is not JSON");
      }
      const results = resultsSchema.safeParse(message);
      if (!results.success || results.data.is_final === false) return;
      const text = results.data.channel.alternatives[0]?.transcript.trim();
      if (text) this.finals.push(text);
    });
    socket.on("unexpected-response", (_request, response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const status = response.statusCode ?? 0;
        this.fail(`${status}: ${errorMessage(Buffer.concat(chunks).toString("utf8"), response)}`, status);
        socket.terminate();
      });
    });
    socket.on("error", (error) => this.fail(`the live connection failed: ${error.message}`));
  }

  write(samples: Float32Array): void {
    if (this.finishing || this.failure) return;
    this.samplesWritten += samples.length;
    const pcm = Buffer.alloc(samples.length * 2);
    for (let index = 0; index < samples.length; index++) {
      pcm.writeInt16LE(floatToInt16(samples[index]!), index * 2);
    }
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(pcm);
    else this.pending.push(pcm);
  }

  async finish(signal?: AbortSignal): Promise<Transcription> {
    this.finishing = true;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "CloseStream" }));
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => this.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.race([
        this.closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.fail("sent no final result in time");
            this.socket.terminate();
            resolve();
          }, FINISH_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    signal?.throwIfAborted();
    if (this.failure) throw this.failure;
    return {
      text: this.finals.join(" "),
      language: this.request.locale,
      durationSeconds: this.samplesWritten / this.request.sampleRate,
    };
  }

  abort(): void {
    this.finishing = true;
    this.pending.length = 0;
    this.socket.terminate();
  }

  private fail(message: string, status?: number): void {
    this.failure ??= new SpeechProviderError(this.provider, message, status);
  }
}

/** Deepgram's reason for refusing the upgrade: `err_msg` of its JSON body, else its `dg-error` header. */
function errorMessage(body: string, response: IncomingMessage): string {
  try {
    const parsed = JSON.parse(body) as { err_msg?: unknown };
    if (typeof parsed.err_msg === "string") return parsed.err_msg;
  } catch {
    // not JSON: fall through
  }
  const header = response.headers["dg-error"];
  return (Array.isArray(header) ? header[0] : header) ?? (response.statusMessage || "refused the connection");
}
