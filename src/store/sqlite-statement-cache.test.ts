import SqliteDatabase from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { cacheStatements } from "./sqlite-statement-cache.ts";

describe("cacheStatements", () => {
  it("reuses a statement for the same SQL and evicts the least recently used", () => {
    const database = new SqliteDatabase(":memory:");
    const cached = cacheStatements(database, 2);
    const first = cached.prepare("select 1 as one");
    expect(cached.prepare("select 1 as one")).toBe(first);
    cached.prepare("select 2 as two");
    cached.prepare("select 1 as one");
    cached.prepare("select 3 as three"); // evicts "select 2"
    expect(cached.prepare("select 1 as one")).toBe(first);
    expect(cached.prepare("select 1 as one").all([])).toEqual([{ one: 1 }]);
    cached.close();
  });

  it("prepares a fresh statement while the cached one is still being iterated", () => {
    const database = new SqliteDatabase(":memory:");
    const cached = cacheStatements(database);
    const sql = "select value from json_each('[1,2,3]')";
    const iterator = cached.prepare(sql).iterate([]);
    iterator.next();
    const second = cached.prepare(sql);
    expect(second.all([])).toHaveLength(3);
    expect([...iterator]).toHaveLength(2);
    cached.close();
  });
});
