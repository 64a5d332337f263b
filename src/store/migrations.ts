import { isPostgres } from "./dialect.ts";
import {
  Migrator,
  sql,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
} from "kysely";

/*
 * One ordered list of migrations for both dialects. Types used here (text, integer, bigint) mean the same
 * on SQLite and PostgreSQL. Never edit a migration that has shipped: add a new one.
 */
const migrations: Record<string, Migration> = {
  "0001_foundation": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("tenants")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("is_operator", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();

      await db.schema
        .createTable("users")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("external_id", "text", (column) => column.notNull())
        .addColumn("active_user_persona_id", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .addUniqueConstraint("users_tenant_external_unique", ["tenant_id", "external_id"])
        .execute();

      await db.schema
        .createTable("api_keys")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("prefix", "text", (column) => column.notNull())
        .addColumn("secret_hash", "text", (column) => column.notNull().unique())
        .addColumn("scopes", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("last_used_at", "text")
        .addColumn("revoked_at", "text")
        .execute();
      await db.schema.createIndex("api_keys_tenant_index").on("api_keys").column("tenant_id").execute();

      await db.schema
        .createTable("personas")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) => column.references("tenants.id").onDelete("cascade"))
        .addColumn("kind", "text", (column) => column.notNull())
        .addColumn("join_code", "text", (column) => column.notNull().unique())
        .addColumn("created_by_user_id", "text", (column) =>
          column.references("users.id").onDelete("set null"),
        )
        .addColumn("draft", "text", (column) => column.notNull())
        .addColumn("production_version", "integer")
        .addColumn("latest_version", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("has_unpublished_changes", "integer", (column) => column.notNull().defaultTo(1))
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("personas_tenant_index")
        .on("personas")
        .columns(["tenant_id", "id"])
        .execute();

      await db.schema
        .createTable("persona_versions")
        .addColumn("persona_id", "text", (column) =>
          column.notNull().references("personas.id").onDelete("cascade"),
        )
        .addColumn("version", "integer", (column) => column.notNull())
        .addColumn("definition", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addPrimaryKeyConstraint("persona_versions_primary_key", ["persona_id", "version"])
        .execute();

      await db.schema
        .createTable("user_personas")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("description", "text", (column) => column.notNull())
        .addColumn("avatar_url", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("user_personas_user_index")
        .on("user_personas")
        .columns(["user_id", "id"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["user_personas", "persona_versions", "personas", "api_keys", "users", "tenants"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  "0002_conversations": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("conversations")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("persona_id", "text", (column) =>
          column.notNull().references("personas.id").onDelete("cascade"),
        )
        .addColumn("channel", "text", (column) => column.notNull())
        .addColumn("title", "text", (column) => column.notNull())
        .addColumn("message_count", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("conversations_user_index")
        .on("conversations")
        .columns(["user_id", "id"])
        .execute();

      await db.schema
        .createTable("messages")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("conversation_id", "text", (column) =>
          column.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("sequence", "integer", (column) => column.notNull())
        .addColumn("role", "text", (column) => column.notNull())
        .addColumn("content", "text", (column) => column.notNull())
        .addColumn("status", "text", (column) => column.notNull())
        .addColumn("user_persona", "text")
        .addColumn("persona_version", "integer")
        .addColumn("model", "text")
        .addColumn("token_count", "integer", (column) => column.notNull())
        .addColumn("reply_to", "text")
        .addColumn("error", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .addUniqueConstraint("messages_conversation_sequence_unique", ["conversation_id", "sequence"])
        .execute();

      await db.schema
        .createTable("message_prompts")
        .addColumn("message_id", "text", (column) =>
          column.primaryKey().references("messages.id").onDelete("cascade"),
        )
        .addColumn("model", "text", (column) => column.notNull())
        .addColumn("parameters", "text", (column) => column.notNull())
        .addColumn("sections", "text", (column) => column.notNull())
        .addColumn("messages", "text", (column) => column.notNull())
        .addColumn("warnings", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();

      // No foreign keys: usage outlives the conversations and personas it was spent on.
      await db.schema
        .createTable("usage_events")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text")
        .addColumn("persona_id", "text")
        .addColumn("conversation_id", "text")
        .addColumn("message_id", "text")
        .addColumn("kind", "text", (column) => column.notNull())
        .addColumn("model", "text", (column) => column.notNull())
        .addColumn("input_tokens", "integer", (column) => column.notNull())
        .addColumn("output_tokens", "integer", (column) => column.notNull())
        .addColumn("latency_ms", "integer", (column) => column.notNull())
        .addColumn("cost_usd", "real", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("usage_events_tenant_time_index")
        .on("usage_events")
        .columns(["tenant_id", "created_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["usage_events", "message_prompts", "messages", "conversations"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  "0003_active_persona": {
    async up(db: Kysely<unknown>) {
      // The persona an OpenAI-style call talks to when it names none (per user, as user personas are).
      await db.schema.alterTable("users").addColumn("active_persona_id", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("users").dropColumn("active_persona_id").execute();
    },
  },
  "0004_jobs": {
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
  },
  "0005_tenant_providers": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("tenant_providers")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("kind", "text", (column) => column.notNull())
        .addColumn("base_url", "text")
        // AES-256-GCM sealed (src/lib/secret-box.ts); the plain key is never stored or returned.
        .addColumn("api_key_sealed", "text")
        .addColumn("models", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .addUniqueConstraint("tenant_providers_name_unique", ["tenant_id", "name"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("tenant_providers").execute();
    },
  },
  "0006_memories": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("memories")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("persona_id", "text", (column) =>
          column.notNull().references("personas.id").onDelete("cascade"),
        )
        .addColumn("owner", "text", (column) => column.notNull())
        .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("cascade"))
        .addColumn("scope", "text")
        .addColumn("facts", "text", (column) => column.notNull())
        .addColumn("feelings", "text", (column) => column.notNull())
        .addColumn("emotion_tags", "text", (column) => column.notNull())
        .addColumn("interpretation", "text", (column) => column.notNull())
        .addColumn("type", "text", (column) => column.notNull())
        .addColumn("strength", "integer", (column) => column.notNull())
        .addColumn("event_time", "text")
        .addColumn("sequence", "integer")
        .addColumn("revises", "text")
        .addColumn("source", "text", (column) => column.notNull())
        .addColumn("metadata", "text", (column) => column.notNull())
        // What full-text search indexes: facts, feelings, interpretation and emotion tags together.
        .addColumn("search_text", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("memories_owner_index")
        .on("memories")
        .columns(["persona_id", "owner", "user_id", "id"])
        .execute();
      if (isPostgres(db)) {
        await sql`alter table memories add column search_vector tsvector
          generated always as (to_tsvector('english', search_text)) stored`.execute(db);
        await sql`create index memories_search_index on memories using gin (search_vector)`.execute(db);
      } else {
        // External-content FTS5 index kept in step by triggers; rowid joins it to the memories row.
        await sql`create virtual table memories_fts using fts5(search_text, content='memories', content_rowid='rowid', tokenize='porter unicode61')`.execute(
          db,
        );
        await sql`create trigger memories_fts_insert after insert on memories begin
          insert into memories_fts(rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
        await sql`create trigger memories_fts_delete after delete on memories begin
          insert into memories_fts(memories_fts, rowid, search_text) values ('delete', old.rowid, old.search_text); end`.execute(
          db,
        );
        await sql`create trigger memories_fts_update after update of search_text on memories begin
          insert into memories_fts(memories_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
          insert into memories_fts(rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
      }
    },
    async down(db: Kysely<unknown>) {
      if (!isPostgres(db)) await sql`drop table if exists memories_fts`.execute(db);
      await db.schema.dropTable("memories").execute();
    },
  },
  "0007_memory_embeddings": {
    async up(db: Kysely<unknown>) {
      // float32 vectors, scored in process: per-persona sets are small enough to scan.
      await db.schema
        .alterTable("memories")
        .addColumn("embedding", isPostgres(db) ? "bytea" : "blob")
        .execute();
      await db.schema.alterTable("memories").addColumn("embedding_model", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("memories").dropColumn("embedding").execute();
      await db.schema.alterTable("memories").dropColumn("embedding_model").execute();
    },
  },
  "0008_memory_salience_index": {
    async up(db: Kysely<unknown>) {
      // Retrieval reads a persona's strongest, most recently reinforced memories on every reply.
      await sql`create index memories_salience_index on memories (persona_id, strength desc, updated_at desc)`.execute(
        db,
      );
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("memories_salience_index").execute();
    },
  },
  "0009_accounts_sessions_avatars": {
    async up(db: Kysely<unknown>) {
      // People who sign in to the web app; each is one of the tenant's users (external id = email).
      await db.schema
        .createTable("accounts")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("email", "text", (column) => column.notNull().unique())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("role", "text", (column) => column.notNull())
        .addColumn("password_hash", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createTable("sessions")
        .addColumn("token_hash", "text", (column) => column.primaryKey())
        .addColumn("account_id", "text", (column) =>
          column.notNull().references("accounts.id").onDelete("cascade"),
        )
        .addColumn("csrf_token", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("expires_at", "text", (column) => column.notNull())
        .execute();
      await db.schema.createIndex("sessions_account_index").on("sessions").column("account_id").execute();
      await db.schema
        .createTable("persona_avatars")
        .addColumn("persona_id", "text", (column) =>
          column.primaryKey().references("personas.id").onDelete("cascade"),
        )
        .addColumn("image", isPostgres(db) ? "bytea" : "blob", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("persona_avatars").execute();
      await db.schema.dropTable("sessions").execute();
      await db.schema.dropTable("accounts").execute();
    },
  },
  "0010_research": {
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
      for (const table of [
        "study_runs",
        "studies",
        "population_members",
        "populations",
        "cohorts",
        "skills",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  "0011_memory_search_per_persona": {
    async up(db: Kysely<unknown>) {
      if (isPostgres(db)) return;
      // The index also holds each memory's persona, so a search reads one persona's postings instead of
      // every match in the database and filtering afterwards: what made a study over thousands of
      // generated personas slow down as the population grew.
      await sql`drop trigger if exists memories_fts_insert`.execute(db);
      await sql`drop trigger if exists memories_fts_delete`.execute(db);
      await sql`drop trigger if exists memories_fts_update`.execute(db);
      await sql`drop table if exists memories_fts`.execute(db);
      await sql`create virtual table memories_fts using fts5(persona_id, search_text, content='memories', content_rowid='rowid', tokenize='porter unicode61')`.execute(
        db,
      );
      await sql`create trigger memories_fts_insert after insert on memories begin
        insert into memories_fts(rowid, persona_id, search_text) values (new.rowid, new.persona_id, new.search_text); end`.execute(
        db,
      );
      await sql`create trigger memories_fts_delete after delete on memories begin
        insert into memories_fts(memories_fts, rowid, persona_id, search_text)
        values ('delete', old.rowid, old.persona_id, old.search_text); end`.execute(db);
      await sql`create trigger memories_fts_update after update of search_text on memories begin
        insert into memories_fts(memories_fts, rowid, persona_id, search_text)
        values ('delete', old.rowid, old.persona_id, old.search_text);
        insert into memories_fts(rowid, persona_id, search_text) values (new.rowid, new.persona_id, new.search_text); end`.execute(
        db,
      );
      await sql`insert into memories_fts(memories_fts) values ('rebuild')`.execute(db);
    },
    async down() {
      // The wider index answers every query the narrower one did; nothing to undo.
    },
  },
  "0012_scheduled_messages": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("scheduled_messages")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("persona_id", "text", (column) =>
          column.notNull().references("personas.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("conversation_id", "text", (column) =>
          column.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("kind", "text", (column) => column.notNull())
        .addColumn("slot_key", "text", (column) => column.notNull())
        .addColumn("due_at", "text", (column) => column.notNull())
        .addColumn("status", "text", (column) => column.notNull())
        .addColumn("content", "text")
        .addColumn("message_id", "text")
        .addColumn("error", "text")
        .addColumn("attempts", "integer", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .addColumn("sent_at", "text")
        // One row per slot, however many schedulers plan it at once.
        .addUniqueConstraint("scheduled_messages_slot_unique", ["persona_id", "user_id", "slot_key"])
        .execute();
      await db.schema
        .createIndex("scheduled_messages_due_index")
        .on("scheduled_messages")
        .columns(["status", "due_at"])
        .execute();
      await db.schema
        .createIndex("scheduled_messages_user_index")
        .on("scheduled_messages")
        .columns(["user_id", "due_at"])
        .execute();
      await db.schema.alterTable("users").addColumn("inbox_read_at", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("users").dropColumn("inbox_read_at").execute();
      await db.schema.dropTable("scheduled_messages").execute();
    },
  },
  "0013_sms": {
    async up(db: Kysely<unknown>) {
      // A Twilio number posts to one webhook, so it belongs to one persona across all tenants.
      await db.schema
        .createTable("sms_phone_numbers")
        .addColumn("phone_number", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("persona_id", "text", (column) =>
          column.notNull().references("personas.id").onDelete("cascade"),
        )
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("sms_phone_numbers_persona_index")
        .on("sms_phone_numbers")
        .columns(["persona_id", "created_at"])
        .execute();
      // Everyone who texts a tenant's personas, verified to a user or not, and whether they opted out.
      await db.schema
        .createTable("sms_contacts")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("phone_number", "text", (column) => column.notNull())
        .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
        .addColumn("verified_at", "text")
        .addColumn("pending_user_id", "text", (column) => column.references("users.id").onDelete("set null"))
        .addColumn("code_hash", "text")
        .addColumn("code_sent_at", "text")
        .addColumn("code_expires_at", "text")
        .addColumn("code_attempts", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("opted_out_at", "text")
        .addColumn("instructed_at", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .addUniqueConstraint("sms_contacts_tenant_number_unique", ["tenant_id", "phone_number"])
        .execute();
      await db.schema
        .createIndex("sms_contacts_user_index")
        .on("sms_contacts")
        .columns(["tenant_id", "user_id"])
        .execute();
      // One row per inbound MessageSid: the primary key is what absorbs Twilio's redeliveries.
      await db.schema
        .createTable("sms_receipts")
        .addColumn("message_sid", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("persona_id", "text", (column) =>
          column.notNull().references("personas.id").onDelete("cascade"),
        )
        .addColumn("from_number", "text", (column) => column.notNull())
        .addColumn("to_number", "text", (column) => column.notNull())
        .addColumn("body", "text", (column) => column.notNull())
        .addColumn("segments", "integer", (column) => column.notNull())
        .addColumn("outcome", "text", (column) => column.notNull())
        .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
        .addColumn("conversation_id", "text", (column) =>
          column.references("conversations.id").onDelete("set null"),
        )
        .addColumn("message_id", "text")
        .addColumn("reply_message_id", "text")
        .addColumn("reply_sid", "text")
        .addColumn("replied_at", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("sms_receipts_user_persona_index")
        .on("sms_receipts")
        .columns(["user_id", "persona_id", "created_at"])
        .execute();
      await db.schema
        .alterTable("usage_events")
        .addColumn("sms_segments", "integer", (column) => column.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("usage_events").dropColumn("sms_segments").execute();
      for (const table of ["sms_receipts", "sms_contacts", "sms_phone_numbers"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  "0014_web_push": {
    async up(db: Kysely<unknown>) {
      // Key pairs of the server as a whole (the VAPID keys); the name is what makes first start race-safe.
      await db.schema
        .createTable("server_keys")
        .addColumn("name", "text", (column) => column.primaryKey())
        .addColumn("public_key", "text", (column) => column.notNull())
        .addColumn("private_key", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();
      // One row per browser subscription: the endpoint is unique on the whole server.
      await db.schema
        .createTable("push_subscriptions")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("endpoint", "text", (column) => column.notNull().unique())
        .addColumn("p256dh", "text", (column) => column.notNull())
        .addColumn("auth", "text", (column) => column.notNull())
        .addColumn("expiration_time", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .addColumn("last_success_at", "text")
        .addColumn("last_failure_at", "text")
        .addColumn("last_failure_status", "integer")
        .addColumn("last_failure_detail", "text")
        .execute();
      await db.schema
        .createIndex("push_subscriptions_user_index")
        .on("push_subscriptions")
        .columns(["tenant_id", "user_id", "created_at"])
        .execute();
      // Open inbox event streams of every process, so "is the user connected" holds across processes.
      await db.schema
        .createTable("inbox_connections")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("expires_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("inbox_connections_user_index")
        .on("inbox_connections")
        .columns(["user_id", "expires_at"])
        .execute();
      await db.schema
        .createIndex("inbox_connections_expiry_index")
        .on("inbox_connections")
        .column("expires_at")
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["inbox_connections", "push_subscriptions", "server_keys"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  "0015_whatsapp": {
    async up(db: Kysely<unknown>) {
      // A phone number id posts to one webhook, so it belongs to one persona across all tenants.
      await db.schema
        .createTable("whatsapp_numbers")
        .addColumn("phone_number_id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("persona_id", "text", (column) =>
          column.notNull().references("personas.id").onDelete("cascade"),
        )
        .addColumn("display_phone_number", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("whatsapp_numbers_persona_index")
        .on("whatsapp_numbers")
        .columns(["persona_id", "created_at"])
        .execute();
      await db.schema
        .createTable("whatsapp_contacts")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("wa_id", "text", (column) => column.notNull())
        .addColumn("profile_name", "text")
        .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
        .addColumn("linked_at", "text")
        .addColumn("last_inbound_at", "text")
        .addColumn("instructed_at", "text")
        .addColumn("failed_link_attempts", "integer", (column) => column.notNull().defaultTo(0))
        .addColumn("failed_link_window_at", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .addUniqueConstraint("whatsapp_contacts_tenant_wa_id_unique", ["tenant_id", "wa_id"])
        .execute();
      await db.schema
        .createIndex("whatsapp_contacts_user_index")
        .on("whatsapp_contacts")
        .columns(["tenant_id", "user_id"])
        .execute();
      await db.schema
        .createTable("whatsapp_link_codes")
        .addColumn("code_hash", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("expires_at", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("whatsapp_link_codes_user_index")
        .on("whatsapp_link_codes")
        .columns(["user_id", "created_at"])
        .execute();
      // One row per inbound message id: the primary key is what absorbs Meta's redeliveries.
      await db.schema
        .createTable("whatsapp_receipts")
        .addColumn("message_id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("persona_id", "text", (column) =>
          column.notNull().references("personas.id").onDelete("cascade"),
        )
        .addColumn("phone_number_id", "text", (column) => column.notNull())
        .addColumn("wa_id", "text", (column) => column.notNull())
        .addColumn("body", "text", (column) => column.notNull())
        .addColumn("message_type", "text", (column) => column.notNull())
        .addColumn("outcome", "text", (column) => column.notNull())
        .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
        .addColumn("conversation_id", "text", (column) =>
          column.references("conversations.id").onDelete("set null"),
        )
        .addColumn("user_message_id", "text")
        .addColumn("reply_message_id", "text")
        .addColumn("reply_id", "text")
        .addColumn("replied_at", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("whatsapp_receipts_user_persona_index")
        .on("whatsapp_receipts")
        .columns(["user_id", "persona_id", "created_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        "whatsapp_receipts",
        "whatsapp_link_codes",
        "whatsapp_contacts",
        "whatsapp_numbers",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  "0016_inbox_sequence": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("users")
        .addColumn("inbox_sequence", "integer", (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable("scheduled_messages").addColumn("inbox_sequence", "integer").execute();
      // Messages sent before this migration are numbered in the order they were sent.
      await sql`
        update scheduled_messages set inbox_sequence = (
          select count(*) from scheduled_messages earlier
          where earlier.user_id = scheduled_messages.user_id and earlier.status = 'sent'
            and (earlier.sent_at < scheduled_messages.sent_at
              or (earlier.sent_at = scheduled_messages.sent_at and earlier.id <= scheduled_messages.id))
        )
        where status = 'sent'`.execute(db);
      await sql`
        update users set inbox_sequence = coalesce(
          (select max(inbox_sequence) from scheduled_messages where scheduled_messages.user_id = users.id), 0)`.execute(
        db,
      );
      await db.schema
        .createIndex("scheduled_messages_inbox_index")
        .on("scheduled_messages")
        .columns(["user_id", "inbox_sequence"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex("scheduled_messages_inbox_index").execute();
      await db.schema.alterTable("scheduled_messages").dropColumn("inbox_sequence").execute();
      await db.schema.alterTable("users").dropColumn("inbox_sequence").execute();
    },
  },
  /**
   * Ownership: a study records who started it (members cancel, resume and delete only their own), and
   * can_edit_all is the edit right an admin grants a member: changing every persona and study of the
   * tenant, not only their own (admins and API keys always may). Studies started before have no owner:
   * admins and keys manage them.
   */
  "0017_ownership": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("accounts")
        .addColumn("can_edit_all", "integer", (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable("studies").addColumn("created_by_user_id", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("studies").dropColumn("created_by_user_id").execute();
      await db.schema.alterTable("accounts").dropColumn("can_edit_all").execute();
    },
  },
  "0018_idempotency_keys": {
    async up(db: Kysely<unknown>) {
      // One row per Idempotency-Key in its scope (tenant, principal, acting user): the id is a hash of all
      // four, so the primary key alone makes "insert if absent" atomic across processes.
      await db.schema
        .createTable("idempotency_keys")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("tenant_id", "text", (column) =>
          column.notNull().references("tenants.id").onDelete("cascade"),
        )
        .addColumn("idempotency_key", "text", (column) => column.notNull())
        .addColumn("fingerprint", "text", (column) => column.notNull())
        .addColumn("method", "text", (column) => column.notNull())
        .addColumn("path", "text", (column) => column.notNull())
        .addColumn("status", "text", (column) => column.notNull())
        .addColumn("lease_token", "text")
        .addColumn("locked_until", "text")
        .addColumn("response_status", "integer")
        .addColumn("response_headers", "text")
        .addColumn("response_body", isPostgres(db) ? "bytea" : "blob")
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("completed_at", "text")
        .addColumn("expires_at", "text", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("idempotency_keys_expires_index")
        .on("idempotency_keys")
        .column("expires_at")
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("idempotency_keys").execute();
    },
  },
  "0019_rate_limits": {
    async up(db: Kysely<unknown>) {
      // Rate-limit counters when no Redis is configured: one row per key and window, shared by every
      // process on the database. expires_at is epoch milliseconds (bigint: arithmetic in SQL stays exact).
      await db.schema
        .createTable("rate_limits")
        .addColumn("key", "text", (column) => column.primaryKey())
        .addColumn("points", "integer", (column) => column.notNull())
        .addColumn("expires_at", "bigint", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("rate_limits_expiry_index")
        .on("rate_limits")
        .column("expires_at")
        .execute();
      // A key's own request rate; null: the server's default (DRAMATIS_RATE_LIMIT_PER_MINUTE).
      await db.schema.alterTable("api_keys").addColumn("rate_limit_per_minute", "integer").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("api_keys").dropColumn("rate_limit_per_minute").execute();
      await db.schema.dropTable("rate_limits").execute();
    },
  },
  "0020_job_crash_recovery": {
    // A job taken over after its worker died counts a crash, not an attempt (attempts are for errors).
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("jobs")
        .addColumn("crashes", "integer", (column) => column.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("jobs").dropColumn("crashes").execute();
    },
  },
  "0021_persona_visibility": {
    // A persona is shared with the tenant ("tenant", what every persona was) or seen only by its creator,
    // admins and members granted can_edit_all ("private"). A column, not a draft field, so lists filter in SQL.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("personas")
        .addColumn("visibility", "text", (column) => column.notNull().defaultTo("tenant"))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("personas").dropColumn("visibility").execute();
    },
  },
  "0022_token_buckets": {
    // Request rates as token buckets (GCRA): one row per key holding its theoretical arrival time in epoch
    // MICROseconds (a limit of 7 a minute is a token every 8,571,428 µs: milliseconds would round away
    // part of the rate). A row whose time has passed is a full bucket, so it may be swept.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("token_buckets")
        .addColumn("key", "text", (column) => column.primaryKey())
        .addColumn("tat", "bigint", (column) => column.notNull())
        .execute();
      await db.schema.createIndex("token_buckets_tat_index").on("token_buckets").column("tat").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("token_buckets").execute();
    },
  },
};

class InlineMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/** Applies every pending migration; safe to call from several processes at once (Kysely locks). */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  // Unless told the schema, Kysely looks for its migration tables in every schema of the server, so with
  // two schemas on one PostgreSQL server (test suites running side by side) the second would find the
  // first's tables, skip creating its own and fail. The current schema is `public` unless search_path says
  // otherwise: where the tables always were.
  const migrationTableSchema = isPostgres(db)
    ? (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
    : undefined;
  const migrator = new Migrator({
    db,
    provider: new InlineMigrationProvider(),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === "Error");
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ""} failed: ${String(error)}`, {
      cause: error,
    });
  }
}
