import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomToken } from "../src/lib/ids.ts";
import { openDatabase, type DatabaseHandle } from "../src/store/database.ts";

/** A database backend the cross-backend suites run against. */
export interface Backend {
  name: "sqlite" | "postgres";
  open(): Promise<DatabaseHandle>;
}

const sqliteBackend: Backend = {
  name: "sqlite",
  async open() {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-test-"));
    const handle = await openDatabase({
      database: { kind: "sqlite", file: path.join(directory, "test.sqlite") },
    });
    return {
      ...handle,
      async close() {
        await handle.close();
        fs.rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};

/** Each open() gets its own PostgreSQL schema, dropped on close, so test files never see each other. */
function postgresBackend(url: string): Backend {
  return {
    name: "postgres",
    async open() {
      const schema = `test_${randomToken(12)}`;
      const handle = await openDatabase({
        database: { kind: "postgres", url },
        postgresSchema: schema,
        poolSize: 4,
      });
      return {
        ...handle,
        async close() {
          const { sql } = await import("kysely");
          await sql.raw(`drop schema if exists ${schema} cascade`).execute(handle.db);
          await handle.close();
        },
      };
    },
  };
}

const databaseUrl = process.env.DATABASE_URL;
const hasPostgres = databaseUrl !== undefined && /^postgres(ql)?:\/\//.test(databaseUrl);

if (!hasPostgres && !process.env.DRAMATIS_QUIET_SKIPS) {
  console.warn("PostgreSQL suites skipped: set DATABASE_URL=postgres://... to run them");
}

/** SQLite always; PostgreSQL too when DATABASE_URL names one. */
export const BACKENDS: Backend[] = hasPostgres
  ? [sqliteBackend, postgresBackend(databaseUrl)]
  : [sqliteBackend];

export { sqliteBackend };
