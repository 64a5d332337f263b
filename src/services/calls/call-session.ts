import { EnergyVad } from "../../speech/energy-vad.ts";
import type { RecognitionStream } from "../../speech/speech.ts";
import { SentenceChunker } from "./sentence-chunker.ts";

/** The sample rate of every call's audio inside the server (transports convert at the edges). */
export const CALL_SAMPLE_RATE = 16_000;

/** What the session tells the caller's client, besides audio. */
export type CallEvent =
  | { type: "state"; state: "listening" | "thinking" | "speaking" }
  | { type: "transcript"; text: string }
  | {
      type: "reply";
      user_message_id: string;
      message_id: string | null;
      text: string;
      latency_ms: number | null;
      interrupted: boolean;
    }
  | { type: "agent-message"; text: string; message_id: string }
  | { type: "interrupt" }
  | { type: "ended"; reason: CallEndReason };

export type CallEndReason = "hangup" | "silence_timeout" | "max_duration" | "error" | "server_shutdown";

/**
 * The brain cannot transcribe (the server has no recognizer): the session says `spoken` once, so the
 * caller knows why nobody answers, and goes on listening (the silence timeout still ends the call).
 */
export class CannotHearError extends Error {
  constructor(readonly spoken: string) {
    super(spoken);
    this.name = "CannotHearError";
  }
}

/** Where the session's output goes: a browser's WebSocket, a Twilio media stream. */
export interface CallTransport {
  send(event: CallEvent): void;
  /** Agent audio, 16 kHz mono; the transport encodes it for its wire. */
  sendAudio(samples: Float32Array): void;
  /** Drops agent audio the client has queued but not played yet (barge-in). */
  clearAudio(): void;
  close(): void;
}

/** What the session needs from the rest of the server: ears, a voice and the persona's mind. */
export interface CallBrain {
  transcribe(samples: Float32Array, signal: AbortSignal): Promise<string>;
  /**
   * A live transcription of the utterance starting now, when the recognizer streams (Deepgram): it hears
   * the words as they are spoken, so the transcript is ready as the caller stops. Undefined (or absent):
   * `transcribe` takes the whole utterance at its end.
   */
  listen?(): RecognitionStream | undefined;
  /** The text in the call's voice, 16 kHz mono. */
  synthesize(text: string, signal: AbortSignal): Promise<Float32Array>;
  /** Stores the user's words and has the persona answer them, streaming the reply's text. */
  reply(
    text: string,
    options: { signal: AbortSignal; onDelta: (delta: string) => void },
  ): Promise<{ userMessageId: string; replyMessageId: string; text: string }>;
  /** Stores something the persona says without the model (the first message, a goodbye). */
  say(text: string): Promise<{ messageId: string }>;
}

export interface CallSettings {
  firstSpeaker: "agent" | "user";
  /** spoken first when the agent opens; empty: the persona's opener (`opener`) */
  firstMessage: string;
  silenceTimeoutMs: number;
  maxDurationMs: number;
  recording: boolean;
  /** said when the silence timeout ends the call */
  silenceGoodbye: string;
  /** said when the call reaches its maximum duration */
  timeLimitGoodbye: string;
}

export interface CallTurn {
  user_message_id: string;
  reply_message_id: string | null;
  user_text: string;
  reply_text: string;
  /** speech end (as the detector saw it) -> first audio of the reply sent; null when none was */
  latency_ms: number | null;
  interrupted: boolean;
}

export interface CallSummary {
  reason: CallEndReason;
  startedAt: number;
  endedAt: number;
  turns: CallTurn[];
  /** both sides, when the call was recorded: left the user, right the persona */
  recording?: { left: Float32Array; right: Float32Array; sampleRate: number };
}

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Audio kept before the detector's speech start, so the first syllable reaches the recognizer. */
const PRE_ROLL_SAMPLES = CALL_SAMPLE_RATE * 0.3;
/** The longest utterance transcribed at once. */
const MAX_UTTERANCE_SAMPLES = CALL_SAMPLE_RATE * 60;

/** A growing mono track. */
class Track {
  private chunks: Array<{ at: number; samples: Float32Array }> = [];
  length = 0;
  write(at: number, samples: Float32Array): void {
    this.chunks.push({ at, samples });
    this.length = Math.max(this.length, at + samples.length);
  }
  /** Drops everything from `at` on: audio sent but never heard (cut off by barge-in or the end). */
  truncate(at: number): void {
    this.chunks = this.chunks
      .filter((chunk) => chunk.at < at)
      .map((chunk) => ({ at: chunk.at, samples: chunk.samples.subarray(0, at - chunk.at) }));
    this.length = Math.min(this.length, at);
  }
  render(length: number): Float32Array {
    const out = new Float32Array(length);
    for (const { at, samples } of this.chunks) out.set(samples.subarray(0, Math.max(0, length - at)), at);
    return out;
  }
}

/**
 * One live call: listens (voice-activity detection), transcribes each utterance (live while it is spoken
 * when the recognizer streams, else whole at its end), has the persona answer
 * (streamed), reads the answer aloud sentence by sentence while the model still writes, and stops at
 * once when the user talks over it (barge-in). The voice configuration decides who opens, what is said
 * first, and when a silent or over-long call ends. Transport and brain are injected, so the same session
 * runs a browser call and a phone call.
 */
export class CallSession {
  private readonly vad = new EnergyVad({ sampleRate: CALL_SAMPLE_RATE });
  private readonly timers: Timers;
  private readonly userTrack = new Track();
  private readonly agentTrack = new Track();
  private readonly turns: CallTurn[] = [];
  private startedAt = 0;
  /** samples of caller audio received: the call's clock for the recording */
  private heard = 0;
  private recent: Float32Array[] = [];
  private utterance: Float32Array[] | undefined;
  private utteranceLength = 0;
  /** the utterance's live transcription, while it is spoken (brain.listen) */
  private live: RecognitionStream | undefined;
  /** the moment the client will have played everything sent so far (by the session's clock) */
  private playbackEndsAt = 0;
  /** the agent track's write position in samples */
  private agentCursor = 0;
  private turn: { controller: AbortController; done: Promise<void> } | undefined;
  private toldCannotHear = false;
  private silenceTimer: unknown;
  private durationTimer: unknown;
  private ending: Promise<CallSummary> | undefined;
  private resolveEnded!: (summary: CallSummary) => void;
  /** Settles with the summary once the call has ended, however it ended. */
  readonly ended: Promise<CallSummary>;

  constructor(
    private readonly options: {
      transport: CallTransport;
      brain: CallBrain;
      settings: CallSettings;
      /** what the persona opens with when the agent speaks first and no first message is set */
      opener?: string | undefined;
      timers?: Timers;
      /** a failure the session survived (a turn that could not be answered) */
      onError?: (error: unknown) => void;
    },
  ) {
    this.timers = options.timers ?? realTimers;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  get isEnding(): boolean {
    return this.ending !== undefined;
  }

  /** Starts the call: arms the time limit and lets the agent open, or waits for the user. */
  start(): void {
    this.startedAt = this.timers.now();
    const { settings } = this.options;
    this.durationTimer = this.timers.setTimeout(
      () => void this.end("max_duration", settings.timeLimitGoodbye),
      settings.maxDurationMs,
    );
    const opening = settings.firstMessage.trim() || this.options.opener?.trim() || "";
    if (settings.firstSpeaker === "agent" && opening) {
      this.runTurn(async (signal) => {
        const { messageId } = await this.options.brain.say(opening);
        this.options.transport.send({ type: "agent-message", text: opening, message_id: messageId });
        await this.speak(opening, signal);
      });
    } else {
      this.listen();
    }
  }

  /** Caller audio, 16 kHz mono, as it arrives. */
  pushAudio(samples: Float32Array): void {
    if (this.ending) return;
    if (this.options.settings.recording) this.userTrack.write(this.heard, samples);
    this.heard += samples.length;
    if (this.utterance) {
      if (this.utteranceLength < MAX_UTTERANCE_SAMPLES) {
        this.utterance.push(samples);
        this.utteranceLength += samples.length;
        this.live?.write(samples);
      }
    } else {
      this.recent.push(samples);
      let kept = this.recent.reduce((sum, chunk) => sum + chunk.length, 0);
      while (this.recent.length > 1 && kept - this.recent[0]!.length >= PRE_ROLL_SAMPLES) {
        kept -= this.recent.shift()!.length;
      }
    }
    for (const event of this.vad.push(samples)) {
      if (event.type === "speech-start") this.onSpeechStart();
      else this.onSpeechEnd();
    }
  }

  /** The caller hung up (or the client closed). */
  hangup(): Promise<CallSummary> {
    return this.end("hangup");
  }

  /**
   * Ends the call: stops what is running, says `goodbye` (stored and spoken) when given, and settles
   * `ended`. Idempotent.
   */
  end(reason: CallEndReason, goodbye?: string): Promise<CallSummary> {
    this.ending ??= this.finish(reason, goodbye);
    return this.ending;
  }

  private async finish(reason: CallEndReason, goodbye: string | undefined): Promise<CallSummary> {
    this.timers.clearTimeout(this.silenceTimer);
    this.timers.clearTimeout(this.durationTimer);
    this.live?.abort();
    this.live = undefined;
    const running = this.turn;
    if (running || this.timers.now() < this.playbackEndsAt) {
      // The persona stops mid-sentence: the client drops what it has queued, the recording too.
      running?.controller.abort();
      this.stopPlayback();
      await running?.done;
    }
    if (goodbye) {
      try {
        const { messageId } = await this.options.brain.say(goodbye);
        this.options.transport.send({ type: "agent-message", text: goodbye, message_id: messageId });
        await this.speak(goodbye, new AbortController().signal);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
    this.options.transport.send({ type: "ended", reason });
    const summary: CallSummary = {
      reason,
      startedAt: this.startedAt,
      endedAt: this.timers.now(),
      turns: this.turns,
    };
    if (this.options.settings.recording) {
      const length = Math.max(this.userTrack.length, this.agentTrack.length);
      summary.recording = {
        left: this.userTrack.render(length),
        right: this.agentTrack.render(length),
        sampleRate: CALL_SAMPLE_RATE,
      };
    }
    this.options.transport.close();
    this.resolveEnded(summary);
    return summary;
  }

  private onSpeechStart(): void {
    this.timers.clearTimeout(this.silenceTimer);
    this.utterance = [...this.recent];
    this.utteranceLength = this.utterance.reduce((sum, chunk) => sum + chunk.length, 0);
    this.recent = [];
    this.live?.abort();
    try {
      this.live = this.options.brain.listen?.();
    } catch (error) {
      this.options.onError?.(error); // the utterance is transcribed whole at its end instead
      this.live = undefined;
    }
    for (const chunk of this.utterance) this.live?.write(chunk);
    // Barge-in: the user talks while the persona thinks or speaks; it stops and listens.
    if (this.turn || this.timers.now() < this.playbackEndsAt) {
      this.turn?.controller.abort();
      this.stopPlayback();
    }
  }

  private onSpeechEnd(): void {
    const chunks = this.utterance ?? [];
    this.utterance = undefined;
    const samples = new Float32Array(this.utteranceLength);
    let offset = 0;
    for (const chunk of chunks) {
      samples.set(chunk.subarray(0, samples.length - offset), offset);
      offset += chunk.length;
      if (offset >= samples.length) break;
    }
    const live = this.live;
    this.live = undefined;
    // Flushed at once, not after the previous turn: the service finishes while that turn winds down.
    const heard = live?.finish();
    heard?.catch(() => {}); // read (or replaced) in the turn
    const speechEndAt = this.timers.now();
    const previous = this.turn;
    this.runTurn(async (signal) => {
      // An interrupted turn finishes first (its partial reply is stored), then this one is answered.
      await previous?.done;
      await this.answer({ samples, heard }, speechEndAt, signal);
    });
  }

  /** Runs one turn at a time; the session listens again when it is done. */
  private runTurn(work: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    this.timers.clearTimeout(this.silenceTimer);
    const done = work(controller.signal)
      .catch((error: unknown) => {
        if (!controller.signal.aborted) this.options.onError?.(error);
      })
      .finally(() => {
        if (this.turn?.controller === controller) {
          this.turn = undefined;
          if (!this.ending) this.listen();
        }
      });
    this.turn = { controller, done };
  }

  /**
   * What the caller said: the live transcription's result, or (without one, or when it failed) the whole
   * utterance transcribed now.
   */
  private async hear(
    utterance: { samples: Float32Array; heard: Promise<{ text: string }> | undefined },
    signal: AbortSignal,
  ): Promise<string> {
    if (utterance.heard) {
      try {
        return (await utterance.heard).text;
      } catch (error) {
        if (signal.aborted) throw error;
        this.options.onError?.(error);
      }
    }
    return this.options.brain.transcribe(utterance.samples, signal);
  }

  private async answer(
    utterance: { samples: Float32Array; heard: Promise<{ text: string }> | undefined },
    speechEndAt: number,
    signal: AbortSignal,
  ): Promise<void> {
    const { brain, transport } = this.options;
    transport.send({ type: "state", state: "thinking" });
    let text: string;
    try {
      text = (await this.hear(utterance, signal)).trim();
    } catch (error) {
      if (!(error instanceof CannotHearError)) throw error;
      if (this.toldCannotHear) return;
      this.toldCannotHear = true;
      const { messageId } = await brain.say(error.spoken);
      transport.send({ type: "agent-message", text: error.spoken, message_id: messageId });
      await this.speak(error.spoken, signal);
      return;
    }
    if (!text || signal.aborted) return;
    transport.send({ type: "transcript", text });
    const chunker = new SentenceChunker();
    let speaking = Promise.resolve();
    let firstAudioAt: number | undefined;
    const speakPiece = (piece: string) => {
      speaking = speaking.then(async () => {
        if (signal.aborted) return;
        const sent = await this.speak(piece, signal);
        if (sent && firstAudioAt === undefined) firstAudioAt = sent;
      });
    };
    const turn: CallTurn = {
      user_message_id: "",
      reply_message_id: null,
      user_text: text,
      reply_text: "",
      latency_ms: null,
      interrupted: false,
    };
    try {
      const reply = await brain.reply(text, {
        signal,
        onDelta: (delta) => chunker.push(delta).forEach(speakPiece),
      });
      turn.user_message_id = reply.userMessageId;
      turn.reply_message_id = reply.replyMessageId;
      turn.reply_text = reply.text;
      chunker.flush().forEach(speakPiece);
      await speaking;
    } finally {
      turn.interrupted = signal.aborted;
      turn.latency_ms = firstAudioAt === undefined ? null : Math.round(firstAudioAt - speechEndAt);
      if (turn.user_message_id) {
        this.turns.push(turn);
        transport.send({
          type: "reply",
          user_message_id: turn.user_message_id,
          message_id: turn.reply_message_id,
          text: turn.reply_text,
          latency_ms: turn.latency_ms,
          interrupted: turn.interrupted,
        });
      }
    }
  }

  /** Drops the persona's audio not yet played, on the client and in the recording. */
  private stopPlayback(): void {
    this.playbackEndsAt = this.timers.now();
    this.options.transport.clearAudio();
    this.options.transport.send({ type: "interrupt" });
    if (this.options.settings.recording) {
      this.agentTrack.truncate(this.heard);
      this.agentCursor = Math.min(this.agentCursor, this.heard);
    }
  }

  /** Synthesizes and sends one piece; the session clock time it was sent at, or undefined if aborted. */
  private async speak(text: string, signal: AbortSignal): Promise<number | undefined> {
    const samples = await this.options.brain.synthesize(text, signal);
    if (signal.aborted || samples.length === 0) return undefined;
    const now = this.timers.now();
    this.options.transport.send({ type: "state", state: "speaking" });
    this.options.transport.sendAudio(samples);
    const duration = (samples.length / CALL_SAMPLE_RATE) * 1000;
    this.playbackEndsAt = Math.max(this.playbackEndsAt, now) + duration;
    if (this.options.settings.recording) {
      this.agentCursor = Math.max(this.agentCursor, this.heard);
      this.agentTrack.write(this.agentCursor, samples);
      this.agentCursor += samples.length;
    }
    return now;
  }

  /** Waits for the user; a silence longer than the timeout (after the persona stops talking) ends the call. */
  private listen(): void {
    this.options.transport.send({ type: "state", state: "listening" });
    this.timers.clearTimeout(this.silenceTimer);
    const stillPlaying = Math.max(0, this.playbackEndsAt - this.timers.now());
    this.silenceTimer = this.timers.setTimeout(() => {
      if (!this.vad.speaking && !this.turn)
        void this.end("silence_timeout", this.options.settings.silenceGoodbye);
    }, this.options.settings.silenceTimeoutMs + stillPlaying);
  }
}
