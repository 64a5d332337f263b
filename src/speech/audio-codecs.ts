import * as lame from "@breezystack/lamejs";
import { OggOpusDecoder } from "ogg-opus-decoder";
import { decodeWav, floatToInt16, resample, type PcmAudio } from "./wav.ts";

/*
 * The codecs the messaging channels speak: WhatsApp's voice notes arrive as Ogg Opus (which PocketSphinx
 * and Azure's short audio API cannot read, so they are decoded to PCM first), and audio sent over
 * WhatsApp or MMS must be MP3 or another compressed type (never WAV), so replies read aloud are encoded
 * to MP3.
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

const WAV_TYPES = ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"];

/** A content type without parameters, lower case. */
function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

/** True when `toPlayableAudio` can turn audio of this type into one of `accepted`. */
export function canPlayAs(contentType: string, accepted: readonly string[]): boolean {
  const type = mediaType(contentType);
  return accepted.includes(type) || (WAV_TYPES.includes(type) && accepted.includes("audio/mpeg"));
}

/**
 * Audio a channel plays: as it is when its type is `accepted`, WAV encoded to MP3 otherwise.
 *
 * @example const audio = toPlayableAudio(bytes, "audio/wav", ["audio/mpeg", "audio/ogg"]);
 */
export function toPlayableAudio(
  bytes: Uint8Array,
  contentType: string,
  accepted: readonly string[],
): { bytes: Uint8Array; contentType: string } {
  const type = mediaType(contentType);
  if (accepted.includes(type)) return { bytes, contentType: type };
  if (canPlayAs(type, accepted)) return { bytes: encodeMp3(decodeWav(bytes)), contentType: "audio/mpeg" };
  throw new AudioCodecError(`${type} audio cannot be sent as ${accepted.join(", ")}`);
}
