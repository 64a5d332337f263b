import type { Kysely } from "kysely";
import type { Database, TenantRow } from "./schema.ts";

export class TenantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(tenant: TenantRow): Promise<void> {
    await this.db.insertInto("tenants").values(tenant).execute();
  }

  async findById(id: string): Promise<TenantRow | undefined> {
    return this.db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async list(): Promise<TenantRow[]> {
    return this.db.selectFrom("tenants").selectAll().orderBy("id").execute();
  }
}
