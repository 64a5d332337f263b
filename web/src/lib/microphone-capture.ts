/**
 * The microphone as a stream of float samples, in the browser: shared by voice messages (a WAV made when
 * the recording stops) and live calls (16 kHz PCM sent as it comes).
 *
 * Not an AudioWorklet: its module must be a script URL, and the page's CSP (`script-src 'self'`) rules out
 * a blob: module, so the deprecated but universal ScriptProcessorNode collects the samples instead. The
 * context runs at the device's own rate (Firefox refuses to connect a microphone to a context at another
 * rate); callers bring the samples down to 16 kHz with `downsample` or a `StreamingDownsampler`.
 */

export interface MicrophoneCapture {
  /** the rate of the samples handed to `onSamples` (the device's) */
  readonly sampleRate: number;
  /** Stops capturing and releases the microphone (and the context, when the capture made it). */
  stop(): void;
}

export interface MicrophoneCaptureOptions {
  /** Each block of mono samples, as the microphone delivers it, at the context's rate. */
  onSamples: (samples: Float32Array, sampleRate: number) => void;
  /** frames per block: smaller is less delay, larger is less work (a power of two, 256 to 16384) */
  blockSize?: number;
  /** Injected for tests; the browser's by default. */
  mediaDevices?: MediaDevices;
  createContext?: () => AudioContext;
}

/**
 * Asks for the microphone (echo cancellation and noise suppression on) and starts delivering its samples.
 * Rejects when access is refused or there is none.
 *
 * @example
 * const capture = await startMicrophoneCapture({ onSamples: (block) => chunks.push(block) });
 * // ... later
 * capture.stop();
 */
export async function startMicrophoneCapture(options: MicrophoneCaptureOptions): Promise<MicrophoneCapture> {
  const mediaDevices = options.mediaDevices ?? navigator.mediaDevices;
  if (!mediaDevices?.getUserMedia) {
    throw new Error("This browser cannot record audio here (the page needs HTTPS or localhost).");
  }
  const stream = await mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
  });
  const context = options.createContext?.() ?? new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(options.blockSize ?? 4096, 1, 1);
  processor.onaudioprocess = (event) => {
    options.onSamples(new Float32Array(event.inputBuffer.getChannelData(0)), context.sampleRate);
  };
  source.connect(processor);
  // A ScriptProcessor only runs while connected to the output; it writes silence there.
  processor.connect(context.destination);
  if (context.state === "suspended") await context.resume();

  let stopped = false;
  return {
    sampleRate: context.sampleRate,
    stop() {
      if (stopped) return;
      stopped = true;
      processor.onaudioprocess = null;
      source.disconnect();
      processor.disconnect();
      for (const track of stream.getTracks()) track.stop();
      void context.close();
    },
  };
}

/** Averages each output sample's span of input samples: a box filter, enough against aliasing for speech. */
export function downsample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  return new StreamingDownsampler(fromRate, toRate).push(samples);
}

/**
 * `downsample` for audio that arrives in blocks: the span of an output sample may straddle two blocks, so
 * the input not yet used is kept for the next one and the output has no seams.
 */
export class StreamingDownsampler {
  private readonly ratio: number;
  private pending = new Float32Array(0);
  /** the stream index of `pending[0]` */
  private pendingStart = 0;
  /** the stream index of the next output sample */
  private produced = 0;

  constructor(
    private readonly fromRate: number,
    private readonly toRate: number,
  ) {
    this.ratio = fromRate / toRate;
  }

  push(samples: Float32Array): Float32Array {
    if (this.fromRate === this.toRate) return samples;
    const joined = new Float32Array(this.pending.length + samples.length);
    joined.set(this.pending);
    joined.set(samples, this.pending.length);
    const available = this.pendingStart + joined.length;
    const count = Math.max(0, Math.floor(available / this.ratio) - this.produced);
    const output = new Float32Array(count);
    for (let index = 0; index < count; index++) {
      const outputIndex = this.produced + index;
      const start = Math.floor(outputIndex * this.ratio) - this.pendingStart;
      const end = Math.max(start + 1, Math.floor((outputIndex + 1) * this.ratio) - this.pendingStart);
      let sum = 0;
      for (let position = start; position < end; position++) sum += joined[position] ?? 0;
      output[index] = sum / (end - start);
    }
    this.produced += count;
    const keepFrom = Math.min(joined.length, Math.floor(this.produced * this.ratio) - this.pendingStart);
    this.pending = joined.slice(keepFrom);
    this.pendingStart += keepFrom;
    return output;
  }
}

/** Float samples as 16-bit signed little-endian PCM (the call stream's wire format). */
export function floatToPcm16(samples: Float32Array): ArrayBuffer {
  const buffer = new ArrayBuffer(samples.length * 2);
  const view = new DataView(buffer);
  for (let index = 0; index < samples.length; index++) {
    const clamped = Math.max(-1, Math.min(1, samples[index]!));
    view.setInt16(index * 2, clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff, true);
  }
  return buffer;
}

/** 16-bit signed little-endian PCM as float samples. */
export function pcm16ToFloat(bytes: ArrayBuffer): Float32Array<ArrayBuffer> {
  const view = new DataView(bytes);
  const samples = new Float32Array(Math.floor(bytes.byteLength / 2));
  for (let index = 0; index < samples.length; index++)
    samples[index] = view.getInt16(index * 2, true) / 32768;
  return samples;
}
