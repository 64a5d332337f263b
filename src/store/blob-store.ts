import type { Readable } from "node:stream";

/**
 * Where binary data goes: card assets today, and media, voice recordings and knowledge files as they come.
 * A blob is an immutable byte string owned by one tenant, named by an id; the object that uses it (a
 * persona asset, ...) keeps the id and deletes the blob when it goes. Implementations keep the bytes out of
 * the database (FileBlobStore: files under `<dataDir>/blobs`), so rows stay small and bytes stream.
 *
 * @example
 * const blob = await blobs.put(bytes, { tenantId, contentType: "image/png" });
 * const opened = await blobs.open(tenantId, blob.id); // opened.stream.pipe(...)
 */
export interface BlobStore {
  /** Stores the bytes (all of them, or nothing visible: a failed put leaves no blob behind). */
  put(content: BlobContent, options: BlobPutOptions): Promise<StoredBlob>;
  /** The blob's metadata; undefined when this tenant has no such blob. */
  stat(tenantId: string, id: string): Promise<StoredBlob | undefined>;
  /** The blob's bytes as a stream, with its metadata; undefined when this tenant has no such blob. */
  open(tenantId: string, id: string): Promise<{ blob: StoredBlob; stream: Readable } | undefined>;
  /** The blob's bytes in memory (for small blobs that are assembled into something else, like a zip). */
  read(tenantId: string, id: string): Promise<Uint8Array | undefined>;
  /** Deletes the blob; its bytes go when no other blob holds the same ones. Deleting a missing blob is a no-op. */
  delete(tenantId: string, id: string): Promise<void>;
}

export type BlobContent = Uint8Array | AsyncIterable<Uint8Array>;

export interface BlobPutOptions {
  tenantId: string;
  /** the bytes' type as sniffed by the caller (never trusted from a client's header alone) */
  contentType: string;
  /** refuse (BlobTooLargeError) a stream longer than this; default no limit */
  maxBytes?: number;
}

export interface StoredBlob {
  id: string;
  tenantId: string;
  /** hex sha256 of the bytes: also a strong ETag */
  sha256: string;
  size: number;
  contentType: string;
  createdAt: string;
}

/** A streamed put went past its `maxBytes`; nothing was stored. */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the content is larger than ${maxBytes} bytes`);
    this.name = "BlobTooLargeError";
  }
}
