import fs from "node:fs";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import type { Config } from "../config/config.ts";
import { migrateToLatest } from "./migrations/index.ts";
import { cacheStatements } from "./sqlite-statement-cache.ts";
import type { Database } from "./schema.ts";

export type DatabaseKind = Config["database"]["kind"];

/** An open, migrated database and how to close it. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseKind;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  database: Config["database"];
  /** PostgreSQL only: the schema to use (created when missing); tests isolate themselves with it. */
  postgresSchema?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

/**
 * The database holds every tenant's conversations and sealed secrets: it is created readable by its owner
 * only (0600). SQLite gives the -wal and -shm files the database file's mode, so creating the file first
 * covers them; files an earlier version created more openly are tightened.
 */
function restrictSqliteFiles(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, "a", 0o600));
  for (const candidate of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(candidate).mode & 0o077) !== 0) fs.chmodSync(candidate, 0o600);
    } catch (error) {
      // Missing (no -wal yet) is fine; a file we do not own keeps its mode (the owner's choice).
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "EPERM") throw error;
    }
  }
}

function openSqlite(file: string): Kysely<Database> {
  if (file !== ":memory:") restrictSqliteFiles(file);
  const connection = new SqliteDatabase(file);
  connection.pragma("journal_mode = WAL");
  connection.pragma("foreign_keys = ON");
  connection.pragma("synchronous = NORMAL");
  connection.pragma("busy_timeout = 5000");
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: cacheStatements(connection) }) });
}

async function openPostgres(
  url: string,
  schema: string | undefined,
  poolSize: number,
): Promise<Kysely<Database>> {
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name ${schema}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema if not exists ${schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Opens the configured database and applies pending migrations.
 *
 * @example const { db, close } = await openDatabase({ database: { kind: "sqlite", file: "./data/x.sqlite" } });
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const { database } = options;
  const db =
    database.kind === "postgres"
      ? await openPostgres(database.url, options.postgresSchema, options.poolSize ?? 10)
      : openSqlite(database.file);
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, kind: database.kind, close: () => db.destroy() };
}

/** Round-trips a trivial query; used by the health check. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
