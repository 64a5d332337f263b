import type { Kysely, Updateable } from "kysely";
import { toPage, type Page, type PageRequest } from "./pagination.ts";
import type { Database, UserPersonaRow, UserPersonaTable } from "./schema.ts";

/** User personas always belong to one user; every query is scoped by that user's id. */
export class UserPersonaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(userPersona: UserPersonaRow): Promise<void> {
    await this.db.insertInto("user_personas").values(userPersona).execute();
  }

  async find(userId: string, id: string): Promise<UserPersonaRow | undefined> {
    return this.db
      .selectFrom("user_personas")
      .selectAll()
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  async list(userId: string, page: PageRequest): Promise<Page<UserPersonaRow>> {
    let query = this.db.selectFrom("user_personas").selectAll().where("user_id", "=", userId);
    if (page.after) query = query.where("id", ">", page.after);
    const rows = await query
      .orderBy("id")
      .limit(page.limit + 1)
      .execute();
    return toPage(rows, page.limit);
  }

  async update(userId: string, id: string, changes: Updateable<UserPersonaTable>): Promise<boolean> {
    const result = await this.db
      .updateTable("user_personas")
      .set(changes)
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("user_personas")
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
