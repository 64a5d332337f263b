import { crc32, inflateRawSync } from "node:zlib";

/**
 * Reads the files of a ZIP archive (a CHARX card) within limits checked before anything is inflated: the
 * number of entries, each entry's and the total declared size, and the compression ratio; inflation itself
 * stops at the declared size, so an archive that lies about its sizes (a zip bomb) costs no more memory or
 * time than an honest one of the allowed size. Stored (0) and deflated (8) entries; no ZIP64, no encryption.
 */

export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Largest uncompressed / compressed size of one entry (deflate reaches ~1,000:1 only on degenerate data). */
  maxRatio: number;
}

/** Why an archive was refused: too big (413) or unreadable (422). */
export class ZipArchiveError extends Error {
  constructor(
    message: string,
    readonly reason: "too_large" | "invalid",
  ) {
    super(message);
    this.name = "ZipArchiveError";
  }
}

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const END_RECORD_SEARCH = 22 + 0xffff;
const ZIP64_MARKER = 0xffffffff;

function readCentralDirectory(bytes: Uint8Array, limits: ZipLimits): CentralEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let offset = bytes.length - 22; offset >= Math.max(0, bytes.length - END_RECORD_SEARCH); offset--) {
    if (view.getUint32(offset, true) === END_OF_CENTRAL_DIRECTORY) {
      end = offset;
      break;
    }
  }
  if (end < 0) throw new ZipArchiveError("the archive has no ZIP central directory", "invalid");
  const count = view.getUint16(end + 10, true);
  if (count > limits.maxEntries) {
    throw new ZipArchiveError(
      `the archive has ${count} entries; at most ${limits.maxEntries} are read`,
      "too_large",
    );
  }
  let offset = view.getUint32(end + 16, true);
  const entries: CentralEntry[] = [];
  let total = 0;
  for (let index = 0; index < count; index++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== CENTRAL_DIRECTORY_ENTRY) {
      throw new ZipArchiveError("the archive's central directory is damaged", "invalid");
    }
    const nameLength = view.getUint16(offset + 28, true);
    const entry: CentralEntry = {
      flags: view.getUint16(offset + 8, true),
      method: view.getUint16(offset + 10, true),
      crc: view.getUint32(offset + 16, true),
      compressedSize: view.getUint32(offset + 20, true),
      size: view.getUint32(offset + 24, true),
      localOffset: view.getUint32(offset + 42, true),
      name: Buffer.from(bytes.subarray(offset + 46, offset + 46 + nameLength)).toString("utf8"),
    };
    if ([entry.compressedSize, entry.size, entry.localOffset].includes(ZIP64_MARKER)) {
      throw new ZipArchiveError(`ZIP64 archives are not read (entry ${entry.name})`, "invalid");
    }
    if (entry.size > limits.maxEntryBytes) {
      throw new ZipArchiveError(
        `entry ${entry.name} is ${entry.size} bytes uncompressed; the limit is ${limits.maxEntryBytes}`,
        "too_large",
      );
    }
    total += entry.size;
    if (total > limits.maxTotalBytes) {
      throw new ZipArchiveError(
        `the archive holds more than ${limits.maxTotalBytes} bytes uncompressed`,
        "too_large",
      );
    }
    if (entry.size > 1024 && entry.size / Math.max(entry.compressedSize, 1) > limits.maxRatio) {
      throw new ZipArchiveError(
        `entry ${entry.name} compresses ${Math.round(entry.size / Math.max(entry.compressedSize, 1))}:1, ` +
          `more than the ${limits.maxRatio}:1 a real file does (a zip bomb?)`,
        "too_large",
      );
    }
    entries.push(entry);
    offset += 46 + nameLength + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true);
  }
  return entries;
}

/**
 * The archive's files whose names `wanted` accepts (directories skipped), by name.
 * @example readZipFiles(bytes, CHARX_LIMITS, (name) => name === "card.json").get("card.json")
 */
export function readZipFiles(
  bytes: Uint8Array,
  limits: ZipLimits,
  wanted: (name: string) => boolean = () => true,
): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const files = new Map<string, Uint8Array>();
  for (const entry of readCentralDirectory(bytes, limits)) {
    if (entry.name.endsWith("/") || !wanted(entry.name)) continue;
    if (entry.flags & 1) throw new ZipArchiveError(`entry ${entry.name} is encrypted`, "invalid");
    const local = entry.localOffset;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL_FILE_HEADER) {
      throw new ZipArchiveError(`entry ${entry.name} points outside the archive`, "invalid");
    }
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(start, start + entry.compressedSize);
    if (data.length !== entry.compressedSize) {
      throw new ZipArchiveError(`entry ${entry.name} is cut short`, "invalid");
    }
    let content: Uint8Array;
    if (entry.method === 0) content = data;
    else if (entry.method === 8) {
      try {
        // One byte past the declared size is enough to tell a lie: inflation stops there.
        content = inflateRawSync(data, { maxOutputLength: Math.max(entry.size, 1) + 1 });
      } catch (error) {
        const tooBig = (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
        throw new ZipArchiveError(
          tooBig
            ? `entry ${entry.name} inflates beyond its declared ${entry.size} bytes`
            : `entry ${entry.name} does not inflate: ${(error as Error).message}`,
          tooBig ? "too_large" : "invalid",
        );
      }
    } else {
      throw new ZipArchiveError(`entry ${entry.name} uses compression method ${entry.method}`, "invalid");
    }
    if (content.length !== entry.size) {
      throw new ZipArchiveError(`entry ${entry.name} is not the size its header declares`, "invalid");
    }
    if (crc32(content) !== entry.crc) {
      throw new ZipArchiveError(`entry ${entry.name} fails its checksum`, "invalid");
    }
    files.set(entry.name, content);
  }
  return files;
}
