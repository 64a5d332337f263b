import { isPostgres } from "../dialect.ts";
import { type ColumnDefinitionBuilder, type Kysely, type Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    const tenantColumn = (column: ColumnDefinitionBuilder) =>
      column.notNull().references("tenants.id").onDelete("cascade");
    await db.schema
      .createTable("skills")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", tenantColumn)
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("description", "text", (column) => column.notNull())
      .addColumn("prompt", "text", (column) => column.notNull())
      .addColumn("answer", "text", (column) => column.notNull())
      .addColumn("scoring", "text")
      .addColumn("context", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createTable("cohorts")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", tenantColumn)
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("description", "text", (column) => column.notNull())
      .addColumn("filter", "text")
      .addColumn("generator", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    await db.schema
      .createTable("populations")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", tenantColumn)
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("size", "integer", (column) => column.notNull())
      .addColumn("seed", "text", (column) => column.notNull())
      .addColumn("reference_date", "text", (column) => column.notNull())
      .addColumn("composition", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("generated", "integer", (column) => column.notNull())
      .addColumn("job_id", "text")
      .addColumn("error", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .execute();
    // Members keep their cohort; a deleted persona leaves its population (studies keep their copy).
    await db.schema
      .createTable("population_members")
      .addColumn("population_id", "text", (column) =>
        column.notNull().references("populations.id").onDelete("cascade"),
      )
      .addColumn("ordinal", "integer", (column) => column.notNull())
      .addColumn("persona_id", "text", (column) =>
        column.notNull().references("personas.id").onDelete("cascade"),
      )
      .addColumn("cohort_id", "text", (column) => column.notNull())
      .addColumn("generated", "integer", (column) => column.notNull())
      .addPrimaryKeyConstraint("population_members_pk", ["population_id", "ordinal"])
      .execute();
    await db.schema
      .createIndex("population_members_cohort_index")
      .on("population_members")
      .columns(["population_id", "cohort_id", "ordinal"])
      .execute();
    await db.schema
      .createTable("studies")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("tenant_id", "text", tenantColumn)
      .addColumn("name", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("skill_id", "text", (column) => column.notNull())
      .addColumn("skill", "text", (column) => column.notNull())
      .addColumn("population_id", "text", (column) => column.notNull())
      .addColumn("model", "text")
      .addColumn("sampling", "text", (column) => column.notNull())
      .addColumn("concurrency", "integer", (column) => column.notNull())
      .addColumn("requests_per_minute", "integer")
      .addColumn("seed", "text", (column) => column.notNull())
      .addColumn("context", "text", (column) => column.notNull())
      .addColumn("invalid_retries", "integer", (column) => column.notNull())
      .addColumn("max_attempts", "integer", (column) => column.notNull())
      .addColumn("next_slot_at", "text")
      .addColumn("supervised_at", "text")
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .addColumn("started_at", "text", (column) => column.notNull())
      .addColumn("finished_at", "text")
      .execute();
    await db.schema.createIndex("studies_status_index").on("studies").column("status").execute();
    await db.schema
      .createTable("study_runs")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("study_id", "text", (column) =>
        column.notNull().references("studies.id").onDelete("cascade"),
      )
      .addColumn("tenant_id", "text", (column) => column.notNull())
      .addColumn("ordinal", "integer", (column) => column.notNull())
      .addColumn("persona_id", "text", (column) => column.notNull())
      .addColumn("persona_name", "text", (column) => column.notNull())
      .addColumn("persona_version", "integer")
      .addColumn("cohort_id", "text", (column) => column.notNull())
      .addColumn("cohort_name", "text", (column) => column.notNull())
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("dispatch", "integer", (column) => column.notNull())
      .addColumn("job_id", "text")
      .addColumn("answer", "text")
      .addColumn("score", isPostgres(db) ? "double precision" : "real")
      .addColumn("raw_output", "text")
      .addColumn("error", "text")
      .addColumn("attempts", "integer", (column) => column.notNull())
      .addColumn("model", "text")
      .addColumn("input_tokens", "integer", (column) => column.notNull())
      .addColumn("output_tokens", "integer", (column) => column.notNull())
      .addColumn("cost_usd", isPostgres(db) ? "double precision" : "real", (column) => column.notNull())
      .addColumn("updated_at", "text", (column) => column.notNull())
      .addColumn("started_at", "text")
      .addColumn("finished_at", "text")
      .execute();
    await db.schema
      .createIndex("study_runs_ordinal_index")
      .on("study_runs")
      .columns(["study_id", "ordinal"])
      .unique()
      .execute();
    await db.schema
      .createIndex("study_runs_status_index")
      .on("study_runs")
      .columns(["study_id", "status", "ordinal"])
      .execute();
    await db.schema
      .createIndex("study_runs_finished_index")
      .on("study_runs")
      .columns(["study_id", "finished_at"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ["study_runs", "studies", "population_members", "populations", "cohorts", "skills"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
