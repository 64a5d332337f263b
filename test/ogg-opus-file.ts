/**
 * A small, valid Ogg Opus file built byte by byte (no Opus encoder is installed): the OpusHead and
 * OpusTags headers, then packets whose single frame is empty, which a decoder plays as silence. Enough
 * to prove a voice note's container and codec are read; the words come from a scripted recognizer.
 *
 * @example const voiceNote = oggOpusSilence({ seconds: 1 });
 */
export function oggOpusSilence(options: { seconds?: number; channels?: 1 | 2 } = {}): Uint8Array {
  const channels = options.channels ?? 1;
  const packets = Math.max(1, Math.round((options.seconds ?? 1) * 50)); // 20 ms each
  const preSkip = 312;
  const head = new Uint8Array(19);
  head.set(ascii("OpusHead"), 0);
  const headView = new DataView(head.buffer);
  head[8] = 1; // version
  head[9] = channels;
  headView.setUint16(10, preSkip, true);
  headView.setUint32(12, 48_000, true);
  const vendor = ascii("dramatis-test");
  const tags = new Uint8Array(8 + 4 + vendor.length + 4);
  tags.set(ascii("OpusTags"), 0);
  new DataView(tags.buffer).setUint32(8, vendor.length, true);
  tags.set(vendor, 12);
  // TOC: configuration 31 (CELT, fullband, 20 ms), stereo flag, code 0 (one frame) with no frame bytes.
  const packet = Uint8Array.of((31 << 3) | (channels === 2 ? 0x04 : 0));
  const serial = 0x5eed;
  const pages = [
    oggPage({ serial, sequence: 0, granule: 0n, flags: 0x02, packets: [head] }),
    oggPage({ serial, sequence: 1, granule: 0n, flags: 0, packets: [tags] }),
    oggPage({
      serial,
      sequence: 2,
      granule: BigInt(packets * 960),
      flags: 0x04,
      packets: Array.from({ length: packets }, () => packet),
    }),
  ];
  return concat(pages);
}

function oggPage(page: {
  serial: number;
  sequence: number;
  granule: bigint;
  flags: number;
  packets: Uint8Array[];
}): Uint8Array {
  const lacing: number[] = [];
  for (const packet of page.packets) {
    let left = packet.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    lacing.push(left);
  }
  const header = new Uint8Array(27 + lacing.length);
  const view = new DataView(header.buffer);
  header.set(ascii("OggS"), 0);
  header[5] = page.flags;
  view.setBigUint64(6, page.granule, true);
  view.setUint32(14, page.serial, true);
  view.setUint32(18, page.sequence, true);
  header[26] = lacing.length;
  header.set(lacing, 27);
  const bytes = concat([header, ...page.packets]);
  new DataView(bytes.buffer).setUint32(22, oggCrc(bytes), true);
  return bytes;
}

/** Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0. */
function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

const ascii = (text: string) => Uint8Array.from(text, (character) => character.charCodeAt(0));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
