/**
 * Records the microphone as 16 kHz mono 16-bit WAV, in the browser.
 *
 * Not MediaRecorder: it writes WebM/Opus, and the offline recognizer reads WAV only. Not an AudioWorklet:
 * its module must be a script URL, and the page's CSP (`script-src 'self'`) rules out a blob: module, so
 * the deprecated but universal ScriptProcessorNode collects the samples instead. The context runs at the
 * device's own rate (Firefox refuses to connect a microphone to a context at another rate); the samples
 * are averaged down to 16 kHz when the recording stops.
 *
 * @example
 * const recorder = await startWavRecording();
 * // ... later
 * const wav = await recorder.stop(); // Blob, audio/wav
 */

export const WAV_SAMPLE_RATE = 16_000;

export interface WavRecorder {
  /** Ends the recording and releases the microphone; resolves to the WAV. */
  stop(): Promise<{ wav: Blob; durationSeconds: number }>;
  /** Ends the recording without keeping anything. */
  cancel(): void;
}

export interface WavRecorderOptions {
  /** Injected for tests; the browser's by default. */
  mediaDevices?: MediaDevices;
  createContext?: () => AudioContext;
  sampleRate?: number;
}

/** Asks for the microphone and starts recording. Rejects when access is refused or there is none. */
export async function startWavRecording(options: WavRecorderOptions = {}): Promise<WavRecorder> {
  const mediaDevices = options.mediaDevices ?? navigator.mediaDevices;
  if (!mediaDevices?.getUserMedia) {
    throw new Error("This browser cannot record audio here (the page needs HTTPS or localhost).");
  }
  const targetRate = options.sampleRate ?? WAV_SAMPLE_RATE;
  const stream = await mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
  });
  const context = options.createContext?.() ?? new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(4096, 1, 1);
  const chunks: Float32Array[] = [];
  processor.onaudioprocess = (event) => {
    chunks.push(new Float32Array(event.inputBuffer.getChannelData(0)));
  };
  source.connect(processor);
  // A ScriptProcessor only runs while connected to the output; it writes silence there.
  processor.connect(context.destination);
  if (context.state === "suspended") await context.resume();

  let finished = false;
  const release = () => {
    finished = true;
    processor.onaudioprocess = null;
    source.disconnect();
    processor.disconnect();
    for (const track of stream.getTracks()) track.stop();
    void context.close();
  };
  return {
    async stop() {
      if (finished) throw new Error("the recording has already ended");
      const inputRate = context.sampleRate;
      release();
      const samples = downsample(joinChunks(chunks), inputRate, targetRate);
      return {
        wav: new Blob([encodeWavPcm16(samples, targetRate)], { type: "audio/wav" }),
        durationSeconds: samples.length / targetRate,
      };
    },
    cancel() {
      if (!finished) release();
    },
  };
}

function joinChunks(chunks: Float32Array[]): Float32Array {
  const joined = new Float32Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

/** Averages each output sample's span of input samples: a box filter, enough against aliasing for speech. */
export function downsample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  const ratio = fromRate / toRate;
  const output = new Float32Array(Math.floor(samples.length / ratio));
  for (let index = 0; index < output.length; index++) {
    const start = Math.floor(index * ratio);
    const end = Math.max(start + 1, Math.min(samples.length, Math.floor((index + 1) * ratio)));
    let sum = 0;
    for (let position = start; position < end; position++) sum += samples[position]!;
    output[index] = sum / (end - start);
  }
  return output;
}

/** A RIFF/WAVE file of 16-bit signed little-endian mono PCM. */
export function encodeWavPcm16(samples: Float32Array, sampleRate: number): ArrayBuffer {
  const buffer = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(buffer);
  const text = (offset: number, value: string) => {
    for (let index = 0; index < value.length; index++) view.setUint8(offset + index, value.charCodeAt(index));
  };
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let index = 0; index < samples.length; index++) {
    const clamped = Math.max(-1, Math.min(1, samples[index]!));
    view.setInt16(44 + index * 2, clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff, true);
  }
  return buffer;
}
