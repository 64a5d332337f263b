import { PostgresAdapter, type Kysely } from "kysely";

/**
 * Whether a Kysely instance talks to PostgreSQL (else SQLite). Kysely exposes the dialect only through its
 * executor's adapter; the few places whose SQL differs per dialect (full-text search, job claiming,
 * migrations of search indexes) ask here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema will do
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
