import * as lame from "@breezystack/lamejs";
import { OggOpusDecoder } from "ogg-opus-decoder";
import { floatToInt16, resample, type PcmAudio } from "./wav.ts";

/*
 * The two codecs WhatsApp speaks: voice notes arrive as Ogg Opus (which PocketSphinx and Azure's short
 * audio API cannot read, so they are decoded to PCM first), and audio sent must be MP3, AAC, AMR or Ogg
 * Opus (never WAV), so replies read aloud are encoded to MP3.
 */

/** The bytes are not Ogg Opus the decoder can read. */
export class AudioCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AudioCodecError";
  }
}

/** True when the bytes start an Ogg stream (`OggS`): WhatsApp's voice notes, browsers' Opus recordings. */
export function isOgg(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x4f && bytes[1] === 0x67 && bytes[2] === 0x67 && bytes[3] === 0x53
  );
}

/**
 * Decodes an Ogg Opus file to mono samples (channels averaged) at its decoded rate (48 kHz).
 *
 * @example const { samples, sampleRate } = await decodeOggOpus(voiceNote);
 */
export async function decodeOggOpus(bytes: Uint8Array): Promise<PcmAudio> {
  const decoder = new OggOpusDecoder();
  try {
    await decoder.ready;
    let decoded: Awaited<ReturnType<OggOpusDecoder["decodeFile"]>>;
    try {
      decoded = await decoder.decodeFile(bytes);
    } catch (error) {
      throw new AudioCodecError(`not an Ogg Opus file: ${error instanceof Error ? error.message : error}`);
    }
    const channels = decoded.channelData;
    if (channels.length === 0 || decoded.samplesDecoded === 0) {
      const reason = decoded.errors[0]?.message;
      throw new AudioCodecError(`no Opus audio in the Ogg file${reason ? `: ${reason}` : ""}`);
    }
    const frames = Math.min(...channels.map((channel) => channel.length));
    const samples = new Float32Array(frames);
    for (const channel of channels) {
      for (let frame = 0; frame < frames; frame++) samples[frame]! += channel[frame]! / channels.length;
    }
    return { samples, sampleRate: decoded.sampleRate };
  } finally {
    decoder.free();
  }
}

/** Rates LAME encodes (MPEG 1, 2 and 2.5); other rates are resampled to the nearest one above. */
const MP3_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
const MP3_KBPS = 64;
/** LAME takes samples in blocks; a multiple of its frame size (1152). */
const MP3_BLOCK = 1152 * 8;

/**
 * Encodes mono samples as a 64 kbps MP3 (what WhatsApp takes for audio messages), at the sample's own
 * rate when LAME takes it.
 *
 * @example const mp3 = encodeMp3(decodeWav(wavBytes));
 */
export function encodeMp3(audio: PcmAudio): Uint8Array {
  const rate =
    MP3_SAMPLE_RATES.find((candidate) => candidate >= audio.sampleRate) ?? MP3_SAMPLE_RATES.at(-1)!;
  const samples = resample(audio.samples, audio.sampleRate, rate);
  const encoder = new lame.Mp3Encoder(1, rate, MP3_KBPS);
  const parts: Uint8Array[] = [];
  for (let start = 0; start < samples.length; start += MP3_BLOCK) {
    const block = samples.subarray(start, start + MP3_BLOCK);
    const pcm = new Int16Array(block.length);
    for (let index = 0; index < block.length; index++) pcm[index] = floatToInt16(block[index]!);
    parts.push(encoder.encodeBuffer(pcm));
  }
  parts.push(encoder.flush());
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
