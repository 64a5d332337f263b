import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { newId } from "../../src/lib/ids.ts";
import { createBlobStore } from "../../src/store/create-blob-store.ts";
import type { DatabaseHandle } from "../../src/store/database.ts";
import { S3BlobStore, type S3BlobStoreOptions } from "../../src/store/s3-blob-store.ts";
import { BACKENDS } from "../backends.ts";
import { runBlobStoreContract } from "./blob-store-contract.ts";

const BUCKET = "dramatis-test";
// s3rver's built-in account.
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

let server: S3rver;
let serverDirectory: string;
let endpoint: string;

beforeAll(async () => {
  serverDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-s3rver-"));
  server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: serverDirectory,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const address = await server.run();
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await server.close();
  fs.rmSync(serverDirectory, { recursive: true, force: true });
});

describe.each(BACKENDS)("S3BlobStore on s3rver and $name", (backend) => {
  let database: DatabaseHandle;
  let stagingDirectory: string;
  let client: S3Client;
  let blobs: S3BlobStore;
  let tenantId: string;
  const stores: S3BlobStore[] = [];
  // Each backend's run keeps its objects under a prefix of its own (and so tests the prefix).
  const prefix = `${backend.name}/`;
  const keyOf = (hash: string) => `${prefix}sha256/${hash.slice(0, 2)}/${hash}`;

  function createStore(options: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
    const store = new S3BlobStore({
      db: database.db,
      endpoint,
      forcePathStyle: true,
      bucket: BUCKET,
      prefix,
      ...CREDENTIALS,
      stagingDirectory,
      ...options,
    });
    stores.push(store);
    return store;
  }

  async function listObjects(): Promise<string[]> {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  }

  beforeAll(async () => {
    database = await backend.open();
    stagingDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-s3-staging-"));
    client = new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1", credentials: CREDENTIALS });
    blobs = createStore();
    tenantId = newId("ten");
    await database.db
      .insertInto("tenants")
      .values({ id: tenantId, name: tenantId, is_operator: 0, created_at: "2026-01-01T00:00:00.000Z" })
      .execute();
  });

  afterAll(async () => {
    for (const store of stores) store.destroy();
    client.destroy();
    await database.close();
    fs.rmSync(stagingDirectory, { recursive: true, force: true });
  });

  runBlobStoreContract(() => ({
    db: database.db,
    createStore: (options) => createStore(options),
    // The objects, and the staging directory's temp files (which a put must not leave behind).
    listContent: async () => [...(await listObjects()), ...fs.readdirSync(stagingDirectory)],
    hasContent: async (hash) => (await listObjects()).includes(keyOf(hash)),
    removeContent: async (hash) => {
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keyOf(hash) }));
    },
  }));

  it("keeps the bytes under <prefix>sha256/<2 hex>/<sha256>", async () => {
    const blob = await blobs.put(Buffer.from("where am I"), { tenantId, contentType: "text/plain" });
    expect(await listObjects()).toContain(keyOf(blob.sha256));
    await blobs.delete(tenantId, blob.id);
    expect(await listObjects()).not.toContain(keyOf(blob.sha256));
  });

  it("hands out a presigned URL that serves the bytes with the blob's type, for its tenant only", async () => {
    const blob = await blobs.put(Buffer.from("signed bytes"), { tenantId, contentType: "text/plain" });
    const url = await blobs.signedUrl(tenantId, blob.id, { expiresInSeconds: 300 });
    expect(url).toMatch(/X-Amz-Signature=[0-9a-f]{64}/);
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.text()).toBe("signed bytes");

    const download = await fetch(
      (await blobs.signedUrl(tenantId, blob.id, { expiresInSeconds: 60, fileName: "café notes.txt" }))!,
    );
    expect(download.headers.get("content-disposition")).toBe(
      `attachment; filename="caf_ notes.txt"; filename*=UTF-8''caf%C3%A9%20notes.txt`,
    );
    await download.arrayBuffer();

    expect(await blobs.signedUrl(newId("ten"), blob.id, { expiresInSeconds: 60 })).toBeUndefined();
    await expect(blobs.signedUrl(tenantId, blob.id, { expiresInSeconds: 8 * 24 * 3600 })).rejects.toThrow(
      /expiresInSeconds/,
    );
    await blobs.delete(tenantId, blob.id);
  });

  it("is what DRAMATIS_BLOB_STORE=s3 builds, buffering uploads under the data directory", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-s3-config-"));
    const config = loadConfig({
      DRAMATIS_DATA_DIR: dataDir,
      DRAMATIS_BLOB_STORE: "s3",
      DRAMATIS_S3_BUCKET: BUCKET,
      DRAMATIS_S3_ENDPOINT: endpoint,
      DRAMATIS_S3_FORCE_PATH_STYLE: "true",
      DRAMATIS_S3_PREFIX: `${backend.name}-configured`,
      DRAMATIS_S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      DRAMATIS_S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });
    const configured = createBlobStore({ config, db: database.db });
    expect(configured).toBeInstanceOf(S3BlobStore);
    stores.push(configured as S3BlobStore);
    const blob = await configured.put(Buffer.from("configured"), { tenantId, contentType: "text/plain" });
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${backend.name}-configured/sha256/` }),
    );
    expect(listed.Contents?.map((object) => object.Key)).toEqual([
      `${backend.name}-configured/sha256/${blob.sha256.slice(0, 2)}/${blob.sha256}`,
    ]);
    expect(fs.readdirSync(path.join(dataDir, "blobs", "tmp"))).toEqual([]);
    await configured.delete(tenantId, blob.id);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
