import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/**
 * Hands Kysely a better-sqlite3 database whose prepared statements are reused. Kysely prepares every
 * query afresh, and preparing costs about as much as running a small indexed query; the SQL text of our
 * queries repeats (values are bound parameters), so a small LRU of statements removes that cost.
 * A statement still being iterated is never handed out twice: a fresh one is prepared instead.
 */
export function cacheStatements(database: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Re-inserting keeps the map in least-recently-used order for eviction.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached as unknown as SqliteStatement;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        statements.set(sql, statement);
        if (statements.size > capacity) statements.delete(statements.keys().next().value as string);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}
