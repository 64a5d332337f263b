import type { Readable } from "node:stream";
import fs from "node:fs/promises";
import path from "node:path";
import type { Kysely } from "kysely";
import { systemClock, type Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { KeyedLock } from "../lib/keyed-lock.ts";
import { BlobRepository, toStoredBlob, type BlobRow } from "./blob-repository.ts";
import { BlobStaging } from "./blob-staging.ts";
import type { BlobContent, BlobPutOptions, BlobStore, StoredBlob } from "./blob-store.ts";
import type { Database } from "./schema.ts";

/**
 * The blob store on the local filesystem: bytes in `<directory>/sha256/<2 hex>/<sha256>` (content-addressed,
 * so the same bytes stored twice take the space once), metadata in the `blobs` table.
 *
 * Crash safety: bytes are written to `<directory>/tmp/` and fsynced, then renamed into place (atomic on one
 * filesystem), and only then is the row inserted; a blob is visible only through its row. A crash leaves at
 * most a temp file or an unreferenced content file, never a row naming partial bytes. Directories are 0700
 * and files 0600, like the SQLite file.
 *
 * Two rows may name one file, so a delete removes the file only when no row names it any more. Puts and
 * deletes of the same bytes are serialised within the process; across processes a put racing the delete of
 * identical bytes could lose the file, which `open` reports as a missing blob rather than wrong bytes.
 *
 * `quotaBytes` caps what each tenant stores (BlobQuotaExceededError); see BlobStaging.
 */
export class FileBlobStore implements BlobStore {
  private readonly rows: BlobRepository;
  private readonly directory: string;
  private readonly clock: Clock;
  private readonly staging: BlobStaging;
  private readonly locks = new KeyedLock();

  constructor(options: {
    db: Kysely<Database>;
    directory: string;
    clock?: Clock;
    /** the most bytes one tenant may store; default no limit */
    quotaBytes?: number | undefined;
  }) {
    this.rows = new BlobRepository(options.db);
    this.directory = options.directory;
    this.clock = options.clock ?? systemClock;
    // Temp files sit beside the content files: renaming within one filesystem is atomic.
    this.staging = new BlobStaging({
      rows: this.rows,
      directory: path.join(this.directory, "tmp"),
      quotaBytes: options.quotaBytes,
    });
  }

  async put(content: BlobContent, options: BlobPutOptions): Promise<StoredBlob> {
    const written = await this.staging.stage(content, options);
    return this.locks.run(written.sha256, async () => {
      try {
        await this.staging.checkQuota(options.tenantId, written.size);
      } catch (error) {
        await fs.rm(written.file, { force: true });
        throw error;
      }
      const target = this.contentPath(written.sha256);
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await fs.rename(written.file, target);
      const row: BlobRow = {
        id: newId("blb"),
        tenant_id: options.tenantId,
        sha256: written.sha256,
        size: written.size,
        content_type: options.contentType,
        created_at: this.clock.now().toISOString(),
      };
      try {
        await this.rows.insert(row);
      } catch (error) {
        await this.removeUnreferenced(written.sha256);
        throw error;
      }
      return toStoredBlob(row);
    });
  }

  async stat(tenantId: string, id: string): Promise<StoredBlob | undefined> {
    const row = await this.rows.find(tenantId, id);
    return row && toStoredBlob(row);
  }

  async open(tenantId: string, id: string): Promise<{ blob: StoredBlob; stream: Readable } | undefined> {
    const row = await this.rows.find(tenantId, id);
    if (!row) return undefined;
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.contentPath(row.sha256), "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    return { blob: toStoredBlob(row), stream: handle.createReadStream() };
  }

  async read(tenantId: string, id: string): Promise<Uint8Array | undefined> {
    const row = await this.rows.find(tenantId, id);
    if (!row) return undefined;
    try {
      return new Uint8Array(await fs.readFile(this.contentPath(row.sha256)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const row = await this.rows.find(tenantId, id);
    if (!row) return;
    await this.locks.run(row.sha256, async () => {
      await this.rows.delete(tenantId, id);
      await this.removeUnreferenced(row.sha256);
    });
  }

  private async removeUnreferenced(sha256: string): Promise<void> {
    if (await this.rows.isReferenced(sha256)) return;
    await fs.rm(this.contentPath(sha256), { force: true });
  }

  private contentPath(sha256: string): string {
    return path.join(this.directory, "sha256", sha256.slice(0, 2), sha256);
  }
}
