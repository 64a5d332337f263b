import type { ExpressionBuilder, Kysely } from "kysely";
import { toPage, type Page, type PageRequest } from "./pagination.ts";
import type { Database, NewPersonaRow, PersonaRow, PersonaUpdate, PersonaVersionRow } from "./schema.ts";

/**
 * Who is looking, for private personas: `seesAll` for admins, members granted can_edit_all and API keys
 * (the tenant itself); otherwise a private persona is seen only by `userId`, its creator.
 */
export interface PersonaViewerFilter {
  userId: string | null;
  seesAll: boolean;
}

export interface PersonaListFilter extends PageRequest {
  kind?: PersonaRow["kind"] | undefined;
  viewer?: PersonaViewerFilter | undefined;
}

/** The SQL form of mayViewPersona (services/persona-editor.ts): shared, or private and the viewer's own. */
function visibleTo(viewer: PersonaViewerFilter) {
  return (where: ExpressionBuilder<Database, "personas">) => {
    if (viewer.seesAll) return where.lit(true);
    if (viewer.userId === null) return where("personas.visibility", "=", "tenant");
    return where.or([
      where("personas.visibility", "=", "tenant"),
      where("personas.created_by_user_id", "=", viewer.userId),
    ]);
  };
}

/**
 * Personas of a tenant plus the presets (tenant_id null) that every tenant can read. Methods that write
 * only ever match the tenant's own rows, so a preset or another tenant's persona is never changed here.
 */
export class PersonaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(persona: NewPersonaRow): Promise<void> {
    await this.db.insertInto("personas").values(persona).execute();
  }

  /** A persona the tenant may read: its own, or a preset. */
  async findVisible(
    tenantId: string,
    id: string,
    viewer?: PersonaViewerFilter,
  ): Promise<PersonaRow | undefined> {
    let query = this.db
      .selectFrom("personas")
      .selectAll()
      .where("id", "=", id)
      .where((where) => where.or([where("tenant_id", "=", tenantId), where("kind", "=", "preset")]));
    if (viewer) query = query.where(visibleTo(viewer));
    return query.executeTakeFirst();
  }

  async findByJoinCode(joinCode: string): Promise<PersonaRow | undefined> {
    return this.db.selectFrom("personas").selectAll().where("join_code", "=", joinCode).executeTakeFirst();
  }

  async list(tenantId: string, filter: PersonaListFilter): Promise<Page<PersonaRow>> {
    let query = this.db
      .selectFrom("personas")
      .selectAll()
      .where((where) => where.or([where("tenant_id", "=", tenantId), where("kind", "=", "preset")]));
    if (filter.kind) query = query.where("kind", "=", filter.kind);
    if (filter.viewer) query = query.where(visibleTo(filter.viewer));
    if (filter.after) query = query.where("id", ">", filter.after);
    const rows = await query
      .orderBy("id")
      .limit(filter.limit + 1)
      .execute();
    return toPage(rows, filter.limit);
  }

  /**
   * Updates the tenant's own persona. With `expected`, the update only applies while those columns still
   * hold the given values (optimistic concurrency: a concurrent publish or edit makes it a no-op);
   * returns whether a row changed.
   */
  async update(
    tenantId: string,
    id: string,
    changes: PersonaUpdate,
    expected: { latestVersion?: number; draft?: string } = {},
  ): Promise<boolean> {
    let query = this.db
      .updateTable("personas")
      .set(changes)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id);
    if (expected.latestVersion !== undefined)
      query = query.where("latest_version", "=", expected.latestVersion);
    if (expected.draft !== undefined) query = query.where("draft", "=", expected.draft);
    const result = await query.executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("personas")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Deletes several of the tenant's own personas (their memories and versions go with them). */
  async deleteMany(tenantId: string, ids: readonly string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += 500) {
      await this.db
        .deleteFrom("personas")
        .where("tenant_id", "=", tenantId)
        .where("id", "in", ids.slice(start, start + 500))
        .execute();
    }
  }

  /**
   * The tenant's own personas with the definition they answer with (production version, else draft), in
   * id order: what cohort filters match against.
   */
  async listServingDefinitions(
    tenantId: string,
    viewer?: PersonaViewerFilter,
  ): Promise<{ id: string; production_version: number | null; definition: string }[]> {
    let query = this.db
      .selectFrom("personas")
      .leftJoin("persona_versions", (join) =>
        join
          .onRef("persona_versions.persona_id", "=", "personas.id")
          .onRef("persona_versions.version", "=", "personas.production_version"),
      )
      .select((eb) => [
        "personas.id",
        "personas.production_version",
        eb.fn.coalesce("persona_versions.definition", "personas.draft").as("definition"),
      ])
      .where("personas.tenant_id", "=", tenantId)
      .where("personas.kind", "=", "persona");
    if (viewer) query = query.where(visibleTo(viewer));
    return query.orderBy("personas.id").execute();
  }

  async insertVersion(version: PersonaVersionRow): Promise<void> {
    await this.db.insertInto("persona_versions").values(version).execute();
  }

  async findVersion(personaId: string, version: number): Promise<PersonaVersionRow | undefined> {
    return this.db
      .selectFrom("persona_versions")
      .selectAll()
      .where("persona_id", "=", personaId)
      .where("version", "=", version)
      .executeTakeFirst();
  }

  async listVersions(personaId: string): Promise<PersonaVersionRow[]> {
    return this.db
      .selectFrom("persona_versions")
      .selectAll()
      .where("persona_id", "=", personaId)
      .orderBy("version")
      .execute();
  }

  /** Writes a preset as shipped: inserts it, or refreshes its draft and version 1 when it changed. */
  async upsertPreset(
    preset: NewPersonaRow & { id: string; draft: string },
    version: PersonaVersionRow,
  ): Promise<void> {
    await this.db
      .insertInto("personas")
      .values(preset)
      .onConflict((conflict) =>
        conflict.column("id").doUpdateSet({ draft: preset.draft, updated_at: preset.updated_at }),
      )
      .execute();
    await this.db
      .insertInto("persona_versions")
      .values(version)
      .onConflict((conflict) =>
        conflict.columns(["persona_id", "version"]).doUpdateSet({ definition: version.definition }),
      )
      .execute();
  }
}
