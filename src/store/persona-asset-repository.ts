import type { Kysely } from "kysely";
import type { Database, PersonaAssetTable } from "./schema.ts";

export type PersonaAssetRow = PersonaAssetTable;

/** A persona asset with its blob's type and size (null for a remote asset). */
export interface PersonaAssetListing extends PersonaAssetRow {
  content_type: string | null;
  size: number | null;
  sha256: string | null;
}

/** A character card's assets per persona; the bytes are blobs (blob-store.ts). */
export class PersonaAssetRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMany(rows: readonly PersonaAssetRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto("persona_assets")
      .values([...rows])
      .execute();
  }

  /** The persona's assets in card order. */
  async list(tenantId: string, personaId: string): Promise<PersonaAssetListing[]> {
    const rows = await this.db
      .selectFrom("persona_assets")
      .leftJoin("blobs", "blobs.id", "persona_assets.blob_id")
      .selectAll("persona_assets")
      .select(["blobs.content_type", "blobs.size", "blobs.sha256"])
      .where("persona_assets.tenant_id", "=", tenantId)
      .where("persona_assets.persona_id", "=", personaId)
      .orderBy("persona_assets.position")
      .orderBy("persona_assets.id")
      .execute();
    // PostgreSQL's bigint arrives as text.
    return rows.map((row) => ({ ...row, size: row.size === null ? null : Number(row.size) }));
  }

  async find(tenantId: string, personaId: string, id: string): Promise<PersonaAssetRow | undefined> {
    return this.db
      .selectFrom("persona_assets")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("persona_id", "=", personaId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** Deletes the asset; whether there was one. */
  async delete(tenantId: string, personaId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("persona_assets")
      .where("tenant_id", "=", tenantId)
      .where("persona_id", "=", personaId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Deletes every asset of the persona; the blobs they held, for the caller to delete. */
  async deleteAll(tenantId: string, personaId: string): Promise<string[]> {
    const rows = await this.db
      .deleteFrom("persona_assets")
      .where("tenant_id", "=", tenantId)
      .where("persona_id", "=", personaId)
      .returning("blob_id")
      .execute();
    return rows.flatMap((row) => (row.blob_id === null ? [] : [row.blob_id]));
  }
}
