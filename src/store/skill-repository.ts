import type { Kysely, Updateable } from "kysely";
import { toPage, type Page, type PageRequest } from "./pagination.ts";
import type { Database, SkillRow, SkillTable } from "./schema.ts";

/** A tenant's skills: the questions studies ask. */
export class SkillRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: SkillRow): Promise<void> {
    await this.db.insertInto("skills").values(row).execute();
  }

  async find(tenantId: string, id: string): Promise<SkillRow | undefined> {
    return this.db
      .selectFrom("skills")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<SkillRow>> {
    let query = this.db.selectFrom("skills").selectAll().where("tenant_id", "=", tenantId);
    if (page.after) query = query.where("id", ">", page.after);
    return toPage(
      await query
        .orderBy("id")
        .limit(page.limit + 1)
        .execute(),
      page.limit,
    );
  }

  async update(tenantId: string, id: string, changes: Updateable<SkillTable>): Promise<void> {
    await this.db
      .updateTable("skills")
      .set(changes)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .execute();
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.deleteFrom("skills").where("tenant_id", "=", tenantId).where("id", "=", id).execute();
  }
}
