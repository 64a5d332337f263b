import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids.ts";
import { BlobTooLargeError } from "../../src/store/blob-store.ts";
import type { DatabaseHandle } from "../../src/store/database.ts";
import { FileBlobStore } from "../../src/store/file-blob-store.ts";
import { Store } from "../../src/store/store.ts";
import { BACKENDS } from "../backends.ts";

const sha256 = (content: string) => createHash("sha256").update(content).digest("hex");

/** Every file under a directory, relative to it. */
function listFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)));
}

async function* chunks(...parts: Array<string | Error>): AsyncIterable<Uint8Array> {
  for (const part of parts) {
    if (part instanceof Error) throw part;
    yield Buffer.from(part);
  }
}

describe.each(BACKENDS)("FileBlobStore on $name", (backend) => {
  let database: DatabaseHandle;
  let directory: string;
  let blobs: FileBlobStore;
  let tenantId: string;
  let otherTenantId: string;

  beforeAll(async () => {
    database = await backend.open();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-blobs-"));
    blobs = new FileBlobStore({ db: database.db, directory: path.join(directory, "blobs") });
    const store = new Store(database.db);
    tenantId = newId("ten");
    otherTenantId = newId("ten");
    for (const id of [tenantId, otherTenantId]) {
      await store.db
        .insertInto("tenants")
        .values({ id, name: id, is_operator: 0, created_at: "2026-01-01T00:00:00.000Z" })
        .execute();
    }
  });

  afterAll(async () => {
    await database.close();
    fs.rmSync(directory, { recursive: true, force: true });
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
    expect(await text(opened!.stream)).toBe("hello blob");
    expect(Buffer.from((await blobs.read(tenantId, blob.id))!).toString()).toBe("hello blob");
    expect(await blobs.stat(otherTenantId, blob.id)).toBeUndefined();
    expect(await blobs.open(otherTenantId, blob.id)).toBeUndefined();
    await blobs.delete(tenantId, blob.id);
    expect(await blobs.stat(tenantId, blob.id)).toBeUndefined();
  });

  it("accepts a stream, and keeps files private (0600 in 0700 directories)", async () => {
    const blob = await blobs.put(chunks("part one, ", "part two"), { tenantId, contentType: "text/plain" });
    expect(blob.size).toBe(18);
    const file = path.join(directory, "blobs", "sha256", blob.sha256.slice(0, 2), blob.sha256);
    expect(fs.readFileSync(file, "utf8")).toBe("part one, part two");
    if (process.platform !== "win32") {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(directory, "blobs")).mode & 0o777).toBe(0o700);
    }
    await blobs.delete(tenantId, blob.id);
  });

  it("keeps shared bytes until the last blob holding them is deleted", async () => {
    const first = await blobs.put(Buffer.from("shared"), { tenantId, contentType: "text/plain" });
    const second = await blobs.put(Buffer.from("shared"), {
      tenantId: otherTenantId,
      contentType: "text/plain",
    });
    expect(first.id).not.toBe(second.id);
    const file = path.join(directory, "blobs", "sha256", first.sha256.slice(0, 2), first.sha256);
    await blobs.delete(tenantId, first.id);
    expect(fs.existsSync(file)).toBe(true);
    expect(Buffer.from((await blobs.read(otherTenantId, second.id))!).toString()).toBe("shared");
    await blobs.delete(otherTenantId, second.id);
    expect(fs.existsSync(file)).toBe(false);
    await blobs.delete(otherTenantId, second.id); // a second delete is a no-op
  });

  it("leaves nothing visible and no file behind when the content fails midway (a crash while writing)", async () => {
    const before = listFiles(path.join(directory, "blobs"));
    await expect(
      blobs.put(chunks("half of ", new Error("connection reset")), { tenantId, contentType: "text/plain" }),
    ).rejects.toThrow("connection reset");
    await expect(
      blobs.put(chunks("0123456789", "0123456789"), { tenantId, contentType: "text/plain", maxBytes: 15 }),
    ).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(listFiles(path.join(directory, "blobs"))).toEqual(before);
    const rows = await database.db.selectFrom("blobs").select("sha256").execute();
    expect(rows.map((row) => row.sha256)).not.toContain(sha256("half of "));
  });

  it("never shows a temp file left by a crashed process, and removes the file when the row cannot be written", async () => {
    // A process that died between writing and renaming leaves a .part file: it is nobody's blob.
    fs.writeFileSync(path.join(directory, "blobs", "tmp", "crashed.part"), "partial");
    expect(await blobs.stat(tenantId, "crashed")).toBeUndefined();
    await expect(
      blobs.put(Buffer.from("orphan"), { tenantId: "no-such-tenant", contentType: "text/plain" }),
    ).rejects.toThrow();
    const file = path.join(directory, "blobs", "sha256", sha256("orphan").slice(0, 2), sha256("orphan"));
    expect(fs.existsSync(file)).toBe(false);
  });
});
