import type { Readable } from "node:stream";
import { AppError, PayloadTooLargeError } from "../errors/app-error.ts";

/**
 * Where binary data goes: card assets today, and media, voice recordings and knowledge files as they come.
 * A blob is an immutable byte string owned by one tenant, named by an id; the object that uses it (a
 * persona asset, ...) keeps the id and deletes the blob when it goes. Implementations keep the bytes out of
 * the database (FileBlobStore: files under `<dataDir>/blobs`; S3BlobStore: objects in a bucket), so rows
 * stay small and bytes stream. Both keep the rows in the `blobs` table (BlobRepository).
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
  /**
   * A URL that serves the blob's bytes without this server for `expiresInSeconds` (a presigned GET), or
   * undefined when this tenant has no such blob. Only stores that can hand bytes out directly have it
   * (S3BlobStore); callers serve the bytes themselves (`open`) otherwise.
   */
  signedUrl?(tenantId: string, id: string, options: SignedUrlOptions): Promise<string | undefined>;
}

export interface SignedUrlOptions {
  /** how long the URL works, in seconds (at most 7 days) */
  expiresInSeconds: number;
  /** offered as a download under this name (Content-Disposition: attachment); default: shown inline */
  fileName?: string;
}

export type BlobContent = Uint8Array | AsyncIterable<Uint8Array>;

export interface BlobPutOptions {
  tenantId: string;
  /** the bytes' type as sniffed by the caller (never trusted from a client's header alone) */
  contentType: string;
  /** refuse (BlobTooLargeError) a stream longer than this; default no limit */
  maxBytes?: number;
  // The tenant's storage quota (BlobQuotaExceededError) is the store's own option, the same for every put.
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

/** A streamed put went past its `maxBytes`; nothing was stored. A 413, like any content over a limit. */
export class BlobTooLargeError extends PayloadTooLargeError {
  constructor(readonly maxBytes: number) {
    super(maxBytes, `the content is larger than ${maxBytes} bytes`);
  }
}

const MEGABYTE = 1024 * 1024;

/**
 * A put would take the tenant's stored bytes (the sizes of all its blobs) past its quota; nothing was
 * stored.
 *
 * 413 rather than 507 or 409: 507 is a 5xx, which says the server failed (monitors alert, clients retry
 * the same request), while here the tenant's own request is over the tenant's own limit. 413 ("content too
 * large") says what the client can change: send less, or delete blobs first. 409 would suggest a
 * conflicting edit that a retry with fresh state resolves, which is not the case.
 */
export class BlobQuotaExceededError extends AppError {
  constructor(readonly quotaBytes: number) {
    super(
      413,
      "Content Too Large",
      `the storage quota of ${formatMegabytes(quotaBytes)} MB is used up; delete files to make room`,
    );
  }
}

/** Whole megabytes as they are (quotas are configured in MB), anything else to three significant digits. */
function formatMegabytes(bytes: number): string {
  const megabytes = bytes / MEGABYTE;
  return String(Number.isInteger(megabytes) ? megabytes : Number(megabytes.toPrecision(3)));
}
