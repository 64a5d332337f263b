import { crc32, deflateRawSync } from "node:zlib";

/**
 * Writes ZIP archives (CHARX card exports) in memory, as zip tools do: local headers, central directory, end
 * record; entries deflated with node:zlib or stored, names in UTF-8. No ZIP64: for archives under 4 GiB,
 * which the card limits keep far below. bounded-unzip.ts reads them.
 */

export interface ZipFile {
  name: string;
  content: Uint8Array | string;
  /** deflate (default) or store (for bytes that are compressed already, such as PNG or MP3) */
  store?: boolean;
  /** Claim this uncompressed size in the headers instead of the real one (tests build lying archives). */
  declaredSize?: number;
}

/** Bit 11 of the general purpose flags: the entry's name is UTF-8. */
const UTF8_NAMES = 0x0800;

/**
 * 1980-01-01 00:00, the first date MS-DOS time can hold, for every entry: an all-zero date is month 0,
 * which unzip shows as "1980-00-00" and stricter readers refuse, and a fixed one keeps exports repeatable.
 */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * A ZIP archive of the given files.
 * @example zipArchive([{ name: "card.json", content: JSON.stringify(card) }])
 */
export function zipArchive(files: readonly ZipFile[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const content = typeof file.content === "string" ? Buffer.from(file.content) : Buffer.from(file.content);
    const data = file.store ? content : deflateRawSync(content);
    const name = Buffer.from(file.name);
    const size = file.declaredSize ?? content.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(file.store ? 0 : 8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc32(content), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(file.store ? 0 : 8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc32(content), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}
