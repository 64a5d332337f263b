import type { Kysely } from "kysely";
import type { BlobTable, Database } from "./schema.ts";

export type BlobRow = BlobTable;

/** The `blobs` rows: which tenant owns which stored copy of which bytes. The bytes are FileBlobStore's. */
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
}
