import { client, unwrap, type Schema } from "./api.ts";
import {
  floatToPcm16,
  startMicrophoneCapture,
  StreamingDownsampler,
  type MicrophoneCapture,
} from "./microphone-capture.ts";
import { PcmStreamPlayer } from "./pcm-stream-player.ts";

/** The call stream's audio, both ways: 16-bit little-endian PCM, 16 kHz mono. */
export const CALL_SAMPLE_RATE = 16_000;

export type Call = Schema<"Call">;
export type CallEndReason = "hangup" | "silence_timeout" | "max_duration" | "error" | "server_shutdown";

/** One line of the live transcript. */
export type CallTranscriptEntry =
  | { kind: "agent"; key: string; text: string; interrupted: boolean }
  | { kind: "user"; key: string; text: string }
  | { kind: "reply"; key: string; text: string; latencyMs: number | null; interrupted: boolean };

export interface CallSnapshot {
  call: Call;
  /** connecting: asking for the microphone and opening the stream; ending: playing out the goodbye */
  phase: "connecting" | "live" | "ending" | "ended";
  /** what the persona does now, from the stream's `state` events */
  activity: "listening" | "thinking" | "speaking" | undefined;
  /** the persona's audio is playing here (the server may already be listening while it plays out) */
  playing: boolean;
  transcript: CallTranscriptEntry[];
  muted: boolean;
  /** when the stream opened / the call ended, by the injected clock (ms) */
  connectedAt: number | undefined;
  endedAt: number | undefined;
  endReason: CallEndReason | undefined;
  /** why the call could not go on here (microphone refused, stream lost) */
  failure: string | undefined;
  /** pieces of the persona's audio received and started on the AudioContext */
  audioPiecesReceived: number;
  audioPiecesStarted: number;
  interruptions: number;
}

/** Everything a call reaches outside itself, injectable for tests. */
export interface CallEnvironment {
  createSocket: (url: string) => WebSocket;
  startMicrophone: typeof startMicrophoneCapture;
  now: () => number;
  setTimeout: (callback: () => void, ms: number) => unknown;
  /** where the page is, to turn the stream path into a ws:// or wss:// address */
  location: Pick<Location, "protocol" | "host">;
}

const browserEnvironment = (): CallEnvironment => ({
  createSocket: (url) => new WebSocket(url),
  startMicrophone: startMicrophoneCapture,
  now: () => Date.now(),
  setTimeout: (callback, ms) => window.setTimeout(callback, ms),
  location: window.location,
});

type StreamEvent =
  | { type: "state"; state: "listening" | "thinking" | "speaking" }
  | { type: "agent-message"; text: string; message_id: string }
  | { type: "transcript"; text: string }
  | {
      type: "reply";
      user_message_id: string;
      message_id: string | null;
      text: string;
      latency_ms: number | null;
      interrupted: boolean;
    }
  | { type: "interrupt" }
  | { type: "ended"; reason: CallEndReason };

/** The longest wait for queued goodbye audio to play out after `ended` (a suspended context never ends). */
const PLAY_OUT_LIMIT_MS = 15_000;

/**
 * One live call in this tab: the microphone to the stream, the stream's audio to the speakers, and its
 * events into a snapshot the call screen renders (`subscribe` + `snapshot`, for useSyncExternalStore).
 * It lives outside React so the screen can be left and re-rendered without dropping the call, and so the
 * AudioContext is made in the click that started it (browsers let sound play only after a gesture).
 */
export class CallController {
  private state: CallSnapshot;
  private readonly listeners = new Set<() => void>();
  private socket: WebSocket | undefined;
  private microphone: MicrophoneCapture | undefined;
  private readonly player: PcmStreamPlayer;
  private nextKey = 0;
  private closedByUs = false;
  private screens = 0;

  constructor(
    call: Call,
    private readonly streamPath: string,
    private readonly context: AudioContext,
    private readonly environment: CallEnvironment = browserEnvironment(),
  ) {
    this.player = new PcmStreamPlayer(context, CALL_SAMPLE_RATE, (playing) => {
      if (playing !== this.state.playing) this.update({ playing });
    });
    this.state = {
      call,
      phase: "connecting",
      activity: undefined,
      playing: false,
      transcript: [],
      muted: false,
      connectedAt: undefined,
      endedAt: undefined,
      endReason: undefined,
      failure: undefined,
      audioPiecesReceived: 0,
      audioPiecesStarted: 0,
      interruptions: 0,
    };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly snapshot = (): CallSnapshot => this.state;

  /** Asks for the microphone, then opens the stream (the server starts the call when it opens). */
  async connect(): Promise<void> {
    try {
      if (this.context.state === "suspended") await this.context.resume();
      let downsampler: StreamingDownsampler | undefined;
      this.microphone = await this.environment.startMicrophone({
        blockSize: 2048,
        onSamples: (samples, sampleRate) => {
          downsampler ??= new StreamingDownsampler(sampleRate, CALL_SAMPLE_RATE);
          const pcm = downsampler.push(samples);
          // Muted: silence, not nothing, so the server's recording stays in step with the call's clock.
          this.sendAudio(this.state.muted ? new Float32Array(pcm.length) : pcm);
        },
      });
    } catch (error) {
      this.fail(
        error instanceof DOMException && error.name === "NotAllowedError"
          ? "The microphone is blocked for this page: allow it in the browser and call again."
          : `The microphone could not be opened: ${error instanceof Error ? error.message : String(error)}`,
      );
      void this.hangUpOnServer();
      return;
    }
    if (this.state.phase === "ended") {
      this.microphone.stop();
      return;
    }
    const scheme = this.environment.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = this.environment.createSocket(
      `${scheme}//${this.environment.location.host}${this.streamPath}`,
    );
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      if (this.state.phase === "connecting")
        this.update({ phase: "live", connectedAt: this.environment.now() });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data === "string") this.handleEvent(event.data);
      else this.handleAudio(event.data as ArrayBuffer);
    };
    socket.onclose = () => {
      if (this.state.phase === "ended" || this.closedByUs) return;
      // Hung up here and closed without an `ended`: nothing more is coming.
      if (this.state.phase === "ending") {
        if (!this.state.endReason) this.finish("hangup");
        return;
      }
      this.fail(
        this.state.phase === "connecting"
          ? "The call could not be connected."
          : "The connection to the call was lost.",
      );
    };
  }

  /**
   * A call screen shows this call; the returned function says it has gone. Leaving the screen (the back
   * button, a link) hangs up; the check waits a tick, so a screen that is re-mounted at once (React's
   * StrictMode does that) keeps the call.
   */
  attachScreen(): () => void {
    this.screens++;
    return () => {
      this.screens--;
      this.environment.setTimeout(() => {
        if (this.screens === 0) this.hangUp();
      }, 0);
    };
  }

  setMuted(muted: boolean): void {
    this.update({ muted });
  }

  /** Hangs up: the server answers `ended` (reason hangup, no goodbye) and closes the stream. */
  hangUp(): void {
    if (this.state.phase === "ended" || this.state.phase === "ending") return;
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "hangup" }));
      // The server answers `ended`; if it does not within a while, close from here.
      this.environment.setTimeout(() => {
        if (this.state.phase !== "ended") this.finish("hangup");
      }, 5_000);
      this.update({ phase: "ending" });
      return;
    }
    this.finish("hangup");
    void this.hangUpOnServer();
  }

  private handleAudio(bytes: ArrayBuffer): void {
    if (this.state.phase === "ended") return;
    this.player.enqueue(bytes);
    this.update({
      audioPiecesReceived: this.state.audioPiecesReceived + 1,
      audioPiecesStarted: this.player.startedPieces,
    });
  }

  private handleEvent(text: string): void {
    let event: StreamEvent;
    try {
      event = JSON.parse(text) as StreamEvent;
    } catch {
      return;
    }
    switch (event.type) {
      case "state":
        this.update({ activity: event.state });
        return;
      case "agent-message":
        this.append({ kind: "agent", key: event.message_id, text: event.text, interrupted: false });
        return;
      case "transcript":
        this.append({ kind: "user", key: this.newKey(), text: event.text });
        return;
      case "reply":
        // A reply stopped without a barge-in (the call reached its time limit) is not played out either.
        if (event.interrupted) this.player.interrupt();
        this.append({
          kind: "reply",
          key: event.message_id ?? this.newKey(),
          text: event.text,
          latencyMs: event.latency_ms,
          interrupted: event.interrupted,
        });
        return;
      case "interrupt": {
        // The line being played is cut short; a turn still being written says so in its own reply event.
        const cut = this.player.playing;
        this.player.interrupt();
        const transcript = [...this.state.transcript];
        const last = transcript.at(-1);
        if (cut && (last?.kind === "agent" || last?.kind === "reply")) {
          transcript[transcript.length - 1] = { ...last, interrupted: true };
        }
        this.update({ transcript, interruptions: this.state.interruptions + 1 });
        return;
      }
      case "ended":
        this.update({ phase: "ending", endReason: event.reason, endedAt: this.environment.now() });
        this.stopMicrophone();
        void this.playOutThenFinish(event.reason);
        return;
    }
  }

  private async playOutThenFinish(reason: CallEndReason): Promise<void> {
    await Promise.race([
      this.player.drained(),
      new Promise<void>((resolve) => this.environment.setTimeout(resolve, PLAY_OUT_LIMIT_MS)),
    ]);
    this.finish(reason);
  }

  private finish(reason: CallEndReason): void {
    if (this.state.phase === "ended") return;
    this.closedByUs = true;
    this.stopMicrophone();
    this.player.interrupt();
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000, "call ended");
    void this.context.close().catch(() => undefined);
    this.update({
      phase: "ended",
      activity: undefined,
      endReason: this.state.endReason ?? reason,
      endedAt: this.state.endedAt ?? this.environment.now(),
    });
  }

  private fail(failure: string): void {
    this.update({ failure });
    this.finish("error");
  }

  /** A call whose stream never opened is still ringing on the server: cancel it there. */
  private async hangUpOnServer(): Promise<void> {
    try {
      await unwrap(client.POST("/v1/calls/{id}/hangup", { params: { path: { id: this.state.call.id } } }));
    } catch {
      // The call ends by itself when its token expires; nothing more to do here.
    }
  }

  private sendAudio(samples: Float32Array): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || samples.length === 0) return;
    socket.send(floatToPcm16(samples));
  }

  private stopMicrophone(): void {
    this.microphone?.stop();
    this.microphone = undefined;
  }

  private append(entry: CallTranscriptEntry): void {
    this.update({ transcript: [...this.state.transcript, entry] });
  }

  private newKey(): string {
    return `entry-${this.nextKey++}`;
  }

  private update(change: Partial<CallSnapshot>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }
}

/** Calls started in this tab, by id: the call screen finds its live call here. */
const liveCalls = new Map<string, CallController>();

export function findLiveCall(callId: string): CallController | undefined {
  return liveCalls.get(callId);
}

/**
 * Starts a call with a persona from a click: makes the AudioContext at once (inside the gesture), asks
 * the server for the call, and connects it. Resolves with the controller once the server has the call;
 * the microphone and the stream follow (see the snapshot's phase).
 */
export async function startCall(options: {
  personaId: string;
  locale?: string | undefined;
  conversationId?: string | undefined;
}): Promise<CallController> {
  const context = new AudioContext();
  try {
    const started = await unwrap(
      client.POST("/v1/calls", {
        body: {
          persona_id: options.personaId,
          ...(options.locale ? { locale: options.locale } : {}),
          ...(options.conversationId ? { conversation_id: options.conversationId } : {}),
        },
      }),
    );
    // Only a phone call (POST with `to`) has no stream: a browser call always gets one.
    if (!started.stream_url) throw new Error("the server opened no audio stream for this call");
    const controller = new CallController(started.call, started.stream_url, context);
    liveCalls.set(started.call.id, controller);
    void controller.connect();
    return controller;
  } catch (error) {
    void context.close();
    throw error;
  }
}
