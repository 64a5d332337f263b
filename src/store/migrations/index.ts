import { isPostgres } from "../dialect.ts";
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import { migration as m0001 } from "./0001_foundation.ts";
import { migration as m0002 } from "./0002_conversations.ts";
import { migration as m0003 } from "./0003_active_persona.ts";
import { migration as m0004 } from "./0004_jobs.ts";
import { migration as m0005 } from "./0005_tenant_providers.ts";
import { migration as m0006 } from "./0006_memories.ts";
import { migration as m0007 } from "./0007_memory_embeddings.ts";
import { migration as m0008 } from "./0008_memory_salience_index.ts";
import { migration as m0009 } from "./0009_accounts_sessions_avatars.ts";
import { migration as m0010 } from "./0010_research.ts";
import { migration as m0011 } from "./0011_memory_search_per_persona.ts";
import { migration as m0012 } from "./0012_scheduled_messages.ts";
import { migration as m0013 } from "./0013_sms.ts";
import { migration as m0014 } from "./0014_web_push.ts";
import { migration as m0015 } from "./0015_whatsapp.ts";
import { migration as m0016 } from "./0016_inbox_sequence.ts";
import { migration as m0017 } from "./0017_ownership.ts";
import { migration as m0018 } from "./0018_idempotency_keys.ts";
import { migration as m0019 } from "./0019_rate_limits.ts";
import { migration as m0020 } from "./0020_job_crash_recovery.ts";
import { migration as m0021 } from "./0021_persona_visibility.ts";
import { migration as m0022 } from "./0022_token_buckets.ts";
import { migration as m0023 } from "./0023_persona_search.ts";
import { migration as m0024 } from "./0024_message_alternatives.ts";
import { migration as m0025 } from "./0025_accounts_by_user.ts";
import { migration as m0026 } from "./0026_lorebooks.ts";
import { migration as m0027 } from "./0027_conversation_branches.ts";
import { migration as m0028 } from "./0028_model_setup.ts";
import { migration as m0029 } from "./0029_blobs_and_persona_assets.ts";
import { migration as m0030 } from "./0030_tenant_provider_capabilities.ts";
import { migration as m0031 } from "./0031_message_audio.ts";
import { migration as m0032 } from "./0032_calls.ts";
import { migration as m0033 } from "./0033_media.ts";
import { migration as m0034 } from "./0034_blobs_tenant_index.ts";
import { migration as m0035 } from "./0035_job_priority.ts";

/*
 * One ordered list of migrations for both dialects. Types used here (text, integer, bigint) mean the same
 * on SQLite and PostgreSQL. Never edit a migration that has shipped: add a new one.
 */
const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_conversations": m0002,
  "0003_active_persona": m0003,
  "0004_jobs": m0004,
  "0005_tenant_providers": m0005,
  "0006_memories": m0006,
  "0007_memory_embeddings": m0007,
  "0008_memory_salience_index": m0008,
  "0009_accounts_sessions_avatars": m0009,
  "0010_research": m0010,
  "0011_memory_search_per_persona": m0011,
  "0012_scheduled_messages": m0012,
  "0013_sms": m0013,
  "0014_web_push": m0014,
  "0015_whatsapp": m0015,
  "0016_inbox_sequence": m0016,
  "0017_ownership": m0017,
  "0018_idempotency_keys": m0018,
  "0019_rate_limits": m0019,
  "0020_job_crash_recovery": m0020,
  "0021_persona_visibility": m0021,
  "0022_token_buckets": m0022,
  "0023_persona_search": m0023,
  "0024_message_alternatives": m0024,
  "0025_accounts_by_user": m0025,
  "0026_lorebooks": m0026,
  "0027_conversation_branches": m0027,
  "0028_model_setup": m0028,
  "0029_blobs_and_persona_assets": m0029,
  "0030_tenant_provider_capabilities": m0030,
  "0031_message_audio": m0031,
  "0032_calls": m0032,
  "0033_media": m0033,
  "0034_blobs_tenant_index": m0034,
  "0035_job_priority": m0035,
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
