import { downsample, startMicrophoneCapture } from "./microphone-capture.ts";

/** Re-exported: the box filter moved to the shared microphone capture. */
export { downsample };

/**
 * Records the microphone as 16 kHz mono 16-bit WAV, in the browser.
 *
 * Not MediaRecorder: it writes WebM/Opus, and the offline recognizer reads WAV only. The capture itself
 * (`startMicrophoneCapture`) is shared with live calls; the samples are averaged down to 16 kHz when the
 * recording stops.
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
  const targetRate = options.sampleRate ?? WAV_SAMPLE_RATE;
  const chunks: Float32Array[] = [];
  const capture = await startMicrophoneCapture({
    onSamples: (samples) => chunks.push(samples),
    ...(options.mediaDevices ? { mediaDevices: options.mediaDevices } : {}),
    ...(options.createContext ? { createContext: options.createContext } : {}),
  });
  let finished = false;
  return {
    async stop() {
      if (finished) throw new Error("the recording has already ended");
      finished = true;
      capture.stop();
      const samples = downsample(joinChunks(chunks), capture.sampleRate, targetRate);
      return {
        wav: new Blob([encodeWavPcm16(samples, targetRate)], { type: "audio/wav" }),
        durationSeconds: samples.length / targetRate,
      };
    },
    cancel() {
      if (finished) return;
      finished = true;
      capture.stop();
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
