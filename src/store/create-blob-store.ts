import path from "node:path";
import type { Kysely } from "kysely";
import type { Config } from "../config/config.ts";
import type { Clock } from "../lib/clock.ts";
import type { BlobStore } from "./blob-store.ts";
import { FileBlobStore } from "./file-blob-store.ts";
import { S3BlobStore } from "./s3-blob-store.ts";
import type { Database } from "./schema.ts";

/**
 * The blob store the configuration asks for (DRAMATIS_BLOB_STORE): files under `<dataDir>/blobs`, or an
 * S3-compatible bucket, whose uploads are buffered under `<dataDir>/blobs/tmp` while they are hashed.
 *
 * @example blobs: createBlobStore({ config, db: database.db, clock })
 */
export function createBlobStore(options: {
  config: Pick<Config, "dataDir" | "blobStore">;
  db: Kysely<Database>;
  clock?: Clock;
}): BlobStore {
  const { config, db, clock } = options;
  const directory = path.join(config.dataDir, "blobs");
  const settings = config.blobStore;
  if (settings.kind === "file") {
    return new FileBlobStore({ db, directory, quotaBytes: settings.quotaBytes, clock });
  }
  return new S3BlobStore({
    db,
    ...settings.s3,
    stagingDirectory: path.join(directory, "tmp"),
    quotaBytes: settings.quotaBytes,
    clock,
  });
}
