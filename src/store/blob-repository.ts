import type { Kysely } from "kysely";
import type { StoredBlob } from "./blob-store.ts";
import type { BlobTable, Database } from "./schema.ts";

export type BlobRow = BlobTable;

/**
 * The `blobs` rows: which tenant owns which stored copy of which bytes. The bytes are the blob store's
 * (files for FileBlobStore, objects for S3BlobStore); both keep their rows here.
 */
export class BlobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: BlobRow): Promise<void> {
    await this.db.insertInto("blobs").values(row).execute();
  }

  async find(tenantId: string, id: string): Promise<BlobRow | undefined> {
    const row = await this.db
      .selectFrom("blobs")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    // PostgreSQL's bigint arrives as text.
    return row && { ...row, size: Number(row.size) };
  }

  /** Deletes the row; the sha256 it named, or undefined when there was none. */
  async delete(tenantId: string, id: string): Promise<string | undefined> {
    const row = await this.db
      .deleteFrom("blobs")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .returning("sha256")
      .executeTakeFirst();
    return row?.sha256;
  }

  /** Whether any row (of any tenant) still names these bytes. */
  async isReferenced(sha256: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("blobs")
      .select("id")
      .where("sha256", "=", sha256)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The bytes a tenant stores: the sum of its rows' sizes (shared bytes count for each row naming them). */
  async totalSize(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom("blobs")
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>("size"), eb.lit(0)).as("total"))
      .where("tenant_id", "=", tenantId)
      .executeTakeFirstOrThrow();
    // PostgreSQL's sum of a bigint arrives as numeric text.
    return Number(row.total);
  }
}

export function toStoredBlob(row: BlobRow): StoredBlob {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    sha256: row.sha256,
    size: row.size,
    contentType: row.content_type,
    createdAt: row.created_at,
  };
}
