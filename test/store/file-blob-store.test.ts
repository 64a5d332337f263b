import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids.ts";
import type { DatabaseHandle } from "../../src/store/database.ts";
import { FileBlobStore } from "../../src/store/file-blob-store.ts";
import { BACKENDS } from "../backends.ts";
import { chunks, runBlobStoreContract, sha256 } from "./blob-store-contract.ts";

/** Every file under a directory, relative to it. */
function listFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe.each(BACKENDS)("FileBlobStore on $name", (backend) => {
  let database: DatabaseHandle;
  let directory: string;
  let blobDirectory: string;
  let blobs: FileBlobStore;
  let tenantId: string;

  const contentFile = (hash: string) => path.join(blobDirectory, "sha256", hash.slice(0, 2), hash);

  beforeAll(async () => {
    database = await backend.open();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-blobs-"));
    blobDirectory = path.join(directory, "blobs");
    blobs = new FileBlobStore({ db: database.db, directory: blobDirectory });
    tenantId = newId("ten");
    await database.db
      .insertInto("tenants")
      .values({ id: tenantId, name: tenantId, is_operator: 0, created_at: "2026-01-01T00:00:00.000Z" })
      .execute();
  });

  afterAll(async () => {
    await database.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  runBlobStoreContract(() => ({
    db: database.db,
    createStore: (options) => new FileBlobStore({ db: database.db, directory: blobDirectory, ...options }),
    listContent: async () => listFiles(blobDirectory),
    hasContent: async (hash) => fs.existsSync(contentFile(hash)),
    removeContent: async (hash) => fs.rmSync(contentFile(hash)),
  }));

  it("keeps files private (0600 in 0700 directories) under sha256/<2 hex>/<sha256>", async () => {
    const blob = await blobs.put(chunks("part one, ", "part two"), { tenantId, contentType: "text/plain" });
    const file = contentFile(blob.sha256);
    expect(fs.readFileSync(file, "utf8")).toBe("part one, part two");
    if (process.platform !== "win32") {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(blobDirectory).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(blobDirectory, "tmp")).mode & 0o777).toBe(0o700);
    }
    await blobs.delete(tenantId, blob.id);
  });

  it("never shows a temp file left by a crashed process", async () => {
    // A process that died between writing and renaming leaves a .part file: it is nobody's blob.
    fs.mkdirSync(path.join(blobDirectory, "tmp"), { recursive: true });
    fs.writeFileSync(path.join(blobDirectory, "tmp", "crashed.part"), "partial");
    expect(await blobs.stat(tenantId, "crashed")).toBeUndefined();
    const rows = await database.db.selectFrom("blobs").select("sha256").execute();
    expect(rows.map((row) => row.sha256)).not.toContain(sha256("partial"));
    fs.rmSync(path.join(blobDirectory, "tmp", "crashed.part"));
  });
});
