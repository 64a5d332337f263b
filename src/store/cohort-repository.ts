import type { Kysely, Updateable } from "kysely";
import { toPage, type Page, type PageRequest } from "./pagination.ts";
import type { CohortRow, CohortTable, Database } from "./schema.ts";

/** A tenant's cohorts: attribute filters over personas, or recipes that generate them. */
export class CohortRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: CohortRow): Promise<void> {
    await this.db.insertInto("cohorts").values(row).execute();
  }

  async find(tenantId: string, id: string): Promise<CohortRow | undefined> {
    return this.db
      .selectFrom("cohorts")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<CohortRow>> {
    let query = this.db.selectFrom("cohorts").selectAll().where("tenant_id", "=", tenantId);
    if (page.after) query = query.where("id", ">", page.after);
    return toPage(
      await query
        .orderBy("id")
        .limit(page.limit + 1)
        .execute(),
      page.limit,
    );
  }

  async update(tenantId: string, id: string, changes: Updateable<CohortTable>): Promise<void> {
    await this.db
      .updateTable("cohorts")
      .set(changes)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .execute();
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.deleteFrom("cohorts").where("tenant_id", "=", tenantId).where("id", "=", id).execute();
  }
}
