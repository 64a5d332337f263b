/**
 * PCM WAV in and out, and the few sample-level conversions speech needs (mono, resampling, mu-law for
 * telephone audio). Samples are Float32 in [-1, 1] between these functions.
 */

export interface PcmAudio {
  /** mono samples in [-1, 1] */
  samples: Float32Array;
  sampleRate: number;
}

/** The bytes are not a WAV file this module reads (16-bit, 8-bit, 32-bit float, or mu-law PCM). */
export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WavFormatError";
  }
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Reads a WAV file into mono samples (channels averaged). */
export function decodeWav(bytes: Uint8Array): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || text(0) !== "RIFF" || text(8) !== "WAVE") {
    throw new WavFormatError("not a WAV file (no RIFF/WAVE header)");
  }
  let format = 0;
  let channels = 0;
  let sampleRate = 0;
  let bitsPerSample = 0;
  let data: Uint8Array | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = text(offset);
    // Streamed WAVs (espeak, browsers) may write 0 or 0xFFFFFFFF for sizes they did not know yet.
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "data" && (size === 0 || body + size > bytes.length)) size = bytes.length - body;
    if (id === "fmt ") {
      if (size < 16) throw new WavFormatError("the fmt chunk is too short");
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bitsPerSample = view.getUint16(body + 14, true);
      if (format === FORMAT_EXTENSIBLE && size >= 26) format = view.getUint16(body + 24, true);
    } else if (id === "data") {
      data = bytes.subarray(body, body + size);
      break;
    }
    offset = body + size + (size % 2);
  }
  if (!format || !data) throw new WavFormatError("the WAV file has no fmt or data chunk");
  if (channels < 1 || channels > 8 || sampleRate < 1000 || sampleRate > 384000) {
    throw new WavFormatError(`unsupported WAV layout: ${channels} channels at ${sampleRate} Hz`);
  }
  const bytesPerSample = bitsPerSample / 8;
  const read = sampleReader(format, bitsPerSample);
  const frames = Math.floor(data.length / (bytesPerSample * channels));
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const samples = new Float32Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) {
      sum += read(dataView, (frame * channels + channel) * bytesPerSample);
    }
    samples[frame] = sum / channels;
  }
  return { samples, sampleRate };
}

function sampleReader(format: number, bits: number): (view: DataView, offset: number) => number {
  if (format === FORMAT_PCM && bits === 16) return (view, at) => view.getInt16(at, true) / 32768;
  if (format === FORMAT_PCM && bits === 8) return (view, at) => (view.getUint8(at) - 128) / 128;
  if (format === FORMAT_PCM && bits === 24) {
    return (view, at) =>
      (view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608;
  }
  if (format === FORMAT_PCM && bits === 32) return (view, at) => view.getInt32(at, true) / 2147483648;
  if (format === FORMAT_FLOAT && bits === 32) return (view, at) => view.getFloat32(at, true);
  if (format === FORMAT_MULAW && bits === 8) return (view, at) => muLawToLinear(view.getUint8(at)) / 32768;
  throw new WavFormatError(`unsupported WAV sample format ${format} at ${bits} bits`);
}

/** 16-bit PCM WAV of mono samples, or of two channels (`left`, `right`) for stereo recordings. */
export function encodeWav(
  audio: PcmAudio | { left: Float32Array; right: Float32Array; sampleRate: number },
): Uint8Array {
  const channels = "samples" in audio ? [audio.samples] : [audio.left, audio.right];
  const frames = Math.max(...channels.map((channel) => channel.length));
  const dataSize = frames * channels.length * 2;
  const bytes = new Uint8Array(44 + dataSize);
  const view = new DataView(bytes.buffer);
  const writeText = (offset: number, value: string) => {
    for (let index = 0; index < value.length; index++) bytes[offset + index] = value.charCodeAt(index);
  };
  writeText(0, "RIFF");
  view.setUint32(4, 36 + dataSize, true);
  writeText(8, "WAVE");
  writeText(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * channels.length * 2, true);
  view.setUint16(32, channels.length * 2, true);
  view.setUint16(34, 16, true);
  writeText(36, "data");
  view.setUint32(40, dataSize, true);
  let offset = 44;
  for (let frame = 0; frame < frames; frame++) {
    for (const channel of channels) {
      view.setInt16(offset, floatToInt16(channel[frame] ?? 0), true);
      offset += 2;
    }
  }
  return bytes;
}

export function floatToInt16(sample: number): number {
  const clamped = Math.max(-1, Math.min(1, sample));
  return clamped < 0 ? Math.round(clamped * 32768) : Math.round(clamped * 32767);
}

/** Linear-interpolation resampling: good enough for speech going to a recognizer or a phone line. */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  const length = Math.floor((samples.length * toRate) / fromRate);
  const out = new Float32Array(length);
  const step = fromRate / toRate;
  for (let index = 0; index < length; index++) {
    const position = index * step;
    const before = Math.floor(position);
    const fraction = position - before;
    const a = samples[before] ?? 0;
    const b = samples[before + 1] ?? a;
    out[index] = a + (b - a) * fraction;
  }
  return out;
}

/** Seconds of audio in a WAV file, or undefined when the bytes are not one this module reads. */
export function wavDurationSeconds(bytes: Uint8Array): number | undefined {
  try {
    const audio = decodeWav(bytes);
    return audio.samples.length / audio.sampleRate;
  } catch {
    return undefined;
  }
}

const MU_LAW_BIAS = 0x84;
const MU_LAW_CLIP = 32635;

/** G.711 mu-law: one byte per sample, what Twilio Media Streams carry at 8 kHz. */
export function linearToMuLaw(sample16: number): number {
  let sample = Math.max(-32768, Math.min(32767, Math.round(sample16)));
  const sign = sample < 0 ? 0x80 : 0;
  if (sign) sample = -sample;
  if (sample > MU_LAW_CLIP) sample = MU_LAW_CLIP;
  sample += MU_LAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (sample & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (sample >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function muLawToLinear(byte: number): number {
  const value = ~byte & 0xff;
  const sign = value & 0x80;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const sample = (((mantissa << 3) + MU_LAW_BIAS) << exponent) - MU_LAW_BIAS;
  return sign ? -sample : sample;
}

/** Mono float samples to mu-law bytes. */
export function encodeMuLaw(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let index = 0; index < samples.length; index++)
    out[index] = linearToMuLaw(floatToInt16(samples[index]!));
  return out;
}

/** Mu-law bytes to mono float samples. */
export function decodeMuLaw(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let index = 0; index < bytes.length; index++) out[index] = muLawToLinear(bytes[index]!) / 32768;
  return out;
}
