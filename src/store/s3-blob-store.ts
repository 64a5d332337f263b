import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Kysely } from "kysely";
import { systemClock, type Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { KeyedLock } from "../lib/keyed-lock.ts";
import { BlobRepository, toStoredBlob, type BlobRow } from "./blob-repository.ts";
import { BlobStaging } from "./blob-staging.ts";
import type { BlobContent, BlobPutOptions, BlobStore, SignedUrlOptions, StoredBlob } from "./blob-store.ts";
import { presignGetUrl } from "./s3-presign.ts";
import type { Database } from "./schema.ts";

/** Where an S3BlobStore keeps its bytes, and how it reaches them. */
export interface S3BlobStoreOptions {
  db: Kysely<Database>;
  bucket: string;
  /** put before every key, e.g. `dramatis/` (a trailing `/` is not added); default none */
  prefix?: string | undefined;
  /** default us-east-1; `auto` for Cloudflare R2 */
  region?: string | undefined;
  /** an S3-compatible service (MinIO, R2, ...) instead of AWS, e.g. `http://127.0.0.1:9000` */
  endpoint?: string | undefined;
  /** `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint>/<key>` (MinIO and most self-hosted stores) */
  forcePathStyle?: boolean | undefined;
  /** both, or neither: the AWS SDK's default chain (AWS_ACCESS_KEY_ID, profiles, instance roles) */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** where puts are buffered while they are hashed; default the system temp directory */
  stagingDirectory?: string | undefined;
  /** the most bytes one tenant may store; default no limit */
  quotaBytes?: number | undefined;
  /** the rows' created_at */
  clock?: Clock;
  /** presigned URLs' signing time; real time by default, since S3 checks it against its own clock */
  signingClock?: Clock;
}

/**
 * The blob store on S3 or an S3-compatible service: bytes in objects `<prefix>sha256/<2 hex>/<sha256>`
 * (content-addressed like FileBlobStore's files, so identical bytes are stored once), metadata in the
 * `blobs` table, so ownership, tenant isolation and `stat` work exactly as with files.
 *
 * A put buffers the content in a temp file while hashing it (the key is its hash, known only at the end),
 * uploads it, and only then inserts the row: a failure leaves at most an object without a row (harmless,
 * never shown), never a row without an object. An object is deleted when no row names its sha256 any more;
 * puts and deletes of the same bytes take turns within this process, and across processes a lost race
 * shows as a missing blob (`open` returns undefined), never as wrong bytes.
 */
export class S3BlobStore implements BlobStore {
  private readonly rows: BlobRepository;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly region: string;
  private readonly endpoint: string | undefined;
  private readonly forcePathStyle: boolean;
  private readonly staging: BlobStaging;
  private readonly clock: Clock;
  private readonly signingClock: Clock;
  private readonly locks = new KeyedLock();

  constructor(options: S3BlobStoreOptions) {
    this.rows = new BlobRepository(options.db);
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? "";
    this.region = options.region ?? "us-east-1";
    this.endpoint = options.endpoint;
    this.forcePathStyle = options.forcePathStyle ?? false;
    this.clock = options.clock ?? systemClock;
    this.signingClock = options.signingClock ?? systemClock;
    this.staging = new BlobStaging({
      rows: this.rows,
      directory: options.stagingDirectory ?? path.join(os.tmpdir(), "dramatis-blob-staging"),
      quotaBytes: options.quotaBytes,
    });
    this.client = new S3Client({
      region: this.region,
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
      forcePathStyle: this.forcePathStyle,
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // Since 3.729 the SDK adds CRC checksums to every upload by default, streamed as aws-chunked
      // trailers that many S3-compatible services (older MinIO, s3rver, some gateways) refuse.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  async put(content: BlobContent, options: BlobPutOptions): Promise<StoredBlob> {
    const staged = await this.staging.stage(content, options);
    try {
      return await this.locks.run(staged.sha256, async () => {
        await this.staging.checkQuota(options.tenantId, staged.size);
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.keyOf(staged.sha256),
            Body: createReadStream(staged.file),
            ContentLength: staged.size,
            // Rows sharing these bytes may name different types; each row's own is sent with it.
            ContentType: "application/octet-stream",
          }),
        );
        const row: BlobRow = {
          id: newId("blb"),
          tenant_id: options.tenantId,
          sha256: staged.sha256,
          size: staged.size,
          content_type: options.contentType,
          created_at: this.clock.now().toISOString(),
        };
        try {
          await this.rows.insert(row);
        } catch (error) {
          await this.removeUnreferenced(staged.sha256);
          throw error;
        }
        return toStoredBlob(row);
      });
    } finally {
      await fs.rm(staged.file, { force: true });
    }
  }

  async stat(tenantId: string, id: string): Promise<StoredBlob | undefined> {
    const row = await this.rows.find(tenantId, id);
    return row && toStoredBlob(row);
  }

  async open(tenantId: string, id: string): Promise<{ blob: StoredBlob; stream: Readable } | undefined> {
    const row = await this.rows.find(tenantId, id);
    if (!row) return undefined;
    const body = await this.getObject(row.sha256);
    // In Node the SDK's body is an IncomingMessage: a Readable.
    return body && { blob: toStoredBlob(row), stream: body as unknown as Readable };
  }

  async read(tenantId: string, id: string): Promise<Uint8Array | undefined> {
    const row = await this.rows.find(tenantId, id);
    if (!row) return undefined;
    const body = await this.getObject(row.sha256);
    return body && (await body.transformToByteArray());
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const row = await this.rows.find(tenantId, id);
    if (!row) return;
    await this.locks.run(row.sha256, async () => {
      await this.rows.delete(tenantId, id);
      await this.removeUnreferenced(row.sha256);
    });
  }

  /**
   * A presigned GET of the blob's object, answered with the row's content type (and as a download named
   * `fileName` when given). Anyone holding the URL can read the bytes until it expires.
   */
  async signedUrl(tenantId: string, id: string, options: SignedUrlOptions): Promise<string | undefined> {
    const row = await this.rows.find(tenantId, id);
    if (!row) return undefined;
    const query: Record<string, string> = { "response-content-type": row.content_type };
    if (options.fileName !== undefined) {
      query["response-content-disposition"] = attachmentDisposition(options.fileName);
    }
    return presignGetUrl({
      url: this.objectUrl(this.keyOf(row.sha256)),
      region: this.region,
      credentials: await this.client.config.credentials(),
      now: this.signingClock.now(),
      expiresInSeconds: options.expiresInSeconds,
      query,
    });
  }

  /** Closes the client's connections (for tests and tools; a server simply exits). */
  destroy(): void {
    this.client.destroy();
  }

  /** The object's body, or undefined when it is gone (a row whose bytes were lost; see the class comment). */
  private async getObject(sha256: string) {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }),
      );
      return response.Body;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async removeUnreferenced(sha256: string): Promise<void> {
    if (await this.rows.isReferenced(sha256)) return;
    // S3 answers a delete of a missing key with success, so a second delete is harmless.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
  }

  private keyOf(sha256: string): string {
    return `${this.prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  /**
   * The object's address as the SDK would send the request: path-style when asked (or when the bucket name
   * has dots, which a virtual host's TLS certificate cannot cover), virtual-hosted otherwise.
   */
  private objectUrl(key: string): URL {
    const encodedKey = key.split("/").map(encodeURIComponent).join("/");
    const base = new URL(this.endpoint ?? `https://s3.${this.region}.amazonaws.com`);
    const basePath = base.pathname.replace(/\/+$/, "");
    const pathStyle = this.forcePathStyle || (this.bucket.includes(".") && base.protocol === "https:");
    return pathStyle
      ? new URL(`${base.protocol}//${base.host}${basePath}/${this.bucket}/${encodedKey}`)
      : new URL(`${base.protocol}//${this.bucket}.${base.host}${basePath}/${encodedKey}`);
  }
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return candidate?.name === "NoSuchKey" || candidate?.$metadata?.httpStatusCode === 404;
}

/** `attachment` with an ASCII fallback name and the exact name in UTF-8 (RFC 6266, RFC 8187). */
function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, "_").slice(0, 120) || "download";
  const exact = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
