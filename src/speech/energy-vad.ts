/**
 * Voice-activity detection by loudness against an adaptive noise floor: cheap, deterministic and good
 * enough for a headset or a phone line. Audio goes in as 16 kHz mono samples in any chunk size; events
 * come out when speech starts (after `startMs` of voiced frames) and ends (after `endSilenceMs` of quiet).
 */
export interface VadOptions {
  sampleRate?: number;
  /** voiced time before speech counts as started (default 120 ms): clicks and breaths stay silent */
  startMs?: number;
  /** quiet time that ends an utterance (default 700 ms) */
  endSilenceMs?: number;
  /** a frame is voiced this many dB above the noise floor (default 12) */
  thresholdDb?: number;
  /** never voiced below this level, whatever the floor (default -50 dBFS) */
  minimumDb?: number;
}

export type VadEvent = { type: "speech-start"; atSample: number } | { type: "speech-end"; atSample: number };

const FRAME_MS = 20;

export class EnergyVad {
  private readonly frameSize: number;
  private readonly startFrames: number;
  private readonly endFrames: number;
  private readonly thresholdDb: number;
  private readonly minimumDb: number;
  private pending = new Float32Array(0);
  private noiseFloorDb = -60;
  private voicedRun = 0;
  private quietRun = 0;
  private processed = 0;
  speaking = false;

  constructor(options: VadOptions = {}) {
    const sampleRate = options.sampleRate ?? 16_000;
    this.frameSize = Math.round((sampleRate * FRAME_MS) / 1000);
    this.startFrames = Math.max(1, Math.round((options.startMs ?? 120) / FRAME_MS));
    this.endFrames = Math.max(1, Math.round((options.endSilenceMs ?? 700) / FRAME_MS));
    this.thresholdDb = options.thresholdDb ?? 12;
    this.minimumDb = options.minimumDb ?? -50;
  }

  /** Feeds samples; returns the events they complete, in order. */
  push(samples: Float32Array): VadEvent[] {
    const joined = new Float32Array(this.pending.length + samples.length);
    joined.set(this.pending);
    joined.set(samples, this.pending.length);
    const events: VadEvent[] = [];
    let offset = 0;
    for (; offset + this.frameSize <= joined.length; offset += this.frameSize) {
      const event = this.frame(joined.subarray(offset, offset + this.frameSize));
      if (event) events.push(event);
    }
    this.pending = joined.slice(offset);
    return events;
  }

  private frame(frame: Float32Array): VadEvent | undefined {
    let energy = 0;
    for (const sample of frame) energy += sample * sample;
    const levelDb = 10 * Math.log10(energy / frame.length + 1e-12);
    this.processed += frame.length;
    const voiced = levelDb > Math.max(this.minimumDb, this.noiseFloorDb + this.thresholdDb);
    if (!voiced) {
      // The floor follows quiet frames quickly and never rises during speech.
      this.noiseFloorDb = this.noiseFloorDb * 0.95 + levelDb * 0.05;
    }
    if (!this.speaking) {
      this.voicedRun = voiced ? this.voicedRun + 1 : 0;
      if (this.voicedRun >= this.startFrames) {
        this.speaking = true;
        this.quietRun = 0;
        return { type: "speech-start", atSample: this.processed - this.voicedRun * this.frameSize };
      }
      return undefined;
    }
    this.quietRun = voiced ? 0 : this.quietRun + 1;
    if (this.quietRun >= this.endFrames) {
      this.speaking = false;
      this.voicedRun = 0;
      return { type: "speech-end", atSample: this.processed - this.quietRun * this.frameSize };
    }
    return undefined;
  }
}
