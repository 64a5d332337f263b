import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { toPage, type Page, type PageRequest } from "./pagination.ts";
import type { Database } from "./schema.ts";

/** Tables of objects a tenant owns outright, keyed by `id`. */
export type TenantTableName = "skills" | "cohorts" | "populations" | "studies";

/** What every such table has; the generic queries below are written against this shape. */
type OwnedRow = { id: string; tenant_id: string };
type OwnedDatabase = Record<string, OwnedRow>;

/**
 * Insert, find, page, change and delete for a table of tenant-owned rows: the part the research
 * repositories share. Every read and write is scoped to the tenant, so another tenant's id finds nothing.
 */
export class TenantRows<T extends TenantTableName, Stored extends { id: string }> {
  private readonly owned: Kysely<OwnedDatabase>;
  private readonly table: string;

  /** `readRow` parses and validates the table's JSON columns (stored-documents/), so reads return them typed. */
  constructor(
    db: Kysely<Database>,
    table: T,
    private readonly readRow: (row: Selectable<Database[T]>) => Stored,
  ) {
    this.table = table;
    // Kysely cannot type queries over a table chosen by a type parameter; they are checked against the
    // columns every such table shares, and typed back at the edges.
    this.owned = db as unknown as Kysely<OwnedDatabase>;
  }

  async insert(row: Insertable<Database[T]>): Promise<void> {
    await this.owned
      .insertInto(this.table)
      .values(row as unknown as OwnedRow)
      .execute();
  }

  async find(tenantId: string, id: string): Promise<Stored | undefined> {
    const row = await this.owned
      .selectFrom(this.table)
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && this.readRow(row as Selectable<Database[T]>);
  }

  /** A page in id (creation) order. */
  async list(tenantId: string, page: PageRequest): Promise<Page<Stored>> {
    let query = this.owned.selectFrom(this.table).selectAll().where("tenant_id", "=", tenantId);
    if (page.after) query = query.where("id", ">", page.after);
    const rows = await query
      .orderBy("id")
      .limit(page.limit + 1)
      .execute();
    return toPage((rows as unknown as Selectable<Database[T]>[]).map(this.readRow), page.limit);
  }

  async update(tenantId: string, id: string, changes: Updateable<Database[T]>): Promise<void> {
    await this.owned
      .updateTable(this.table)
      .set(changes as Updateable<OwnedRow>)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .execute();
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.owned.deleteFrom(this.table).where("tenant_id", "=", tenantId).where("id", "=", id).execute();
  }
}
