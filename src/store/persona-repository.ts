import { sql, type ExpressionBuilder, type Kysely } from "kysely";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { toPage, type Page, type PageRequest } from "./pagination.ts";
import type { Database, NewPersonaRow, PersonaRow, PersonaUpdate, PersonaVersionRow } from "./schema.ts";
import { PERSONA_DEFINITION_DOCUMENT } from "./stored-documents/persona-definition-document.ts";
import { readVersionedDocument, serializeVersionedDocument } from "./stored-documents/versioned-document.ts";

/**
 * A persona row with its draft read, upgraded and validated (stored-documents/). `draft_revision` is the
 * draft's stored text: `update` compares it to notice a concurrent edit.
 */
export type StoredPersona = Omit<PersonaRow, "draft" | "name"> & {
  draft: PersonaDefinition;
  draft_revision: string;
};
/** The `name` column is the repository's copy of the draft's name: callers never set it. */
export type NewStoredPersona = Omit<NewPersonaRow, "draft" | "name"> & { draft: PersonaDefinition };
export type StoredPersonaUpdate = Omit<PersonaUpdate, "draft"> & { draft?: PersonaDefinition };
export type StoredPersonaVersion = Omit<PersonaVersionRow, "definition"> & { definition: PersonaDefinition };

function readDefinition(text: string, column: string): PersonaDefinition {
  return readVersionedDocument(PERSONA_DEFINITION_DOCUMENT, text, column);
}

function toStoredPersona({ name: _name, ...row }: PersonaRow): StoredPersona {
  return {
    ...row,
    draft: readDefinition(row.draft, `personas.draft of ${row.id}`),
    draft_revision: row.draft,
  };
}

function toStoredVersion(row: PersonaVersionRow): StoredPersonaVersion {
  const column = `persona_versions.definition of ${row.persona_id} version ${row.version}`;
  return { ...row, definition: readDefinition(row.definition, column) };
}

/** Serializes a definition at the current schema version; a 422 when it exceeds the stored-JSON bounds. */
function serializeDefinition(definition: PersonaDefinition): string {
  return serializeVersionedDocument(PERSONA_DEFINITION_DOCUMENT, definition);
}

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
  /** part of the name, any case */
  q?: string | undefined;
  /**
   * Personas a research population generated are left out of lists unless asked for: a study of 2,000
   * would otherwise bury the library, the chat picker and /v1/models.
   */
  includeGenerated?: boolean | undefined;
  /** only the members of this population (generated or chosen) */
  populationId?: string | undefined;
}

/** A LIKE pattern matching `text` anywhere, with `!` escaping the pattern's own wildcards. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (character) => `!${character}`)}%`;
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

  async insert(persona: NewStoredPersona): Promise<void> {
    await this.db
      .insertInto("personas")
      .values({ ...persona, name: persona.draft.name, draft: serializeDefinition(persona.draft) })
      .execute();
  }

  /** A persona the tenant may read: its own, or a preset. */
  /** The names of these personas that the tenant still has (one query: a gallery page's labels). */
  async namesOf(tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("personas")
      .select(["id", "name"])
      .where("tenant_id", "=", tenantId)
      .where("id", "in", [...ids])
      .execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  async findVisible(
    tenantId: string,
    id: string,
    viewer?: PersonaViewerFilter,
  ): Promise<StoredPersona | undefined> {
    let query = this.db
      .selectFrom("personas")
      .selectAll()
      .where("id", "=", id)
      .where((where) => where.or([where("tenant_id", "=", tenantId), where("kind", "=", "preset")]));
    if (viewer) query = query.where(visibleTo(viewer));
    const row = await query.executeTakeFirst();
    return row && toStoredPersona(row);
  }

  async findByJoinCode(joinCode: string): Promise<StoredPersona | undefined> {
    const row = await this.db
      .selectFrom("personas")
      .selectAll()
      .where("join_code", "=", joinCode)
      .executeTakeFirst();
    return row && toStoredPersona(row);
  }

  async list(tenantId: string, filter: PersonaListFilter): Promise<Page<StoredPersona>> {
    let query = this.db
      .selectFrom("personas")
      .selectAll()
      .where((where) => where.or([where("tenant_id", "=", tenantId), where("kind", "=", "preset")]));
    if (filter.kind) query = query.where("kind", "=", filter.kind);
    if (filter.viewer) query = query.where(visibleTo(filter.viewer));
    if (filter.q) {
      const pattern = containsPattern(filter.q);
      query = query.where(sql<boolean>`lower(personas.name) like ${pattern} escape '!'`);
    }
    if (filter.populationId) {
      const populationId = filter.populationId;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom("population_members")
            .select("population_members.persona_id")
            .whereRef("population_members.persona_id", "=", "personas.id")
            .where("population_members.population_id", "=", populationId),
        ),
      );
    } else if (!filter.includeGenerated) {
      query = query.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("population_members")
              .select("population_members.persona_id")
              .whereRef("population_members.persona_id", "=", "personas.id")
              .where("population_members.generated", "=", 1),
          ),
        ),
      );
    }
    if (filter.after) query = query.where("id", ">", filter.after);
    const rows = await query
      .orderBy("id")
      .limit(filter.limit + 1)
      .execute();
    return toPage(rows.map(toStoredPersona), filter.limit);
  }

  /**
   * Updates the tenant's own persona. With `expected`, the update only applies while those columns still
   * hold the given values (optimistic concurrency: a concurrent publish or edit makes it a no-op);
   * returns whether a row changed. `draftRevision` is the `draft_revision` the change was computed from.
   */
  async update(
    tenantId: string,
    id: string,
    changes: StoredPersonaUpdate,
    expected: { latestVersion?: number; draftRevision?: string } = {},
  ): Promise<boolean> {
    const { draft, ...columns } = changes;
    let query = this.db
      .updateTable("personas")
      .set(
        draft === undefined ? columns : { ...columns, name: draft.name, draft: serializeDefinition(draft) },
      )
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id);
    if (expected.latestVersion !== undefined)
      query = query.where("latest_version", "=", expected.latestVersion);
    if (expected.draftRevision !== undefined) query = query.where("draft", "=", expected.draftRevision);
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
  ): Promise<{ id: string; production_version: number | null; definition: PersonaDefinition }[]> {
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
    const rows = await query.orderBy("personas.id").execute();
    return rows.map((row) => ({
      ...row,
      definition: readDefinition(row.definition, `the serving definition of ${row.id}`),
    }));
  }

  async insertVersion(version: StoredPersonaVersion): Promise<void> {
    await this.db
      .insertInto("persona_versions")
      .values({ ...version, definition: serializeDefinition(version.definition) })
      .execute();
  }

  async findVersion(personaId: string, version: number): Promise<StoredPersonaVersion | undefined> {
    const row = await this.db
      .selectFrom("persona_versions")
      .selectAll()
      .where("persona_id", "=", personaId)
      .where("version", "=", version)
      .executeTakeFirst();
    return row && toStoredVersion(row);
  }

  async listVersions(personaId: string): Promise<StoredPersonaVersion[]> {
    const rows = await this.db
      .selectFrom("persona_versions")
      .selectAll()
      .where("persona_id", "=", personaId)
      .orderBy("version")
      .execute();
    return rows.map(toStoredVersion);
  }

  /** Writes a preset as shipped: inserts it, or refreshes its draft and version 1 when it changed. */
  async upsertPreset(
    preset: NewStoredPersona & { id: string },
    version: StoredPersonaVersion,
  ): Promise<void> {
    const draft = serializeDefinition(preset.draft);
    const name = preset.draft.name;
    await this.db
      .insertInto("personas")
      .values({ ...preset, name, draft })
      .onConflict((conflict) =>
        conflict.column("id").doUpdateSet({ draft, name, updated_at: preset.updated_at }),
      )
      .execute();
    const definition = serializeDefinition(version.definition);
    await this.db
      .insertInto("persona_versions")
      .values({ ...version, definition })
      .onConflict((conflict) => conflict.columns(["persona_id", "version"]).doUpdateSet({ definition }))
      .execute();
  }
}
