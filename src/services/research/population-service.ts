import type { PersonaViewer } from "../persona-editor.ts";
import { z } from "zod";
import type { Clock } from "../../lib/clock.ts";
import { newId, randomToken } from "../../lib/ids.ts";
import { yieldToEventLoop } from "../../lib/yield-to-event-loop.ts";
import {
  RetryableJobError,
  describeJobError,
  type Job,
  type JobContext,
  type JobQueue,
} from "../../jobs/job-queue.ts";
import { allocateBySize, drawCohortSeeds, sampleWithoutReplacement } from "../../research/cohort-spec.ts";
import type { PopulationMemberRow, PopulationRow } from "../../store/schema.ts";
import type {
  StoredPopulation,
  StoredPopulationPart,
} from "../../store/stored-documents/research-documents.ts";
import type { Page, PageRequest } from "../../store/pagination.ts";
import type { Store } from "../../store/store.ts";
import { ConflictError, NotFoundError, ValidationError, type FieldError } from "../../errors/app-error.ts";
import type { MemoryService } from "../memory-service.ts";
import { composePersonaFromSeed, type PersonaGenerationService } from "../persona-generation.ts";
import type { PersonaService } from "../persona-service.ts";
import { personaAttributes, type CohortService, type PersonaAttributes } from "./cohort-service.ts";
import { readJobPayload } from "../../jobs/job-payload.ts";

export const POPULATION_GENERATION_JOB = "population-generation";
const populationGenerationPayloadSchema = z.object({
  population_id: z.string(),
  user_id: z.string().nullable(),
});

/** Personas generated per transaction: progress is saved this often, and a restart resumes from there. */
const GENERATION_BATCH = 25;

export const populationInputSchema = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  size: z.number().int("must be a whole number").min(1, "must be 1-100000").max(100_000, "must be 1-100000"),
  seed: z.union([z.string().min(1).max(200), z.number()]).optional(),
  reference_date: z.iso.datetime({ offset: true, message: "must be an ISO 8601 time" }).optional(),
  cohorts: z
    .array(
      z.strictObject({
        cohort_id: z.string().min(1).max(200),
        proportion: z.number().positive("must be greater than 0").max(1_000_000),
      }),
    )
    .min(1, "name at least one cohort")
    .max(20, "at most 20 cohorts"),
});

export type PopulationInput = z.infer<typeof populationInputSchema>;

/** One cohort's part of a population, fixed when it is created. */
export interface PopulationPart {
  cohort_id: string;
  cohort_name: string;
  kind: "filter" | "generator";
  /** normalised: the parts' proportions sum to 1 */
  proportion: number;
  size: number;
}

type CohortSeed = ReturnType<typeof drawCohortSeeds>[number];

export interface Population {
  id: string;
  name: string;
  size: number;
  seed: string;
  reference_date: string;
  cohorts: PopulationPart[];
  status: PopulationRow["status"];
  generated: number;
  job_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface PopulationMember extends Omit<PersonaAttributes, "tags"> {
  persona_id: string;
  cohort_id: string;
  cohort_name: string;
  ordinal: number;
}

export function toPopulation(row: StoredPopulation): Population {
  const parts = row.composition;
  return {
    id: row.id,
    name: row.name,
    size: row.size,
    seed: row.seed,
    reference_date: row.reference_date,
    cohorts: parts.map(({ generator: _generator, ...part }) => part),
    status: row.status,
    generated: row.generated,
    job_id: row.job_id,
    error: row.error,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/**
 * Populations: cohorts in set proportions to a size. Filter cohorts draw existing personas when the
 * population is created; generator cohorts create personas from seeds in a background job that saves its
 * progress per batch, so a restart resumes where it stopped. Everything drawn depends only on the seed.
 */
export class PopulationService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly queue: JobQueue;
  private readonly cohorts: CohortService;
  private readonly personas: PersonaService;
  private readonly memories: MemoryService;
  private readonly generation: PersonaGenerationService;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    queue: JobQueue;
    cohorts: CohortService;
    personas: PersonaService;
    memories: MemoryService;
    generation: PersonaGenerationService;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.queue = dependencies.queue;
    this.cohorts = dependencies.cohorts;
    this.personas = dependencies.personas;
    this.memories = dependencies.memories;
    this.generation = dependencies.generation;
  }

  async create(
    tenantId: string,
    userId: string | undefined,
    input: PopulationInput,
    /** whose eyes draw filter cohorts: a member's population never includes others' private personas */
    viewer: PersonaViewer = tenantId,
  ): Promise<Population> {
    const seed = input.seed === undefined ? randomToken(12) : String(input.seed);
    const cohorts = await Promise.all(
      // An unknown id is a 404 like any other object the caller cannot see.
      input.cohorts.map((part) => this.cohorts.get(tenantId, part.cohort_id)),
    );
    const duplicate = cohorts.findIndex(
      (cohort, index) => cohorts.findIndex((c) => c.id === cohort.id) !== index,
    );
    if (duplicate >= 0) {
      throw new ValidationError([
        { field: `cohorts.${duplicate}.cohort_id`, message: "names a cohort twice" },
      ]);
    }
    const total = input.cohorts.reduce((sum, part) => sum + part.proportion, 0);
    const sizes = allocateBySize(
      input.cohorts.map((part) => part.proportion),
      input.size,
    );
    const parts: StoredPopulationPart[] = cohorts.map((cohort, index) => ({
      cohort_id: cohort.id,
      cohort_name: cohort.name,
      kind: cohort.kind,
      proportion: (input.cohorts[index]?.proportion ?? 0) / total,
      size: sizes[index] ?? 0,
      ...(cohort.generator ? { generator: cohort.generator } : {}),
    }));

    // Filter cohorts draw their members now, from the personas that match today.
    const drawn: PopulationMemberRow[] = [];
    const errors: FieldError[] = [];
    const id = newId("pop");
    let ordinal = 0;
    for (const [index, part] of parts.entries()) {
      const cohort = cohorts[index];
      if (cohort?.filter) {
        const matches = await this.cohorts.matching(viewer, cohort.filter);
        if (matches.length < part.size) {
          errors.push({
            field: `cohorts.${index}.cohort_id`,
            message: `only ${matches.length} personas match cohort ${cohort.name}; this population needs ${part.size}`,
          });
        } else {
          const chosen = sampleWithoutReplacement(matches, part.size, `${seed}:${index}`);
          for (const [offset, persona] of chosen.entries()) {
            drawn.push({
              population_id: id,
              ordinal: ordinal + offset,
              persona_id: persona.id,
              cohort_id: part.cohort_id,
              generated: 0,
            });
          }
        }
      }
      ordinal += part.size;
    }
    if (errors.length > 0) throw new ValidationError(errors);

    const now = this.clock.now().toISOString();
    const needsGeneration = parts.some((part) => part.kind === "generator" && part.size > 0);
    const row: PopulationRow = {
      id,
      tenant_id: tenantId,
      name: input.name,
      size: input.size,
      seed,
      reference_date: input.reference_date ? new Date(input.reference_date).toISOString() : now,
      composition: JSON.stringify(parts),
      status: needsGeneration ? "generating" : "ready",
      generated: drawn.length,
      job_id: null,
      error: null,
      created_at: now,
      updated_at: now,
    };
    await this.store.transaction(async (store) => {
      await store.populations.insert(row);
      for (let start = 0; start < drawn.length; start += 500) {
        await store.populations.insertMembers(drawn.slice(start, start + 500));
      }
    });
    if (needsGeneration) {
      const job = await this.queue.enqueue({
        tenantId,
        kind: POPULATION_GENERATION_JOB,
        payload: { population_id: id, user_id: userId ?? null },
        idempotencyKey: `population:${id}`,
      });
      row.job_id = job.id;
      await this.store.populations.updateById(id, { job_id: job.id });
    }
    return toPopulation({ ...row, composition: parts });
  }

  async get(tenantId: string, id: string): Promise<Population> {
    const row = await this.store.populations.find(tenantId, id);
    if (!row) throw new NotFoundError(`population ${id}`);
    return toPopulation(row);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Population>> {
    const rows = await this.store.populations.list(tenantId, page);
    return { items: rows.items.map(toPopulation), nextCursor: rows.nextCursor };
  }

  async members(
    tenantId: string,
    id: string,
    options: { cohortId?: string | undefined; after?: string | undefined; limit: number },
  ): Promise<Page<PopulationMember>> {
    const population = await this.get(tenantId, id);
    const names = new Map(population.cohorts.map((part) => [part.cohort_id, part.cohort_name]));
    const afterOrdinal = options.after === undefined ? undefined : Number(options.after);
    if (afterOrdinal !== undefined && !Number.isInteger(afterOrdinal)) {
      throw new ValidationError([
        { field: "after", message: "must be the next_cursor of the previous page" },
      ]);
    }
    const rows = await this.store.populations.listMembers(id, {
      cohortId: options.cohortId,
      afterOrdinal,
      limit: options.limit + 1,
    });
    const items = rows.slice(0, options.limit).map((row): PopulationMember => {
      const { tags: _tags, ...attributes } = personaAttributes(row.draft);
      return {
        persona_id: row.persona_id,
        ...attributes,
        cohort_id: row.cohort_id,
        cohort_name: names.get(row.cohort_id) ?? "",
        ordinal: row.ordinal,
      };
    });
    return {
      items,
      nextCursor: rows.length > options.limit ? String(items.at(-1)?.ordinal ?? "") : null,
    };
  }

  /** Removes the population and the personas it generated; refused while a study uses it. */
  async delete(tenantId: string, id: string): Promise<void> {
    const population = await this.get(tenantId, id);
    if (await this.store.studies.usesPopulation(id)) {
      throw new ConflictError(`population ${id} is used by a study; delete the study first`);
    }
    if (population.job_id) await this.queue.cancel(tenantId, population.job_id);
    const generated = await this.store.populations.generatedPersonaIds(id);
    await this.store.transaction(async (store) => {
      await store.populations.delete(tenantId, id);
      await store.personas.deleteMany(tenantId, generated);
    });
  }

  /** The generation job: creates the generator cohorts' missing members, a batch per transaction. */
  async generate(job: Job, context: Pick<JobContext, "signal" | "publish">): Promise<unknown> {
    const payload = readJobPayload(job, populationGenerationPayloadSchema);
    const row = await this.store.populations.find(job.tenantId, payload.population_id);
    if (!row) return { skipped: "the population was deleted" };
    const population = toPopulation(row);
    try {
      const existing = await this.store.populations.listOrdinals(population.id);
      const missing = this.missingMembers(row, existing);
      let generated = existing.size;
      for (let start = 0; start < missing.length; start += GENERATION_BATCH) {
        context.signal.throwIfAborted();
        const batch = missing.slice(start, start + GENERATION_BATCH);
        const personaIds = await this.store.transaction(async (store) => {
          const ids: string[] = [];
          for (const member of batch) {
            const composed = composePersonaFromSeed({
              ...member.seed,
              // One "now" for every life of the population, so a resumed generation draws the same lives.
              referenceDate: new Date(population.reference_date),
              extraTags: [`population:${population.name}`, `cohort:${member.cohortName}`],
            });
            const persona = await this.personas.insertPublished(
              { tenantId: job.tenantId, userId: payload.user_id ?? undefined },
              composed.definition,
              store,
            );
            await this.generation.storeTimeline(job.tenantId, persona.id, composed.timeline, store);
            await store.populations.insertMembers([
              {
                population_id: population.id,
                ordinal: member.ordinal,
                persona_id: persona.id,
                cohort_id: member.cohortId,
                generated: 1,
              },
            ]);
            ids.push(persona.id);
          }
          generated += batch.length;
          await store.populations.updateById(population.id, {
            generated,
            updated_at: this.clock.now().toISOString(),
          });
          return ids;
        });
        for (const personaId of personaIds) await this.memories.written(job.tenantId, personaId);
        await context.publish({ type: "progress", generated, size: population.size });
        await yieldToEventLoop();
      }
      await this.store.populations.updateById(population.id, {
        status: "ready",
        generated,
        updated_at: this.clock.now().toISOString(),
      });
      return { generated };
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (job.attempts < job.maxAttempts) throw new RetryableJobError(describe(error), { cause: error });
      await this.store.populations.updateById(population.id, {
        status: "failed",
        error: describe(error),
        updated_at: this.clock.now().toISOString(),
      });
      throw error;
    }
  }

  /** Generator members not stored yet, each with the seed its ordinal always gets. */
  private missingMembers(population: StoredPopulation, existing: ReadonlySet<number>) {
    // The stored composition keeps each generator as it was when the population was created.
    const parts = population.composition;
    const missing: { ordinal: number; cohortId: string; cohortName: string; seed: CohortSeed }[] = [];
    let start = 0;
    for (const [index, part] of parts.entries()) {
      if (part.generator) {
        for (let offset = 0; offset < part.size; offset++) {
          if (existing.has(start + offset)) continue;
          const [seed] = drawCohortSeeds(part.generator, {
            count: 1,
            seed: `${population.seed}:${index}`,
            offset,
          });
          missing.push({
            ordinal: start + offset,
            cohortId: part.cohort_id,
            cohortName: part.cohort_name,
            seed: seed as CohortSeed,
          });
        }
      }
      start += part.size;
    }
    return missing;
  }
}

function describe(error: unknown): string {
  return describeJobError(error);
}
