import type { Kysely, Updateable } from "kysely";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { TenantRows } from "./tenant-rows.ts";
import type { Database, PopulationMemberRow, PopulationTable, PersonaRow } from "./schema.ts";
import { PERSONA_DEFINITION_DOCUMENT } from "./stored-documents/persona-definition-document.ts";
import { readVersionedDocument } from "./stored-documents/versioned-document.ts";
import { readPopulationRow, type StoredPopulation } from "./stored-documents/research-documents.ts";

/** A member with the persona's current draft, from which its attributes are read. */
export interface PopulationMemberWithPersona extends PopulationMemberRow {
  draft: PersonaDefinition;
  production_version: PersonaRow["production_version"];
}

/** Populations and their members (personas with the cohort they were drawn for). */
export class PopulationRepository extends TenantRows<"populations", StoredPopulation> {
  constructor(private readonly db: Kysely<Database>) {
    super(db, "populations", readPopulationRow);
  }

  /** Every population of the tenant (to find the ones that use a cohort). */
  async listAll(tenantId: string): Promise<StoredPopulation[]> {
    const rows = await this.db
      .selectFrom("populations")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .execute();
    return rows.map(readPopulationRow);
  }

  /** For the generation job, which acts on the id from its payload. */
  async updateById(id: string, changes: Updateable<PopulationTable>): Promise<void> {
    await this.db.updateTable("populations").set(changes).where("id", "=", id).execute();
  }

  async insertMembers(rows: readonly PopulationMemberRow[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto("population_members").values(rows).execute();
  }

  /** The ordinals already stored: a resumed generation creates only the others. */
  async listOrdinals(populationId: string): Promise<Set<number>> {
    const rows = await this.db
      .selectFrom("population_members")
      .select("ordinal")
      .where("population_id", "=", populationId)
      .execute();
    return new Set(rows.map((row) => row.ordinal));
  }

  /** Members in ordinal order, with their personas; `afterOrdinal` pages. */
  async listMembers(
    populationId: string,
    options: { cohortId?: string | undefined; afterOrdinal?: number | undefined; limit: number },
  ): Promise<PopulationMemberWithPersona[]> {
    let query = this.db
      .selectFrom("population_members")
      .innerJoin("personas", "personas.id", "population_members.persona_id")
      .selectAll("population_members")
      .select(["personas.draft", "personas.production_version"])
      .where("population_members.population_id", "=", populationId);
    if (options.cohortId) query = query.where("population_members.cohort_id", "=", options.cohortId);
    if (options.afterOrdinal !== undefined) {
      query = query.where("population_members.ordinal", ">", options.afterOrdinal);
    }
    const rows = await query.orderBy("population_members.ordinal").limit(options.limit).execute();
    return rows.map((row) => ({
      ...row,
      draft: readVersionedDocument(
        PERSONA_DEFINITION_DOCUMENT,
        row.draft,
        `personas.draft of ${row.persona_id}`,
      ),
    }));
  }

  /** Ids of the personas this population created, to delete them with it. */
  async generatedPersonaIds(populationId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("population_members")
      .select("persona_id")
      .where("population_id", "=", populationId)
      .where("generated", "=", 1)
      .execute();
    return rows.map((row) => row.persona_id);
  }
}
