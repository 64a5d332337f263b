import { z } from "zod";
import type { Clock } from "../../lib/clock.ts";
import { mayEditPersona, type PersonaEditor } from "../persona-editor.ts";
import { newId, randomToken } from "../../lib/ids.ts";
import type { JobQueue } from "../../jobs/job-queue.ts";
import type { ModelRegistry } from "../../models/model-registry.ts";
import { csvRow } from "../../lib/csv.ts";
import type { StudyRunCounts } from "../../store/study-repository.ts";
import type { Page, PageRequest } from "../../store/pagination.ts";
import type { StudyRow, StudyRunRow, StudyRunStatus } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../../errors/app-error.ts";
import { samplingSchema } from "../../domain/persona-definition.ts";
import { isOfflineEngineModel, OFFLINE_ENGINE_WARNING } from "../../domain/offline-engine.ts";
import { toPopulation, type Population } from "./population-service.ts";
import { contextValuesSchema, toSkill, type Skill } from "./skill-service.ts";
import { computeStudyStatistics, type StudyStatistics } from "./study-statistics.ts";
import type { StudyRunner } from "./study-runner.ts";
import type { StoredRunAnswer, StoredStudy } from "../../store/stored-documents/research-documents.ts";
import { serializeStoredJson } from "../../store/stored-documents/stored-json.ts";

export const STUDY_RUN_STATUSES = ["pending", "queued", "running", "answered", "invalid", "failed"] as const;

export const studyInputSchema = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  skill_id: z.string().min(1).max(200),
  population_id: z.string().min(1).max(200),
  model: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*\/\S+$/i, "must be provider/model, e.g. offline/default")
    .max(200)
    .nullable()
    .default(null),
  sampling: samplingSchema.partial().default({}),
  concurrency: z
    .number()
    .int("must be a whole number")
    .min(1, "must be 1-256")
    .max(256, "must be 1-256")
    .default(8),
  requests_per_minute: z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(1_000_000)
    .nullable()
    .default(null),
  seed: z.union([z.string().min(1).max(200), z.number()]).optional(),
  context: contextValuesSchema.default({}),
  invalid_retries: z.number().int().min(0, "must be 0-5").max(5, "must be 0-5").default(2),
  max_attempts: z.number().int().min(1, "must be 1-10").max(10, "must be 1-10").default(3),
});

export type StudyInput = z.infer<typeof studyInputSchema>;

export interface StudyProgress extends StudyRunCounts {
  total: number;
  done: number;
  rate_per_second: number;
  eta_seconds: number | null;
}

export interface Study {
  id: string;
  name: string;
  status: StudyRow["status"];
  /** who started it: members cancel, resume and delete only their own (see findChangeableRow) */
  created_by_user_id: string | null;
  skill_id: string;
  skill: Skill;
  population_id: string;
  model: string | null;
  sampling: Record<string, unknown>;
  concurrency: number;
  requests_per_minute: number | null;
  seed: string;
  context: Record<string, unknown>;
  invalid_retries: number;
  max_attempts: number;
  progress: StudyProgress;
  usage: { input_tokens: number; output_tokens: number; cost_usd: number };
  /** Every model that answered one of its runs so far. */
  answer_models: string[];
  /** True when any answer came from the offline (demo) engine: its results are canned, not a model's. */
  offline_engine: boolean;
  created_at: string;
  started_at: string;
  finished_at: string | null;
}

export interface StudyResult {
  id: string;
  persona_id: string;
  persona_name: string;
  persona_version: number | null;
  cohort_id: string;
  cohort_name: string;
  status: StudyRunStatus;
  answer: unknown;
  score: number | null;
  raw_output: string | null;
  error: string | null;
  attempts: number;
  model: string | null;
  /** True when the offline (demo) engine wrote this answer. */
  offline_engine: boolean;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  started_at: string | null;
  finished_at: string | null;
}

/** A study's statistics, and whether the answers they are computed from came from the offline engine. */
export type MarkedStudyStatistics = StudyStatistics & { offline_engine: boolean };

/** Columns of the CSV export, in order. */
const CSV_COLUMNS = [
  "run_id",
  "persona_id",
  "persona_name",
  "persona_version",
  "cohort_id",
  "cohort_name",
  "status",
  "answer",
  "score",
  "raw_output",
  "error",
  "attempts",
  "model",
  "offline_engine",
  "input_tokens",
  "output_tokens",
  "cost_usd",
  "started_at",
  "finished_at",
] as const;

/** The window the progress rate is measured over. */
const RATE_WINDOW_MS = 30_000;

export function toStudyResult(row: StoredRunAnswer<StudyRunRow>): StudyResult {
  return {
    id: row.id,
    persona_id: row.persona_id,
    persona_name: row.persona_name,
    persona_version: row.persona_version,
    cohort_id: row.cohort_id,
    cohort_name: row.cohort_name,
    status: row.status,
    answer: row.answer,
    score: row.score === null ? null : Number(row.score),
    raw_output: row.raw_output,
    error: row.error,
    attempts: row.attempts,
    model: row.model,
    offline_engine: isOfflineEngineModel(row.model),
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cost_usd: Number(row.cost_usd),
    started_at: row.started_at,
    finished_at: row.finished_at,
  };
}

/**
 * Studies: a skill asked of every member of a population, one background job per member. Creating one
 * pins each persona's production version and copies the skill, so a re-run with the same seed asks the
 * same question of the same personas.
 */
export class StudyService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly queue: JobQueue;
  private readonly models: ModelRegistry;
  private readonly runner: StudyRunner;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    queue: JobQueue;
    models: ModelRegistry;
    runner: StudyRunner;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.queue = dependencies.queue;
    this.models = dependencies.models;
    this.runner = dependencies.runner;
  }

  /** Starts a study; `createdByUserId` is who may cancel, resume and delete it besides admins and keys. */
  async create(tenantId: string, input: StudyInput, createdByUserId: string | null = null): Promise<Study> {
    // Unknown ids are 404s, like any other object the caller cannot see.
    const skillRow = await this.store.skills.find(tenantId, input.skill_id);
    if (!skillRow) throw new NotFoundError(`skill ${input.skill_id}`);
    const populationRow = await this.store.populations.find(tenantId, input.population_id);
    if (!populationRow) throw new NotFoundError(`population ${input.population_id}`);
    if (populationRow.status !== "ready") {
      throw new ValidationError([
        {
          field: "population_id",
          message:
            populationRow.status === "generating"
              ? `population ${populationRow.name} is still generating (${populationRow.generated} of ${populationRow.size}); start the study once it is ready`
              : `population ${populationRow.name} failed to generate: ${populationRow.error ?? "unknown error"}`,
        },
      ]);
    }
    if (input.model !== null) await this.models.resolve(tenantId, input.model, "model");

    const now = this.clock.now().toISOString();
    const study: StudyRow = {
      id: newId("std"),
      tenant_id: tenantId,
      name: input.name,
      status: "running",
      created_by_user_id: createdByUserId,
      skill_id: skillRow.id,
      skill: JSON.stringify(toSkill(skillRow)),
      population_id: populationRow.id,
      model: input.model,
      sampling: serializeStoredJson(input.sampling, "sampling"),
      concurrency: input.concurrency,
      requests_per_minute: input.requests_per_minute,
      seed: input.seed === undefined ? randomToken(12) : String(input.seed),
      context: serializeStoredJson(input.context, "context"),
      invalid_retries: input.invalid_retries,
      max_attempts: input.max_attempts,
      next_slot_at: null,
      supervised_at: null,
      created_at: now,
      updated_at: now,
      started_at: now,
      finished_at: null,
    };
    const stored: StoredStudy = {
      ...study,
      skill: toSkill(skillRow),
      sampling: input.sampling,
      context: input.context,
    };
    const runs = await this.pinRuns(stored, toPopulation(populationRow));
    if (runs.length === 0) {
      throw new ValidationError([{ field: "population_id", message: "the population has no members" }]);
    }
    await this.store.transaction(async (store) => {
      await store.studies.insert(study);
      await store.studies.insertRuns(runs);
    });
    await this.runner.fill(stored);
    return this.view(stored);
  }

  async get(tenantId: string, id: string): Promise<Study> {
    return this.view(await this.findRow(tenantId, id));
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Study>> {
    const rows = await this.store.studies.list(tenantId, page);
    return { items: await Promise.all(rows.items.map((row) => this.view(row))), nextCursor: rows.nextCursor };
  }

  /** Stops dispatching; runs in flight are cancelled and go back to pending, for a later resume. */
  async cancel(editor: PersonaEditor, id: string): Promise<Study> {
    const { tenantId } = editor;
    const study = await this.findChangeableRow(editor, id);
    if (study.status !== "running") return this.view(study);
    const now = this.clock.now().toISOString();
    const jobIds = await this.store.transaction(async (store) => {
      if (
        !(await store.studies.updateById(
          id,
          { status: "cancelled", finished_at: now, updated_at: now },
          "running",
        ))
      ) {
        return [];
      }
      return store.studies.returnInFlight(id, now);
    });
    for (const jobId of jobIds) await this.queue.cancel(tenantId, jobId);
    return this.get(tenantId, id);
  }

  /** Runs what is left (and, when asked, failed and invalid runs again). */
  async resume(editor: PersonaEditor, id: string, options: { retryFailed: boolean }): Promise<Study> {
    const { tenantId } = editor;
    const study = await this.findChangeableRow(editor, id);
    const now = this.clock.now().toISOString();
    await this.store.transaction(async (store) => {
      // Anything a cancel left queued has a stale job: give it a new dispatch.
      if (study.status !== "running") await store.studies.returnInFlight(id, now);
      if (options.retryFailed) await store.studies.resetUnsuccessful(id, now);
      await store.studies.updateById(id, { status: "running", finished_at: null, updated_at: now });
    });
    await this.runner.fill(await this.findRow(tenantId, id));
    // A study with nothing left to run completes at once.
    await this.runner.completeIfDone(id);
    return this.get(tenantId, id);
  }

  async delete(editor: PersonaEditor, id: string): Promise<void> {
    await this.cancel(editor, id);
    await this.store.studies.delete(editor.tenantId, id);
  }

  async results(
    tenantId: string,
    id: string,
    options: {
      cohortId?: string | undefined;
      status?: StudyRunStatus | undefined;
      after?: string | undefined;
      limit: number;
    },
  ): Promise<Page<StudyResult>> {
    await this.findRow(tenantId, id);
    const afterOrdinal = options.after === undefined ? undefined : Number(options.after);
    if (afterOrdinal !== undefined && !Number.isInteger(afterOrdinal)) {
      throw new ValidationError([
        { field: "after", message: "must be the next_cursor of the previous page" },
      ]);
    }
    const rows = await this.store.studies.listRuns(id, {
      cohortId: options.cohortId,
      status: options.status,
      afterOrdinal,
      limit: options.limit + 1,
    });
    const page = rows.slice(0, options.limit);
    return {
      items: page.map(toStudyResult),
      nextCursor: rows.length > options.limit ? String(page.at(-1)?.ordinal ?? "") : null,
    };
  }

  async statistics(tenantId: string, id: string): Promise<MarkedStudyStatistics> {
    const study = await this.findRow(tenantId, id);
    const [outcomes, models] = await Promise.all([
      this.store.studies.listOutcomes(id),
      this.store.studies.listAnswerModels(id),
    ]);
    return {
      ...computeStudyStatistics(study.skill.answer, outcomes),
      offline_engine: models.some(isOfflineEngineModel),
    };
  }

  /**
   * The CSV export, a chunk of rows at a time. Each row says whether the offline engine wrote its answer
   * (`offline_engine`); a spreadsheet shows that column beside the answer, where a comment line would be
   * a stray first row (and trip CSV readers that expect a header).
   */
  async *exportCsv(tenantId: string, id: string): AsyncIterable<string> {
    await this.findRow(tenantId, id);
    yield csvRow(CSV_COLUMNS);
    let afterOrdinal: number | undefined;
    for (;;) {
      const rows = await this.store.studies.listRuns(id, { afterOrdinal, limit: 1000 });
      if (rows.length === 0) return;
      yield rows
        .map((row) => {
          const result = toStudyResult(row);
          return csvRow([
            result.id,
            result.persona_id,
            result.persona_name,
            result.persona_version,
            result.cohort_id,
            result.cohort_name,
            result.status,
            result.answer,
            result.score,
            result.raw_output,
            result.error,
            result.attempts,
            result.model,
            result.offline_engine,
            result.input_tokens,
            result.output_tokens,
            result.cost_usd,
            result.started_at,
            result.finished_at,
          ]);
        })
        .join("");
      afterOrdinal = rows.at(-1)?.ordinal;
    }
  }

  /**
   * The JSON export: the study, its statistics and every result; `offline_engine` and `warnings` at the top
   * say when the offline engine wrote any of the answers.
   */
  async exportJson(
    tenantId: string,
    id: string,
  ): Promise<{
    offline_engine: boolean;
    warnings: string[];
    study: Study;
    statistics: MarkedStudyStatistics;
    results: StudyResult[];
  }> {
    const study = await this.get(tenantId, id);
    const results: StudyResult[] = [];
    let afterOrdinal: number | undefined;
    for (;;) {
      const rows = await this.store.studies.listRuns(id, { afterOrdinal, limit: 1000 });
      if (rows.length === 0) break;
      results.push(...rows.map(toStudyResult));
      afterOrdinal = rows.at(-1)?.ordinal;
    }
    return {
      offline_engine: study.offline_engine,
      warnings: study.offline_engine ? [OFFLINE_ENGINE_WARNING] : [],
      study,
      statistics: await this.statistics(tenantId, id),
      results,
    };
  }

  /**
   * A study the editor may cancel, resume or delete: every member reads the tenant's studies, but only
   * the one who started it, admins, members granted can_edit_all and API keys change it (403 otherwise).
   */
  private async findChangeableRow(editor: PersonaEditor, id: string): Promise<StoredStudy> {
    const row = await this.findRow(editor.tenantId, id);
    if (!mayEditPersona(editor, row.created_by_user_id)) {
      throw new ForbiddenError(
        `study ${id} was started by another member: only they, an admin, or a member an admin granted ` +
          `edit rights (can_edit_all) may cancel, resume or delete it`,
      );
    }
    return row;
  }

  private async findRow(tenantId: string, id: string): Promise<StoredStudy> {
    const row = await this.store.studies.find(tenantId, id);
    if (!row) throw new NotFoundError(`study ${id}`);
    return row;
  }

  /** One run per population member, pinned to the persona's production version (or its draft). */
  private async pinRuns(study: StoredStudy, population: Population): Promise<StudyRunRow[]> {
    const runs: StudyRunRow[] = [];
    let afterOrdinal: number | undefined;
    const names = new Map(population.cohorts.map((part) => [part.cohort_id, part.cohort_name]));
    for (;;) {
      const members = await this.store.populations.listMembers(population.id, { afterOrdinal, limit: 1000 });
      if (members.length === 0) return runs;
      for (const member of members) {
        runs.push({
          id: newId("run"),
          study_id: study.id,
          tenant_id: study.tenant_id,
          ordinal: member.ordinal,
          persona_id: member.persona_id,
          persona_name: member.draft.name,
          persona_version: member.production_version,
          cohort_id: member.cohort_id,
          cohort_name: names.get(member.cohort_id) ?? "",
          status: "pending",
          dispatch: 0,
          job_id: null,
          answer: null,
          score: null,
          raw_output: null,
          error: null,
          attempts: 0,
          model: null,
          input_tokens: 0,
          output_tokens: 0,
          cost_usd: 0,
          updated_at: study.created_at,
          started_at: null,
          finished_at: null,
        });
      }
      afterOrdinal = members.at(-1)?.ordinal;
    }
  }

  private async view(row: StoredStudy): Promise<Study> {
    const [counts, usage, answerModels] = await Promise.all([
      this.store.studies.countRuns(row.id),
      this.store.studies.usageTotals(row.id),
      this.store.studies.listAnswerModels(row.id),
    ]);
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      created_by_user_id: row.created_by_user_id,
      skill_id: row.skill_id,
      skill: row.skill,
      population_id: row.population_id,
      model: row.model,
      sampling: row.sampling,
      concurrency: row.concurrency,
      requests_per_minute: row.requests_per_minute,
      seed: row.seed,
      context: row.context,
      invalid_retries: row.invalid_retries,
      max_attempts: row.max_attempts,
      progress: await this.progress(row, counts),
      usage,
      answer_models: answerModels,
      offline_engine: answerModels.some(isOfflineEngineModel),
      created_at: row.created_at,
      started_at: row.started_at,
      finished_at: row.finished_at,
    };
  }

  private async progress(row: StoredStudy, counts: StudyRunCounts): Promise<StudyProgress> {
    const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
    const done = counts.answered + counts.invalid + counts.failed;
    const now = this.clock.now().getTime();
    let rate = 0;
    if (row.status === "running") {
      const window = Math.min(RATE_WINDOW_MS, Math.max(now - Date.parse(row.started_at), 1));
      const recent = await this.store.studies.countFinishedSince(
        row.id,
        new Date(now - window).toISOString(),
      );
      rate = recent / (window / 1000);
    }
    const remaining = total - done;
    return {
      total,
      ...counts,
      done,
      rate_per_second: Math.round(rate * 100) / 100,
      eta_seconds: row.status !== "running" || rate === 0 ? null : Math.ceil(remaining / rate),
    };
  }
}
