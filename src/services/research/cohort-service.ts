import { viewerFilter, viewerOf, type PersonaViewer } from "../persona-editor.ts";
import { z } from "zod";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import {
  cohortFilterSchema,
  cohortGeneratorSchema,
  drawCohortSeeds,
  matchesCohortFilter,
  type CohortFilter,
  type CohortGenerator,
  type CohortMemberSeed,
} from "../../research/cohort-spec.ts";
import type { Page, PageRequest } from "../../store/pagination.ts";
import type { CohortRow } from "../../store/schema.ts";
import type { StoredCohort } from "../../store/stored-documents/research-documents.ts";
import type { Store } from "../../store/store.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../errors/app-error.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";

const cohortFields = {
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  description: z.string().max(4000, "must be at most 4000 characters"),
  filter: cohortFilterSchema.nullable(),
  generator: cohortGeneratorSchema.nullable(),
};

export const cohortInputSchema = z.strictObject({
  ...cohortFields,
  description: cohortFields.description.default(""),
  filter: cohortFields.filter.optional(),
  generator: cohortFields.generator.optional(),
});

export const cohortPatchSchema = z.strictObject(cohortFields).partial();

export type CohortInput = z.infer<typeof cohortInputSchema>;
export type CohortPatch = z.infer<typeof cohortPatchSchema>;

export interface Cohort {
  id: string;
  name: string;
  description: string;
  kind: "filter" | "generator";
  filter: CohortFilter | null;
  generator: CohortGenerator | null;
  created_at: string;
  updated_at: string;
}

/** A persona's attributes as cohorts see them. */
export interface PersonaAttributes {
  name: string;
  age: number | null;
  sex: string | null;
  location: string | null;
  occupation: string | null;
  tags: string[];
}

export function personaAttributes(definition: PersonaDefinition): PersonaAttributes {
  return {
    name: definition.name,
    age: definition.identity.age,
    sex: definition.identity.sex,
    location: definition.identity.location,
    occupation: definition.identity.occupation,
    tags: definition.tags,
  };
}

/** A persona that matches a filter cohort, as listed and drawn into populations. */
export interface MatchingPersona extends PersonaAttributes {
  id: string;
  production_version: number | null;
}

export function toCohort(row: StoredCohort): Cohort {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.generator === null ? "filter" : "generator",
    filter: row.filter,
    generator: row.generator,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function checkExactlyOne(cohort: { filter?: unknown; generator?: unknown }): void {
  const hasFilter = cohort.filter !== undefined && cohort.filter !== null;
  const hasGenerator = cohort.generator !== undefined && cohort.generator !== null;
  if (hasFilter === hasGenerator) {
    throw new ValidationError([
      {
        field: hasFilter ? "generator" : "filter",
        message: hasFilter
          ? "give either filter or generator, not both"
          : "give a filter (over existing personas) or a generator (to create personas)",
      },
    ]);
  }
}

/** Cohorts: a named filter over a tenant's personas, or a generator spec for new ones. */
export class CohortService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(tenantId: string, input: CohortInput): Promise<Cohort> {
    checkExactlyOne(input);
    const now = this.clock.now().toISOString();
    const row: CohortRow = {
      id: newId("coh"),
      tenant_id: tenantId,
      name: input.name,
      description: input.description,
      filter: input.filter ? JSON.stringify(input.filter) : null,
      generator: input.generator ? JSON.stringify(input.generator) : null,
      created_at: now,
      updated_at: now,
    };
    await this.store.cohorts.insert(row);
    return toCohort({ ...row, filter: input.filter ?? null, generator: input.generator ?? null });
  }

  async get(tenantId: string, id: string): Promise<Cohort> {
    const row = await this.store.cohorts.find(tenantId, id);
    if (!row) throw new NotFoundError(`cohort ${id}`);
    return toCohort(row);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Cohort>> {
    const rows = await this.store.cohorts.list(tenantId, page);
    return { items: rows.items.map(toCohort), nextCursor: rows.nextCursor };
  }

  async update(tenantId: string, id: string, patch: CohortPatch): Promise<Cohort> {
    const current = await this.get(tenantId, id);
    const changesRule = patch.filter !== undefined || patch.generator !== undefined;
    if (changesRule) await this.ensureUnused(tenantId, id, "changed");
    const next = {
      ...current,
      ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
      updated_at: this.clock.now().toISOString(),
    };
    // Switching kind: giving one of them clears the other.
    if (patch.filter) next.generator = null;
    if (patch.generator) next.filter = null;
    checkExactlyOne(next);
    await this.store.cohorts.update(tenantId, id, {
      name: next.name,
      description: next.description,
      filter: next.filter ? JSON.stringify(next.filter) : null,
      generator: next.generator ? JSON.stringify(next.generator) : null,
      updated_at: next.updated_at,
    });
    return { ...next, kind: next.generator ? "generator" : "filter" };
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await this.ensureUnused(tenantId, id, "deleted");
    await this.store.cohorts.delete(tenantId, id);
  }

  /**
   * The tenant's personas a filter matches, in id order. Studies draw only personas the caller sees: a
   * signed-in member's populations never include another member's private persona.
   */
  async matching(viewer: PersonaViewer, filter: CohortFilter): Promise<MatchingPersona[]> {
    const who = viewerOf(viewer);
    const rows = await this.store.personas.listServingDefinitions(who.tenantId, viewerFilter(who));
    const matches: MatchingPersona[] = [];
    for (const row of rows) {
      const attributes = personaAttributes(row.definition);
      if (matchesCohortFilter(filter, attributes)) {
        matches.push({ id: row.id, production_version: row.production_version, ...attributes });
      }
    }
    return matches;
  }

  /** How many personas a filter cohort matches and a few of them; a few example seeds for a generator. */
  async preview(
    viewer: PersonaViewer,
    id: string,
  ): Promise<{ matching: number | null; sample: (MatchingPersona | CohortMemberSeed)[] }> {
    const cohort = await this.get(viewerOf(viewer).tenantId, id);
    if (cohort.generator) {
      return { matching: null, sample: drawCohortSeeds(cohort.generator, { count: 5, seed: cohort.id }) };
    }
    const matches = await this.matching(viewer, cohort.filter as CohortFilter);
    return { matching: matches.length, sample: matches.slice(0, 5) };
  }

  private async ensureUnused(tenantId: string, id: string, action: string): Promise<void> {
    const populations = await this.store.populations.listAll(tenantId);
    const user = populations.find((population) =>
      population.composition.some((part) => part.cohort_id === id),
    );
    if (user) {
      throw new ConflictError(
        `cohort ${id} is used by population ${user.id} (${user.name}); its rule cannot be ${action} — delete the population first`,
      );
    }
  }
}
