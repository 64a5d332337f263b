import { createHash } from "node:crypto";
import { text } from "node:stream/consumers";
import type { Kysely } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { newId } from "../../src/lib/ids.ts";
import { BlobRepository } from "../../src/store/blob-repository.ts";
import {
  BlobQuotaExceededError,
  BlobTooLargeError,
  type BlobStore,
  type StoredBlob,
} from "../../src/store/blob-store.ts";
import type { Database } from "../../src/store/schema.ts";

/** What the contract needs from one implementation's test file. */
export interface BlobStoreHarness {
  db: Kysely<Database>;
  /** A store over the harness's database and storage (each call may build a new one over the same). */
  createStore(options?: { quotaBytes?: number }): BlobStore;
  /** Everything the store keeps outside the database (files, objects, temp files), in a comparable form. */
  listContent(): Promise<string[]>;
  /** Whether the bytes with this sha256 are stored. */
  hasContent(sha256: string): Promise<boolean>;
  /** Loses the bytes with this sha256 behind the store's back (a lost race, an operator's mistake). */
  removeContent(sha256: string): Promise<void>;
}

const MEGABYTE = 1024 * 1024;

export const sha256 = (content: string | Uint8Array) => createHash("sha256").update(content).digest("hex");

export async function* chunks(...parts: Array<string | Uint8Array | Error>): AsyncIterable<Uint8Array> {
  for (const part of parts) {
    if (part instanceof Error) throw part;
    yield typeof part === "string" ? Buffer.from(part) : part;
  }
}

/** Chunks for as long as they are read: a client that would never stop sending. */
async function* endless(chunk: Uint8Array): AsyncIterable<Uint8Array> {
  for (;;) yield chunk;
}

/** Bytes unlike any other test's (so no content is shared by accident) of the given size. */
function uniqueBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(Buffer.from(newId("x")));
  return bytes;
}

/**
 * The behaviour every BlobStore promises, run by each implementation's test file inside its `describe`
 * (after its own `beforeAll` has made what `harness` returns).
 */
export function runBlobStoreContract(harness: () => BlobStoreHarness): void {
  let blobs: BlobStore;
  let database: Kysely<Database>;
  let tenantId: string;
  let otherTenantId: string;

  async function createTenant(): Promise<string> {
    const id = newId("ten");
    await database
      .insertInto("tenants")
      .values({ id, name: id, is_operator: 0, created_at: "2026-01-01T00:00:00.000Z" })
      .execute();
    return id;
  }

  beforeAll(async () => {
    database = harness().db;
    blobs = harness().createStore();
    tenantId = await createTenant();
    otherTenantId = await createTenant();
  });

  it("stores bytes and streams them back with their metadata, for their tenant only", async () => {
    const blob = await blobs.put(Buffer.from("hello blob"), { tenantId, contentType: "text/plain" });
    expect(blob).toMatchObject({
      tenantId,
      sha256: sha256("hello blob"),
      size: 10,
      contentType: "text/plain",
    });
    expect(await blobs.stat(tenantId, blob.id)).toEqual(blob);
    const opened = await blobs.open(tenantId, blob.id);
    expect(opened!.blob).toEqual(blob);
    expect(await text(opened!.stream)).toBe("hello blob");
    expect(Buffer.from((await blobs.read(tenantId, blob.id))!).toString()).toBe("hello blob");
    // Another tenant's id is nobody's blob: not found, and not deleted either.
    expect(await blobs.stat(otherTenantId, blob.id)).toBeUndefined();
    expect(await blobs.open(otherTenantId, blob.id)).toBeUndefined();
    expect(await blobs.read(otherTenantId, blob.id)).toBeUndefined();
    await blobs.delete(otherTenantId, blob.id);
    expect(await blobs.stat(tenantId, blob.id)).toEqual(blob);
    await blobs.delete(tenantId, blob.id);
    expect(await blobs.stat(tenantId, blob.id)).toBeUndefined();
    expect(await blobs.read(tenantId, blob.id)).toBeUndefined();
    expect(await harness().hasContent(blob.sha256)).toBe(false);
  });

  it("accepts the content as a stream of chunks", async () => {
    const blob = await blobs.put(chunks("part one, ", "part two"), { tenantId, contentType: "text/plain" });
    expect(blob).toMatchObject({ size: 18, sha256: sha256("part one, part two") });
    expect(Buffer.from((await blobs.read(tenantId, blob.id))!).toString()).toBe("part one, part two");
    await blobs.delete(tenantId, blob.id);
  });

  it("stores shared bytes once and keeps them until the last blob holding them is deleted", async () => {
    const before = await harness().listContent();
    const first = await blobs.put(Buffer.from("shared"), { tenantId, contentType: "text/plain" });
    const second = await blobs.put(Buffer.from("shared"), {
      tenantId: otherTenantId,
      contentType: "application/octet-stream",
    });
    expect(first.id).not.toBe(second.id);
    expect(second.contentType).toBe("application/octet-stream");
    expect((await harness().listContent()).length).toBe(before.length + 1);
    await blobs.delete(tenantId, first.id);
    expect(await harness().hasContent(first.sha256)).toBe(true);
    expect(Buffer.from((await blobs.read(otherTenantId, second.id))!).toString()).toBe("shared");
    await blobs.delete(otherTenantId, second.id);
    expect(await harness().hasContent(first.sha256)).toBe(false);
    await blobs.delete(otherTenantId, second.id); // a second delete is a no-op
    expect(await harness().listContent()).toEqual(before);
  });

  it("stores nothing when the content fails midway (a dropped upload) or passes maxBytes", async () => {
    const before = await harness().listContent();
    await expect(
      blobs.put(chunks("half of ", new Error("connection reset")), { tenantId, contentType: "text/plain" }),
    ).rejects.toThrow("connection reset");
    const refused = blobs.put(chunks("0123456789", "0123456789"), {
      tenantId,
      contentType: "text/plain",
      maxBytes: 15,
    });
    await expect(refused).rejects.toBeInstanceOf(BlobTooLargeError);
    await expect(refused).rejects.toMatchObject({ status: 413 });
    expect(await harness().listContent()).toEqual(before);
    const rows = await database.selectFrom("blobs").select("sha256").execute();
    expect(rows.map((row) => row.sha256)).not.toContain(sha256("half of "));
    expect(rows.map((row) => row.sha256)).not.toContain(sha256("01234567890123456789"));
  });

  it("removes the bytes again when the row cannot be written", async () => {
    const before = await harness().listContent();
    await expect(
      blobs.put(Buffer.from("orphan"), { tenantId: "no-such-tenant", contentType: "text/plain" }),
    ).rejects.toThrow();
    expect(await harness().hasContent(sha256("orphan"))).toBe(false);
    expect(await harness().listContent()).toEqual(before);
  });

  it("reports a blob whose bytes are gone as missing, not as an error", async () => {
    const blob = await blobs.put(Buffer.from("soon lost"), { tenantId, contentType: "text/plain" });
    await harness().removeContent(blob.sha256);
    expect(await blobs.open(tenantId, blob.id)).toBeUndefined();
    expect(await blobs.read(tenantId, blob.id)).toBeUndefined();
    await blobs.delete(tenantId, blob.id);
  });

  it("refuses a put past the tenant's storage quota (a 413 naming it), counting only that tenant's blobs", async () => {
    const limited = harness().createStore({ quotaBytes: MEGABYTE });
    const tenant = await createTenant();
    const neighbour = await createTenant();
    const rows = new BlobRepository(database);
    const first = await limited.put(uniqueBytes(600 * 1024), { tenantId: tenant, contentType: "image/png" });
    const before = await harness().listContent();
    const refused = limited.put(uniqueBytes(600 * 1024), { tenantId: tenant, contentType: "image/png" });
    await expect(refused).rejects.toBeInstanceOf(BlobQuotaExceededError);
    await expect(refused).rejects.toMatchObject({
      status: 413,
      message: expect.stringContaining("storage quota of 1 MB is used up"),
    });
    // A stream far past the quota is cut off once it passes it, not read to its end.
    await expect(
      limited.put(endless(new Uint8Array(64 * 1024)), { tenantId: tenant, contentType: "image/png" }),
    ).rejects.toBeInstanceOf(BlobQuotaExceededError);
    expect(await harness().listContent()).toEqual(before);
    expect(await rows.totalSize(tenant)).toBe(600 * 1024);
    // Another tenant has a quota of its own.
    const neighbours = await limited.put(uniqueBytes(600 * 1024), {
      tenantId: neighbour,
      contentType: "image/png",
    });
    // Deleting makes room again.
    await limited.delete(tenant, first.id);
    const second = await limited.put(uniqueBytes(600 * 1024), { tenantId: tenant, contentType: "image/png" });
    await limited.delete(tenant, second.id);
    await limited.delete(neighbour, neighbours.id);
    expect(await rows.totalSize(tenant)).toBe(0);
  });

  it("counts a put that finished while another was being written against the quota", async () => {
    const limited = harness().createStore({ quotaBytes: MEGABYTE });
    const tenant = await createTenant();
    const bytes = uniqueBytes(600 * 1024);
    // Both may be written before either is recorded; the second to be recorded must still be refused.
    const results = await Promise.allSettled([
      limited.put(bytes, { tenantId: tenant, contentType: "image/png" }),
      limited.put(bytes, { tenantId: tenant, contentType: "image/png" }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    const stored = results.find(
      (result): result is PromiseFulfilledResult<StoredBlob> => result.status === "fulfilled",
    )!.value;
    const failure = results.find((result) => result.status === "rejected")?.reason;
    expect(failure).toBeInstanceOf(BlobQuotaExceededError);
    await limited.delete(tenant, stored.id);
    expect(await harness().hasContent(stored.sha256)).toBe(false);
  });
}
