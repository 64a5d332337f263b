import type { Kysely } from "kysely";
import type { Database, ModelDownloadTable } from "./schema.ts";

/** A model download as the services see it: byte counts as numbers whatever the dialect returns. */
export interface ModelDownloadRecord {
  id: string;
  catalog_id: string;
  tenant_id: string;
  status: ModelDownloadTable["status"];
  received_bytes: number;
  total_bytes: number | null;
  error: string | null;
  job_id: string | null;
  created_at: string;
  updated_at: string;
}

function toRecord(row: ModelDownloadTable): ModelDownloadRecord {
  return {
    ...row,
    received_bytes: Number(row.received_bytes),
    total_bytes: row.total_bytes === null ? null : Number(row.total_bytes),
  };
}

/** Tenants' default models and the server's curated model downloads. */
export class ModelSetupRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findDefaultModel(tenantId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom("tenant_model_settings")
      .select("default_model")
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    return row?.default_model ?? null;
  }

  async saveDefaultModel(tenantId: string, model: string | null, now: string): Promise<void> {
    await this.db
      .insertInto("tenant_model_settings")
      .values({ tenant_id: tenantId, default_model: model, updated_at: now })
      .onConflict((conflict) =>
        conflict.column("tenant_id").doUpdateSet({ default_model: model, updated_at: now }),
      )
      .execute();
  }

  async insertDownload(download: ModelDownloadRecord): Promise<void> {
    await this.db.insertInto("model_downloads").values(download).execute();
  }

  async findDownload(id: string): Promise<ModelDownloadRecord | undefined> {
    const row = await this.db
      .selectFrom("model_downloads")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async findDownloadByCatalogId(catalogId: string): Promise<ModelDownloadRecord | undefined> {
    const row = await this.db
      .selectFrom("model_downloads")
      .selectAll()
      .where("catalog_id", "=", catalogId)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async listDownloads(): Promise<ModelDownloadRecord[]> {
    const rows = await this.db.selectFrom("model_downloads").selectAll().orderBy("created_at").execute();
    return rows.map(toRecord);
  }

  async updateDownload(
    id: string,
    changes: Partial<Omit<ModelDownloadRecord, "id" | "catalog_id" | "created_at">>,
  ): Promise<void> {
    await this.db.updateTable("model_downloads").set(changes).where("id", "=", id).execute();
  }
}
