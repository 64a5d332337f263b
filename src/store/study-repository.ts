import { sql, type Kysely, type Updateable } from "kysely";
import { isPostgres } from "./dialect.ts";
import { TenantRows } from "./tenant-rows.ts";
import {
  readRunAnswer,
  readStudyRow,
  type StoredRunAnswer,
  type StoredStudy,
} from "./stored-documents/research-documents.ts";
import type { Database, StudyRow, StudyRunRow, StudyRunStatus, StudyRunTable, StudyTable } from "./schema.ts";

/** Runs inserted per statement: well under SQLite's bound-parameter limit. */
const INSERT_BATCH = 400;

export type StudyRunCounts = Record<StudyRunStatus, number>;

export interface StudyUsageTotals {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** What recording a run's outcome writes. */
export type RunOutcome = Pick<
  Updateable<StudyRunTable>,
  | "status"
  | "answer"
  | "score"
  | "raw_output"
  | "error"
  | "model"
  | "input_tokens"
  | "output_tokens"
  | "cost_usd"
> & { status: "answered" | "invalid" | "failed" };

/**
 * Studies and their runs. Every change to a run is conditional on its `dispatch` (and status), so a job
 * for an older dispatch, or a second worker that took over a job, can never record twice.
 */
export class StudyRepository extends TenantRows<"studies", StoredStudy> {
  constructor(private readonly db: Kysely<Database>) {
    super(db, "studies", readStudyRow);
  }

  async insertRuns(runs: readonly StudyRunRow[]): Promise<void> {
    for (let start = 0; start < runs.length; start += INSERT_BATCH) {
      await this.db
        .insertInto("study_runs")
        .values(runs.slice(start, start + INSERT_BATCH))
        .execute();
    }
  }

  /** For workers, which act on ids from job payloads. */
  async findById(id: string): Promise<StoredStudy | undefined> {
    const row = await this.db.selectFrom("studies").selectAll().where("id", "=", id).executeTakeFirst();
    return row && readStudyRow(row);
  }

  async listRunning(): Promise<StoredStudy[]> {
    const rows = await this.db.selectFrom("studies").selectAll().where("status", "=", "running").execute();
    return rows.map(readStudyRow);
  }

  async usesPopulation(populationId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("studies")
      .select("id")
      .where("population_id", "=", populationId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Changes a study; with `fromStatus`, only while it still has that status. Returns whether it changed. */
  async updateById(
    id: string,
    changes: Updateable<StudyTable>,
    fromStatus?: StudyRow["status"],
  ): Promise<boolean> {
    let query = this.db.updateTable("studies").set(changes).where("id", "=", id);
    if (fromStatus) query = query.where("status", "=", fromStatus);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async countRuns(studyId: string): Promise<StudyRunCounts> {
    const rows = await this.db
      .selectFrom("study_runs")
      .select(["status", sql<number>`count(*)`.as("count")])
      .where("study_id", "=", studyId)
      .groupBy("status")
      .execute();
    const counts: StudyRunCounts = { pending: 0, queued: 0, running: 0, answered: 0, invalid: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  async countFinishedSince(studyId: string, since: string): Promise<number> {
    const row = await this.db
      .selectFrom("study_runs")
      .select(sql<number>`count(*)`.as("count"))
      .where("study_id", "=", studyId)
      .where("finished_at", ">=", since)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async usageTotals(studyId: string): Promise<StudyUsageTotals> {
    const row = await this.db
      .selectFrom("study_runs")
      .select([
        sql<number>`coalesce(sum(input_tokens), 0)`.as("input_tokens"),
        sql<number>`coalesce(sum(output_tokens), 0)`.as("output_tokens"),
        sql<number>`coalesce(sum(cost_usd), 0)`.as("cost_usd"),
      ])
      .where("study_id", "=", studyId)
      .executeTakeFirstOrThrow();
    return {
      input_tokens: Number(row.input_tokens),
      output_tokens: Number(row.output_tokens),
      cost_usd: Number(row.cost_usd),
    };
  }

  /** Every model that answered a run of the study (distinct, sorted); runs not answered yet name none. */
  async listAnswerModels(studyId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("study_runs")
      .select("model")
      .distinct()
      .where("study_id", "=", studyId)
      .where("model", "is not", null)
      .orderBy("model")
      .execute();
    return rows.flatMap((row) => (row.model === null ? [] : [row.model]));
  }

  /**
   * Moves up to `limit` pending runs (lowest ordinals first) to `queued` with a new dispatch number and
   * returns them. Safe with several processes: a run is only taken while still pending.
   */
  async claimPending(studyId: string, limit: number, now: string): Promise<StudyRunRow[]> {
    if (limit <= 0) return [];
    let candidates = this.db
      .selectFrom("study_runs")
      .select("id")
      .where("study_id", "=", studyId)
      .where("status", "=", "pending")
      .orderBy("ordinal")
      .limit(limit);
    if (isPostgres(this.db)) candidates = candidates.forUpdate().skipLocked();
    return this.db
      .updateTable("study_runs")
      .set((eb) => ({ status: "queued", dispatch: eb("dispatch", "+", 1), job_id: null, updated_at: now }))
      .where("id", "in", candidates)
      .where("status", "=", "pending")
      .returningAll()
      .execute();
  }

  async findRun(id: string): Promise<StudyRunRow | undefined> {
    return this.db.selectFrom("study_runs").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Starts an attempt of a queued (or retried) run; false when the dispatch is stale or the run is done. */
  async markRunning(options: { id: string; dispatch: number; jobId: string; now: string }): Promise<boolean> {
    const result = await this.db
      .updateTable("study_runs")
      .set((eb) => ({
        status: "running",
        job_id: options.jobId,
        attempts: eb("attempts", "+", 1),
        started_at: eb.fn.coalesce("started_at", eb.val(options.now)),
        updated_at: options.now,
      }))
      .where("id", "=", options.id)
      .where("dispatch", "=", options.dispatch)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Records a run's outcome once: only while it is running under this dispatch. */
  async finishRun(options: {
    id: string;
    dispatch: number;
    outcome: RunOutcome;
    now: string;
  }): Promise<boolean> {
    const result = await this.db
      .updateTable("study_runs")
      .set({ ...options.outcome, finished_at: options.now, updated_at: options.now })
      .where("id", "=", options.id)
      .where("dispatch", "=", options.dispatch)
      .where("status", "=", "running")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Puts one in-flight run back to pending under a new dispatch; false when it moved on meanwhile. */
  async returnRun(options: { id: string; dispatch: number; now: string }): Promise<boolean> {
    const result = await this.db
      .updateTable("study_runs")
      .set((eb) => ({ status: "pending", dispatch: eb("dispatch", "+", 1), updated_at: options.now }))
      .where("id", "=", options.id)
      .where("dispatch", "=", options.dispatch)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Runs queued or running: what is in flight. */
  async listInFlight(studyId: string): Promise<StudyRunRow[]> {
    return this.db
      .selectFrom("study_runs")
      .selectAll()
      .where("study_id", "=", studyId)
      .where("status", "in", ["queued", "running"])
      .execute();
  }

  /**
   * Puts in-flight runs back to pending with a new dispatch (their jobs then do nothing) and returns the
   * jobs that were running, so the caller can cancel them.
   */
  async returnInFlight(studyId: string, now: string): Promise<string[]> {
    const rows = await this.db
      .updateTable("study_runs")
      .set((eb) => ({ status: "pending", dispatch: eb("dispatch", "+", 1), updated_at: now }))
      .where("study_id", "=", studyId)
      .where("status", "in", ["queued", "running"])
      .returning(["job_id"])
      .execute();
    return rows.flatMap((row) => (row.job_id ? [row.job_id] : []));
  }

  /** Makes failed and invalid runs pending again, forgetting their outcome. */
  async resetUnsuccessful(studyId: string, now: string): Promise<number> {
    const result = await this.db
      .updateTable("study_runs")
      .set({
        status: "pending",
        answer: null,
        score: null,
        raw_output: null,
        error: null,
        finished_at: null,
        updated_at: now,
      })
      .where("study_id", "=", studyId)
      .where("status", "in", ["failed", "invalid"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** A page of runs in ordinal order; the cursor is the last ordinal. */
  async listRuns(
    studyId: string,
    filter: {
      cohortId?: string | undefined;
      status?: StudyRunStatus | undefined;
      afterOrdinal?: number | undefined;
      limit: number;
    },
  ): Promise<StoredRunAnswer<StudyRunRow>[]> {
    let query = this.db.selectFrom("study_runs").selectAll().where("study_id", "=", studyId);
    if (filter.cohortId) query = query.where("cohort_id", "=", filter.cohortId);
    if (filter.status) query = query.where("status", "=", filter.status);
    if (filter.afterOrdinal !== undefined) query = query.where("ordinal", ">", filter.afterOrdinal);
    const rows = await query.orderBy("ordinal").limit(filter.limit).execute();
    return rows.map(readRunAnswer);
  }

  /** What statistics read of every run. */
  async listOutcomes(
    studyId: string,
  ): Promise<
    StoredRunAnswer<
      Pick<StudyRunRow, "cohort_id" | "cohort_name" | "ordinal" | "status" | "answer" | "score">
    >[]
  > {
    const rows = await this.db
      .selectFrom("study_runs")
      .select(["cohort_id", "cohort_name", "ordinal", "status", "answer", "score"])
      .where("study_id", "=", studyId)
      .orderBy("ordinal")
      .execute();
    return rows.map(readRunAnswer);
  }

  /** Takes the study's supervision turn when nobody had it since `staleBefore`; false when another did. */
  async claimSupervision(studyId: string, now: string, staleBefore: string): Promise<boolean> {
    const result = await this.db
      .updateTable("studies")
      .set({ supervised_at: now })
      .where("id", "=", studyId)
      .where("status", "=", "running")
      .where((eb) => eb.or([eb("supervised_at", "is", null), eb("supervised_at", "<", staleBefore)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Reserves the next model-call slot under the study's requests-per-minute limit and returns when it
   * starts. Compare-and-set on `next_slot_at`, so processes sharing the study never take the same slot.
   */
  async reserveSlot(studyId: string, intervalMs: number, now: Date): Promise<Date> {
    for (;;) {
      const row = await this.db
        .selectFrom("studies")
        .select("next_slot_at")
        .where("id", "=", studyId)
        .executeTakeFirst();
      const current = row?.next_slot_at ?? null;
      const start = new Date(Math.max(now.getTime(), current ? Date.parse(current) : 0));
      const next = new Date(start.getTime() + intervalMs).toISOString();
      let update = this.db.updateTable("studies").set({ next_slot_at: next }).where("id", "=", studyId);
      update =
        current === null
          ? update.where("next_slot_at", "is", null)
          : update.where("next_slot_at", "=", current);
      if (Number((await update.executeTakeFirst()).numUpdatedRows) > 0) return start;
    }
  }
}
