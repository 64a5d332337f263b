import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { randomToken } from "../lib/ids.ts";
import type { BlobRepository } from "./blob-repository.ts";
import {
  BlobQuotaExceededError,
  BlobTooLargeError,
  type BlobContent,
  type BlobPutOptions,
} from "./blob-store.ts";

/** Content written to a temp file, with what its name and row need. */
export interface StagedBlob {
  /** the temp file; the store moves or uploads it, and removes it if it is still there */
  file: string;
  sha256: string;
  size: number;
}

/**
 * What every blob store does before the bytes go to their place: writes the content to a temp file (0600
 * in a 0700 directory, fsynced) while hashing and counting it, and refuses it (nothing kept) past the put's
 * `maxBytes` or the tenant's storage quota.
 *
 * The quota is checked while the content streams (so an upload far past it stops early) and again, with
 * the final size, just before the row is written (`checkQuota`), counting puts that finished meanwhile. It
 * is a soft limit: puts of one tenant running at the same moment may each fit and together pass it.
 */
export class BlobStaging {
  private readonly rows: BlobRepository;
  private readonly directory: string;
  private readonly quotaBytes: number | undefined;

  constructor(options: { rows: BlobRepository; directory: string; quotaBytes?: number | undefined }) {
    this.rows = options.rows;
    this.directory = options.directory;
    this.quotaBytes = options.quotaBytes;
  }

  async stage(content: BlobContent, options: BlobPutOptions): Promise<StagedBlob> {
    const { maxBytes } = options;
    const quotaLeft =
      this.quotaBytes === undefined
        ? undefined
        : this.quotaBytes - (await this.rows.totalSize(options.tenantId));
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    const file = path.join(this.directory, `${randomToken(20)}.part`);
    const handle = await fs.open(file, "wx", 0o600);
    const hash = createHash("sha256");
    let size = 0;
    try {
      const chunks = content instanceof Uint8Array ? [content] : content;
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        if (maxBytes !== undefined && size > maxBytes) throw new BlobTooLargeError(maxBytes);
        if (quotaLeft !== undefined && size > quotaLeft) throw new BlobQuotaExceededError(this.quotaBytes!);
        hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (error) {
      await handle.close();
      await fs.rm(file, { force: true });
      throw error;
    }
    await handle.close();
    return { file, sha256: hash.digest("hex"), size };
  }

  /** Throws BlobQuotaExceededError when `size` more bytes would take the tenant past its quota. */
  async checkQuota(tenantId: string, size: number): Promise<void> {
    if (this.quotaBytes === undefined) return;
    if ((await this.rows.totalSize(tenantId)) + size > this.quotaBytes) {
      throw new BlobQuotaExceededError(this.quotaBytes);
    }
  }
}
