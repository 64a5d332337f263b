import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // A tenant's storage quota sums its blobs' sizes before each put: (tenant_id, size) answers that from
    // the index alone, and deleting a tenant finds its blobs without a scan.
    await db.schema.createIndex("blobs_tenant_index").on("blobs").columns(["tenant_id", "size"]).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("blobs_tenant_index").execute();
  },
};
