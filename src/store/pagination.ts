/** Keyset pagination by id (ids are time-ordered, so this is also creation order). */
export interface PageRequest {
  limit: number;
  /** return items whose id is greater than this one */
  after?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Callers fetch `limit + 1` rows; this trims the extra one and derives the next cursor from it. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
