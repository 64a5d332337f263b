import { pcm16ToFloat } from "./microphone-capture.ts";

/** How far ahead of "now" the first piece after a gap starts, so it is not cut at its head. */
const START_LEAD_SECONDS = 0.05;

/**
 * Plays a stream of 16-bit PCM pieces back to back on an AudioContext: each piece is scheduled to start
 * exactly where the previous one ends, so ~100 ms pieces join without clicks or gaps. `interrupt()` stops
 * everything scheduled at once (barge-in: the persona stops mid-word).
 *
 * @example
 * const player = new PcmStreamPlayer(new AudioContext(), 16_000);
 * socket.onmessage = (event) => player.enqueue(event.data as ArrayBuffer);
 */
export class PcmStreamPlayer {
  private readonly sources = new Set<AudioBufferSourceNode>();
  private nextStartTime = 0;
  private drainWaiters: Array<() => void> = [];
  /** pieces started so far (a source's `start` called): how a test sees that audio played */
  startedPieces = 0;

  constructor(
    private readonly context: AudioContext,
    private readonly sampleRate: number,
    /** told when playing starts (a piece queued while idle) and stops (all played, or interrupted) */
    private readonly onPlayingChange: (playing: boolean) => void = () => undefined,
  ) {}

  enqueue(bytes: ArrayBuffer): void {
    const samples = pcm16ToFloat(bytes);
    if (samples.length === 0) return;
    const buffer = this.context.createBuffer(1, samples.length, this.sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const startAt = Math.max(this.nextStartTime, this.context.currentTime + START_LEAD_SECONDS);
    source.onended = () => {
      this.sources.delete(source);
      source.disconnect();
      if (this.sources.size === 0) this.notifyDrained();
    };
    this.sources.add(source);
    if (this.sources.size === 1) this.onPlayingChange(true);
    source.start(startAt);
    this.startedPieces++;
    this.nextStartTime = startAt + buffer.duration;
  }

  /** Whether some audio is playing or waiting its turn. */
  get playing(): boolean {
    return this.sources.size > 0;
  }

  /** Stops what plays and drops what is queued. */
  interrupt(): void {
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        // Already stopped: nothing to do.
      }
      source.disconnect();
    }
    this.sources.clear();
    this.nextStartTime = 0;
    this.notifyDrained();
  }

  /** Resolves once everything queued has played (at once when nothing is). */
  drained(): Promise<void> {
    if (this.sources.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private notifyDrained(): void {
    this.onPlayingChange(false);
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
