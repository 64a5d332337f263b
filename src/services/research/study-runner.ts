import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import {
  RetryableJobError,
  describeJobError,
  isRetryableJobError,
  isTerminalJobStatus,
  type Job,
  type JobContext,
  type JobQueue,
} from "../../jobs/job-queue.ts";
import { UnparsableOutputError, type SamplingParameters } from "../../models/language-model.ts";
import { countTokens } from "../../models/token-count.ts";
import { hashSeed } from "../../memory/seeded-random.ts";
import {
  answerJsonSchema,
  describeAnswerForPrompt,
  scoreAnswer,
  validateAnswer,
} from "../../research/answer-spec.ts";
import { renderPromptTemplate } from "../../research/prompt-template.ts";
import type { RunOutcome } from "../../store/study-repository.ts";
import type { StudyRunRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import type { HistoryMessage } from "../prompt-assembly.ts";
import type { ReplyGenerator } from "../reply-generator.ts";
import { personaAttributes } from "./cohort-service.ts";
import type { StoredStudy } from "../../store/stored-documents/research-documents.ts";
import { checkJsonBounds, JsonInputError } from "../../lib/bounded-json.ts";
import { z } from "zod";
import { readJobPayload } from "../../jobs/job-payload.ts";

export const STUDY_RUN_JOB = "study-run";

/** What a study-run job carries: the run, and the dispatch it was queued under. */
export const studyRunPayloadSchema = z.object({
  study_id: z.string(),
  run_id: z.string(),
  dispatch: z.number().int(),
});
export type StudyRunPayload = z.infer<typeof studyRunPayloadSchema>;

/** A queued run untouched this long is queued again (idempotently): its enqueue may have been lost. */
const QUEUED_RUN_GRACE_MS = 30_000;
/** Supervisors in several processes take turns: one per study per this interval. */
const SUPERVISION_INTERVAL_MS = 4_000;
/** Pinned persona versions never change, so their definitions are cached; this many at most. */
const DEFINITION_CACHE_SIZE = 20_000;

/** The variables a prompt template can use about the persona. */
export function personaVariables(definition: PersonaDefinition): Record<string, string | number | null> {
  const { tags, ...attributes } = personaAttributes(definition);
  // Traits are the generator's plain tags, without markers such as cohort:… or the "generated" flag.
  const traits = tags.filter((tag) => !tag.includes(":") && tag !== "generated");
  return {
    ...attributes,
    traits: traits.join(", "),
    tags: tags.join(", "),
    summary: definition.identity.summary,
  };
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(done, milliseconds);
    function done() {
      signal.removeEventListener("abort", aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal.reason as Error);
    }
    signal.addEventListener("abort", aborted, { once: true });
  });
}

/**
 * The worker side of studies. A study keeps at most `concurrency` runs in flight: it starts with that
 * many jobs, and each finished run queues the next pending one. Every step is conditional on the run's
 * dispatch and status, so retries, takeovers after a crash and stale jobs never record a run twice; a
 * periodic supervision pass repairs what a crash between two steps left behind.
 */
export class StudyRunner {
  private readonly definitions = new Map<string, PersonaDefinition>();
  /** Aborted when the process shuts down: runs still waiting for a rate-limit slot give their place back. */
  private readonly stopping = new AbortController();

  private readonly store: Store;
  private readonly clock: Clock;
  private readonly queue: JobQueue;
  private readonly replies: ReplyGenerator;

  constructor(dependencies: { store: Store; clock: Clock; queue: JobQueue; replies: ReplyGenerator }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.queue = dependencies.queue;
    this.replies = dependencies.replies;
  }

  /** Queues pending runs until the study has `concurrency` in flight. */
  async fill(study: StoredStudy): Promise<void> {
    if (study.status !== "running") return;
    const inFlight = await this.store.studies.listInFlight(study.id);
    const runs = await this.store.studies.claimPending(
      study.id,
      study.concurrency - inFlight.length,
      this.now(),
    );
    await this.enqueue(study, runs);
  }

  /** The job handler for one run. */
  async run(job: Job, context: Pick<JobContext, "signal">): Promise<unknown> {
    const payload = readJobPayload(job, studyRunPayloadSchema);
    const run = await this.store.studies.findRun(payload.run_id);
    if (!run || run.dispatch !== payload.dispatch || !["queued", "running"].includes(run.status)) {
      return { skipped: "the run was finished, cancelled or queued again" };
    }
    const study = await this.store.studies.findById(run.study_id);
    if (!study || study.status !== "running") return { skipped: "the study is not running" };
    const started = await this.store.studies.markRunning({
      id: run.id,
      dispatch: run.dispatch,
      jobId: job.id,
      now: this.now(),
    });
    if (!started) return { skipped: "the run was finished, cancelled or queued again" };

    let outcome: RunOutcome;
    try {
      outcome = await this.answer(study, run, context.signal);
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (this.stopping.signal.aborted) {
        // Shutting down while waiting for a slot: pending again, for the next supervision pass anywhere.
        await this.store.studies.returnRun({ id: run.id, dispatch: run.dispatch, now: this.now() });
        return { deferred: "the worker is shutting down" };
      }
      if (isRetryableJobError(error) && job.attempts < job.maxAttempts) {
        throw new RetryableJobError(describeJobError(error), { cause: error });
      }
      outcome = failedOutcome(describeJobError(error));
    }
    const recorded = await this.record(study, run, outcome);
    if (recorded) await this.advance(study);
    return { status: outcome.status, recorded };
  }

  /** Stops waiting for rate-limit slots (see `run`); model calls in flight finish normally. */
  stop(): void {
    this.stopping.abort(new Error("the worker is shutting down"));
  }

  /**
   * One supervision pass over every running study (taking turns with other processes): re-queues runs
   * whose enqueue was lost, fails runs whose job ended without recording them, tops up to the study's
   * concurrency and completes studies with nothing left.
   */
  async supervise(): Promise<void> {
    const now = this.clock.now();
    for (const study of await this.store.studies.listRunning()) {
      const claimed = await this.store.studies.claimSupervision(
        study.id,
        now.toISOString(),
        new Date(now.getTime() - SUPERVISION_INTERVAL_MS).toISOString(),
      );
      if (!claimed) continue;
      for (const run of await this.store.studies.listInFlight(study.id)) {
        if (run.status === "queued" && Date.parse(run.updated_at) < now.getTime() - QUEUED_RUN_GRACE_MS) {
          await this.enqueue(study, [run]);
        } else if (run.status === "running" && run.job_id) {
          const job = await this.queue.get(study.tenant_id, run.job_id);
          if (job && isTerminalJobStatus(job.status)) {
            const detail = job.error ?? `its job ended (${job.status}) without an answer`;
            if (await this.record(study, run, failedOutcome(detail))) continue;
          }
        }
      }
      await this.fill(study);
      await this.completeIfDone(study.id);
    }
  }

  private async enqueue(study: StoredStudy, runs: readonly StudyRunRow[]): Promise<void> {
    for (const run of runs) {
      const payload: StudyRunPayload = { study_id: study.id, run_id: run.id, dispatch: run.dispatch };
      await this.queue.enqueue({
        tenantId: study.tenant_id,
        kind: STUDY_RUN_JOB,
        payload,
        idempotencyKey: `study-run:${run.id}:${run.dispatch}`,
        maxAttempts: study.max_attempts,
      });
    }
  }

  /** Asks the persona, re-asking after an invalid answer up to the study's `invalid_retries`. */
  private async answer(study: StoredStudy, run: StudyRunRow, signal: AbortSignal): Promise<RunOutcome> {
    const skill = study.skill;
    const persona = await this.definitionOf(run);
    const instructions = describeAnswerForPrompt(skill.answer);
    const question = renderPromptTemplate(skill.prompt, {
      persona: personaVariables(persona),
      context: { ...skill.context, ...study.context },
    });
    const history: HistoryMessage[] = [message("user", `${question}\n\n${instructions}`)];
    const sampling: SamplingParameters = {
      ...study.sampling,
      seed: hashSeed(`${study.seed}:${run.persona_id}`),
    };
    const totals = { model: null as string | null, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
    let rawOutput = "";
    let reason = "";
    for (let attempt = 0; attempt <= study.invalid_retries; attempt++) {
      await this.waitForSlot(study, signal);
      let output: unknown;
      try {
        const { result, costUsd } = await this.replies.generateObject({
          tenantId: study.tenant_id,
          personaId: run.persona_id,
          userId: null,
          persona,
          userPersona: null,
          history,
          samplingOverrides: sampling,
          signal,
          schema: answerJsonSchema(skill.answer),
          schemaName: "answer",
          modelId: study.model,
        });
        totals.model = result.model;
        totals.input_tokens += result.usage.inputTokens;
        totals.output_tokens += result.usage.outputTokens;
        totals.cost_usd += costUsd;
        output = result.object;
        // A model's JSON is untrusted input too: beyond the JSON policy it is an invalid answer, never stored.
        const beyondPolicy = describeJsonPolicyBreach(output);
        if (beyondPolicy) {
          reason = `the output is ${beyondPolicy}`;
          rawOutput = "";
          output = undefined;
        } else {
          rawOutput = JSON.stringify(result.object);
        }
      } catch (error) {
        if (!(error instanceof UnparsableOutputError)) throw error;
        totals.input_tokens += error.usage.inputTokens;
        totals.output_tokens += error.usage.outputTokens;
        rawOutput = error.text;
        reason = "the output was not JSON";
        output = undefined;
      }
      if (output !== undefined) {
        const checked = validateAnswer(skill.answer, output);
        if (checked.valid) {
          return {
            status: "answered",
            answer: JSON.stringify(checked.value),
            score: scoreAnswer(skill.answer, skill.scoring ?? undefined, checked.value),
            raw_output: rawOutput,
            error: null,
            ...totals,
          };
        }
        reason = checked.reason;
      }
      history.push(
        message("assistant", rawOutput),
        message("user", `That answer is not valid: ${reason}. ${instructions}`),
      );
    }
    return { status: "invalid", answer: null, score: null, raw_output: rawOutput, error: reason, ...totals };
  }

  /** Waits for the next model-call slot under the study's requests-per-minute limit, if it has one. */
  private async waitForSlot(study: StoredStudy, signal: AbortSignal): Promise<void> {
    if (!study.requests_per_minute) return;
    const now = this.clock.now();
    const start = await this.store.studies.reserveSlot(study.id, 60_000 / study.requests_per_minute, now);
    const wait = start.getTime() - now.getTime();
    if (wait > 0) await sleep(wait, AbortSignal.any([signal, this.stopping.signal]));
  }

  /** Records the outcome and its usage together; false when another attempt already recorded the run. */
  private async record(study: StoredStudy, run: StudyRunRow, outcome: RunOutcome): Promise<boolean> {
    const now = this.now();
    return this.store.transaction(async (store) => {
      const recorded = await store.studies.finishRun({ id: run.id, dispatch: run.dispatch, outcome, now });
      if (recorded && outcome.model) {
        await store.usage.insert({
          id: newId("use"),
          tenant_id: study.tenant_id,
          user_id: null,
          persona_id: run.persona_id,
          conversation_id: null,
          message_id: null,
          kind: "study_run",
          model: outcome.model,
          input_tokens: outcome.input_tokens ?? 0,
          output_tokens: outcome.output_tokens ?? 0,
          latency_ms: run.started_at ? Math.max(0, Date.parse(now) - Date.parse(run.started_at)) : 0,
          cost_usd: outcome.cost_usd ?? 0,
          created_at: now,
        });
      }
      return recorded;
    });
  }

  /** After a run finished: queue the next pending one, or complete the study when nothing is left. */
  private async advance(study: StoredStudy): Promise<void> {
    const current = await this.store.studies.findById(study.id);
    if (current?.status !== "running") return;
    const next = await this.store.studies.claimPending(study.id, 1, this.now());
    if (next.length > 0) await this.enqueue(current, next);
    else await this.completeIfDone(study.id);
  }

  /** Marks a running study completed when no run is left to do. */
  async completeIfDone(studyId: string): Promise<void> {
    const counts = await this.store.studies.countRuns(studyId);
    if (counts.pending + counts.queued + counts.running > 0) return;
    const now = this.now();
    await this.store.studies.updateById(
      studyId,
      { status: "completed", finished_at: now, updated_at: now },
      "running",
    );
  }

  private async definitionOf(run: StudyRunRow): Promise<PersonaDefinition> {
    const key = `${run.persona_id}:${run.persona_version ?? "draft"}`;
    const cached = this.definitions.get(key);
    if (cached) return cached;
    const row =
      run.persona_version === null
        ? undefined
        : await this.store.personas.findVersion(run.persona_id, run.persona_version);
    const definition =
      row?.definition ?? (await this.store.personas.findVisible(run.tenant_id, run.persona_id))?.draft;
    if (!definition) throw new Error(`persona ${run.persona_id} was deleted`);
    // A draft can change, so only pinned versions are cached.
    if (run.persona_version !== null) {
      if (this.definitions.size >= DEFINITION_CACHE_SIZE) this.definitions.clear();
      this.definitions.set(key, definition);
    }
    return definition;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function message(role: "user" | "assistant", content: string): HistoryMessage {
  return { role, content, tokens: countTokens(content) };
}

function failedOutcome(error: string): RunOutcome {
  return { status: "failed", answer: null, score: null, raw_output: null, error, model: null };
}

/** Why a value breaks the JSON policy (too deep, too wide), or undefined when it keeps to it. */
function describeJsonPolicyBreach(value: unknown): string | undefined {
  try {
    checkJsonBounds(value);
    return undefined;
  } catch (error) {
    if (error instanceof JsonInputError) return `beyond the JSON limits: ${error.message}`;
    throw error;
  }
}
