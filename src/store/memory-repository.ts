import { sql, type Kysely, type Updateable } from "kysely";
import { isPostgres } from "./dialect.ts";
import type { Database, MemoryRow, MemoryTable } from "./schema.ts";
import { readMemoryRow, type StoredMemory } from "./stored-documents/memory-documents.ts";

/** Whose memories a query may see: the timeline always; relationship memory of one user only. */
export interface MemoryVisibility {
  /** null: timeline only (no end user named). */
  userId: string | null;
  /** With a user: only relationship memories of this scope (a user persona id); undefined: any scope. */
  scope?: string | null | undefined;
}

export interface MemoryFilter extends MemoryVisibility {
  owner?: MemoryTable["owner"] | undefined;
  types?: string[] | undefined;
  strengthMin?: number | undefined;
  strengthMax?: number | undefined;
  eventFrom?: string | undefined;
  eventTo?: string | undefined;
  /** Only what existed at this time (created at or before it). */
  asOf?: string | undefined;
  after?: string | undefined;
  limit: number;
}

export interface TextMatch {
  row: StoredMemory;
  /** Higher is better; BM25 on SQLite, summed inverse document frequency on PostgreSQL. */
  textScore: number;
}

/** Rows inserted per statement: keeps SQLite under its bound-parameter limit. */
const INSERT_CHUNK = 200;

/**
 * Words too common to tell memories apart. Left in, an any-word query ("what do I love") matches most
 * memories and every one of them must be scored; PostgreSQL's english configuration drops them itself.
 */
const STOP_WORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between " +
    "both but by can could did do does doing down during each few for from further had has have having he her " +
    "here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not " +
    "now of off on once only or other our ours ourselves out over own same she should so some such than that the " +
    "their theirs them themselves then there these they this those through to too under until up very was we " +
    "were what when where which while who whom why will with would you your yours yourself yourselves user users " +
    "s t don didn doesn isn wasn aren weren won ll re ve d m"
  ).split(" "),
);

/** Words a full-text query is built from: letters and digits only, so no query syntax gets through. */
export function searchWords(query: string): string[] {
  const words = [
    ...new Set((query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => word.length >= 2)),
  ];
  const telling = words.filter((word) => !STOP_WORDS.has(word));
  // A query of only common words ("who are you") still searches with them rather than with nothing.
  return (telling.length > 0 ? telling : words).slice(0, 32);
}

/**
 * Memories of personas. Every read takes a visibility, so another user's relationship memory can never
 * be returned by mistake; full-text search is the one place where SQL differs per dialect.
 */
export class MemoryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMany(rows: MemoryRow[]): Promise<void> {
    for (let index = 0; index < rows.length; index += INSERT_CHUNK) {
      await this.db
        .insertInto("memories")
        .values(rows.slice(index, index + INSERT_CHUNK))
        .execute();
    }
  }

  async find(personaId: string, id: string, visibility: MemoryVisibility): Promise<StoredMemory | undefined> {
    const row = await this.visible(personaId, visibility).where("id", "=", id).selectAll().executeTakeFirst();
    return row && withoutSearchVector(row);
  }

  async findMany(personaId: string, ids: string[], visibility: MemoryVisibility): Promise<StoredMemory[]> {
    if (ids.length === 0) return [];
    const rows = await this.visible(personaId, visibility).where("id", "in", ids).selectAll().execute();
    return rows.map(withoutSearchVector);
  }

  async list(personaId: string, filter: MemoryFilter): Promise<StoredMemory[]> {
    let query = this.visible(personaId, filter).selectAll();
    if (filter.owner) query = query.where("owner", "=", filter.owner);
    if (filter.types?.length) query = query.where("type", "in", filter.types);
    if (filter.strengthMin !== undefined) query = query.where("strength", ">=", filter.strengthMin);
    if (filter.strengthMax !== undefined) query = query.where("strength", "<=", filter.strengthMax);
    if (filter.eventFrom) query = query.where("event_time", ">=", filter.eventFrom);
    if (filter.eventTo) query = query.where("event_time", "<=", filter.eventTo);
    if (filter.asOf) query = query.where("created_at", "<=", filter.asOf);
    if (filter.after) query = query.where("id", ">", filter.after);
    return (await query.orderBy("id").limit(filter.limit).execute()).map(withoutSearchVector);
  }

  /** The strongest, most recently reinforced memories: candidates even when no word matches. */
  async listSalient(
    personaId: string,
    options: MemoryVisibility & { asOf?: string | undefined; limit: number },
  ): Promise<StoredMemory[]> {
    let query = this.visible(personaId, options).selectAll();
    if (options.asOf) query = query.where("created_at", "<=", options.asOf);
    const rows = await query
      .orderBy("strength", "desc")
      .orderBy("updated_at", "desc")
      .limit(options.limit)
      .execute();
    return rows.map(withoutSearchVector);
  }

  /** Full-text matches for the query's words (any of them), best first. */
  async searchText(
    personaId: string,
    options: MemoryVisibility & { query: string; asOf?: string | undefined; limit: number },
  ): Promise<TextMatch[]> {
    const words = searchWords(options.query);
    if (words.length === 0) return [];
    const visibility = this.visibilitySql(personaId, options);
    const asOf = options.asOf ? sql`and m.created_at <= ${options.asOf}` : sql``;
    if (isPostgres(this.db))
      return this.searchTextPostgres({ personaId, words, visibility, asOf, limit: options.limit });
    return this.searchTextSqlite({ personaId, words, visibility, asOf, limit: options.limit });
  }

  /**
   * FTS5 reads the persona's postings (the index holds each memory's persona) and ranks by bm25 over the
   * text column; without the persona in the index, every persona's matches would be scored and dropped.
   */
  private async searchTextSqlite(options: {
    personaId: string;
    words: string[];
    visibility: ReturnType<MemoryRepository["visibilitySql"]>;
    asOf: ReturnType<typeof sql>;
    limit: number;
  }): Promise<TextMatch[]> {
    const { personaId, words, visibility, asOf } = options;
    // Ids tokenise into a type prefix and a unique part; the unique part selects the persona's postings.
    const personaToken = personaId.slice(personaId.indexOf("_") + 1).replaceAll('"', "");
    const match = `persona_id : "${personaToken}" AND search_text : (${words.map((word) => `"${word}"`).join(" OR ")})`;
    const result = await sql<MemoryRow & { text_score: number }>`
      select m.*, -bm25(memories_fts, 0.0, 1.0) as text_score
      from memories_fts join memories m on m.rowid = memories_fts.rowid
      where memories_fts match ${match} and ${visibility} ${asOf}
      order by bm25(memories_fts, 0.0, 1.0) limit ${options.limit}`.execute(this.db);
    return result.rows.map(({ text_score, ...row }) => ({
      row: withoutSearchVector(row),
      textScore: Number(text_score),
    }));
  }

  /**
   * PostgreSQL ranks without inverse document frequency, so a rare, telling word counts no more than a
   * common one. Score like BM25 instead: each matched term adds its IDF over the persona's memories
   * (memories are short, so term frequency and length are left out).
   */
  private async searchTextPostgres(options: {
    personaId: string;
    words: string[];
    visibility: ReturnType<MemoryRepository["visibilitySql"]>;
    asOf: ReturnType<typeof sql>;
    limit: number;
  }): Promise<TextMatch[]> {
    const { words, visibility, asOf } = options;
    // Per-word counts through the GIN index (one bitmap scan each), not a pass over every memory.
    const frequencies = await sql<{ total: number } & Record<string, number>>`
      select (select count(*) from memories where persona_id = ${options.personaId}) as total, ${sql.join(
        words.map(
          (word, index) =>
            sql`(select count(*) from memories where persona_id = ${options.personaId} and search_vector @@ plainto_tsquery('english', ${word})) as ${sql.ref(`df_${index}`)}`,
        ),
      )}`.execute(this.db);
    const counts = frequencies.rows[0];
    const total = Number(counts?.total ?? 0);
    const idf = words.map((_, index) => {
      const frequency = Number(counts?.[`df_${index}`] ?? 0);
      return Math.log((total - frequency + 0.5) / (frequency + 0.5) + 1);
    });
    const score = sql.join(
      words.map(
        (word, index) =>
          sql`(case when m.search_vector @@ plainto_tsquery('english', ${word}) then ${idf[index]}::float8 else 0 end)`,
      ),
      sql` + `,
    );
    const query = words.join(" | ");
    const result = await sql<MemoryRow & { text_score: number }>`
      select m.*, ${score} as text_score
      from memories m
      where m.search_vector @@ to_tsquery('english', ${query}) and ${visibility} ${asOf}
      order by text_score desc, m.id limit ${options.limit}`.execute(this.db);
    return result.rows.map(({ text_score, ...row }) => ({
      row: withoutSearchVector(row),
      textScore: Number(text_score),
    }));
  }

  async update(id: string, changes: Updateable<MemoryTable>): Promise<void> {
    await this.db.updateTable("memories").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("memories").where("id", "=", id).execute();
  }

  /** Clears one user's relationship memory of a persona; the timeline stays. Returns how many went. */
  async deleteRelationship(personaId: string, userId: string, scope?: string | null): Promise<number> {
    let query = this.db
      .deleteFrom("memories")
      .where("persona_id", "=", personaId)
      .where("owner", "=", "relationship")
      .where("user_id", "=", userId);
    if (scope !== undefined)
      query = scope === null ? query.where("scope", "is", null) : query.where("scope", "=", scope);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Memories still without an embedding from this model, oldest first. */
  async listUnembedded(
    personaId: string,
    model: string,
    limit: number,
  ): Promise<{ id: string; search_text: string }[]> {
    return this.db
      .selectFrom("memories")
      .select(["id", "search_text"])
      .where("persona_id", "=", personaId)
      .where((where) =>
        where.or([where("embedding_model", "is", null), where("embedding_model", "!=", model)]),
      )
      .orderBy("id")
      .limit(limit)
      .execute();
  }

  async setEmbedding(id: string, model: string, vector: Float32Array): Promise<void> {
    const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
    await this.db
      .updateTable("memories")
      .set({ embedding: bytes, embedding_model: model })
      .where("id", "=", id)
      .execute();
  }

  /** Every embedded memory of a persona with what visibility needs: the input of the in-process vector scan. */
  async listEmbeddings(personaId: string, model: string) {
    return this.db
      .selectFrom("memories")
      .select(["id", "owner", "user_id", "scope", "created_at", "embedding"])
      .where("persona_id", "=", personaId)
      .where("embedding_model", "=", model)
      .execute();
  }

  /** Every memory of a persona, whoever it is about: what counts against its tier limit. */
  async countAll(personaId: string): Promise<number> {
    const row = await this.db
      .selectFrom("memories")
      .select(sql<number>`count(*)`.as("count"))
      .where("persona_id", "=", personaId)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** How many memories and characters a persona holds for a visibility (the memory usage bar). */
  async measure(
    personaId: string,
    visibility: MemoryVisibility,
  ): Promise<{ count: number; characters: number }> {
    const row = await this.visible(personaId, visibility)
      .select([
        sql<number>`count(*)`.as("count"),
        sql<number>`coalesce(sum(length(search_text)), 0)`.as("characters"),
      ])
      .executeTakeFirst();
    return { count: Number(row?.count ?? 0), characters: Number(row?.characters ?? 0) };
  }

  private visible(personaId: string, visibility: MemoryVisibility) {
    return this.db
      .selectFrom("memories as m")
      .where((where) => this.visibilityExpression(where, personaId, visibility));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's expression builder type is deep
  private visibilityExpression(where: any, personaId: string, visibility: MemoryVisibility) {
    const timeline = where("m.owner", "=", "timeline");
    if (visibility.userId === null) return where.and([where("m.persona_id", "=", personaId), timeline]);
    const relationship = [where("m.owner", "=", "relationship"), where("m.user_id", "=", visibility.userId)];
    if (visibility.scope !== undefined) {
      relationship.push(
        visibility.scope === null ? where("m.scope", "is", null) : where("m.scope", "=", visibility.scope),
      );
    }
    return where.and([where("m.persona_id", "=", personaId), where.or([timeline, where.and(relationship)])]);
  }

  private visibilitySql(personaId: string, visibility: MemoryVisibility) {
    if (visibility.userId === null) return sql`m.persona_id = ${personaId} and m.owner = 'timeline'`;
    const scope =
      visibility.scope === undefined
        ? sql``
        : visibility.scope === null
          ? sql`and m.scope is null`
          : sql`and m.scope = ${visibility.scope}`;
    return sql`m.persona_id = ${personaId} and (m.owner = 'timeline' or (m.owner = 'relationship' and m.user_id = ${visibility.userId} ${scope}))`;
  }
}

/** `m.*` brings the search index column (PostgreSQL) and the embedding bytes; neither belongs in a memory. */
function withoutSearchVector(
  row: MemoryRow & { search_vector?: unknown; embedding?: unknown; embedding_model?: unknown },
): StoredMemory {
  const { search_vector: _vector, embedding: _embedding, embedding_model: _model, ...rest } = row;
  return readMemoryRow(rest);
}
