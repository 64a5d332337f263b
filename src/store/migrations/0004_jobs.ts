import { type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // No foreign key to tenants: the Redis queue cannot have one, and both queues must accept the same input.
    await db.schema
      .createTable("jobs")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", (column) => column.notNull())
      .addColumn("kind", "text", (column) => column.notNull())
      .addColumn("payload", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("result", "text")
      .addColumn("error", "text")
      .addColumn("attempts", "integer", (column) => column.notNull().defaultTo(0))
      .addColumn("max_attempts", "integer", (column) => column.notNull())
      .addColumn("idempotency_key", "text")
      .addColumn("run_after", "text", (column) => column.notNull())
      .addColumn("lease_owner", "text")
      .addColumn("lease_expires_at", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .addColumn("started_at", "text")
      .addColumn("finished_at", "text")
      // NULL keys never collide, so only jobs enqueued with a key are deduplicated.
      .addUniqueConstraint("jobs_tenant_idempotency_unique", ["tenant_id", "idempotency_key"])
      .execute();
    await db.schema
      .createIndex("jobs_status_run_after_index")
      .on("jobs")
      .columns(["status", "run_after"])
      .execute();

    // A per-job sequence rather than a global serial: a PostgreSQL serial can commit out of order, and a
    // reader polling "after sequence n" would then skip an event for good.
    await db.schema
      .createTable("job_events")
      .addColumn("job_id", "text", (column) => column.notNull().references("jobs.id").onDelete("cascade"))
      .addColumn("sequence", "integer", (column) => column.notNull())
      .addColumn("type", "text", (column) => column.notNull())
      .addColumn("data", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .addPrimaryKeyConstraint("job_events_primary_key", ["job_id", "sequence"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("job_events").execute();
    await db.schema.dropTable("jobs").execute();
  },
};
