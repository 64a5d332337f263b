/** True when a database error is a unique or primary-key violation, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/**
 * True when PostgreSQL refused text it cannot store: U+0000 in a text parameter (22021) or a `\u0000`
 * escape in JSON (22P05). SQLite stores both, so this is the one dialect difference callers see as bad
 * input rather than as a failure.
 */
export function isUnstorableText(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "22021" || code === "22P05";
}
