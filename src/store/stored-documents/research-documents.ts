import { z } from "zod";
import { answerSpecSchema, scoringSchema } from "../../research/answer-spec.ts";
import { cohortFilterSchema, cohortGeneratorSchema } from "../../research/cohort-spec.ts";
import { samplingSchema } from "../../domain/persona-definition.ts";
import type { CohortRow, PopulationRow, SkillRow, StudyRow, StudyRunRow } from "../schema.ts";
import { readNullableStoredDocument, readStoredDocument, readStoredJson } from "./stored-json.ts";

/*
 * The JSON columns of the research tables, read and checked once here. Specs a study runs on (a skill's
 * answer spec and scoring, a cohort's filter or generator, a population's composition, a study's copy of
 * its skill) have no meaningful default: a value that does not match is a StoredDocumentError naming the
 * row. Context values and sampling overrides default to none, which is what an empty object means.
 */

const contextSchema = z.record(z.string(), z.unknown());
const noContext = { fallback: "default", value: () => ({}) } as const;

export const storedSkillSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  prompt: z.string(),
  answer: answerSpecSchema,
  scoring: scoringSchema.nullable(),
  context: contextSchema,
  created_at: z.string(),
  updated_at: z.string(),
});
export type StoredSkillSnapshot = z.infer<typeof storedSkillSchema>;

/** One cohort's part of a population; a generator cohort's part keeps its generator as it was. */
export const storedPopulationPartSchema = z.object({
  cohort_id: z.string(),
  cohort_name: z.string(),
  kind: z.enum(["filter", "generator"]),
  proportion: z.number(),
  size: z.number().int(),
  generator: cohortGeneratorSchema.optional(),
});
export type StoredPopulationPart = z.infer<typeof storedPopulationPartSchema>;

const samplingOverridesSchema = samplingSchema.partial();

export type StoredSkill = Omit<SkillRow, "answer" | "scoring" | "context"> & {
  answer: z.infer<typeof answerSpecSchema>;
  scoring: z.infer<typeof scoringSchema> | null;
  context: Record<string, unknown>;
};

export function readSkillRow(row: SkillRow): StoredSkill {
  const column = (name: string) => `skills.${name} of ${row.id}`;
  return {
    ...row,
    answer: readStoredDocument(row.answer, answerSpecSchema, { column: column("answer"), fallback: "error" }),
    scoring: readNullableStoredDocument(row.scoring, scoringSchema, {
      column: column("scoring"),
      fallback: "error",
    }),
    context: readStoredDocument(row.context, contextSchema, { column: column("context"), ...noContext }),
  };
}

export type StoredCohort = Omit<CohortRow, "filter" | "generator"> & {
  filter: z.infer<typeof cohortFilterSchema> | null;
  generator: z.infer<typeof cohortGeneratorSchema> | null;
};

export function readCohortRow(row: CohortRow): StoredCohort {
  const column = (name: string) => `cohorts.${name} of ${row.id}`;
  return {
    ...row,
    filter: readNullableStoredDocument(row.filter, cohortFilterSchema, {
      column: column("filter"),
      fallback: "error",
    }),
    generator: readNullableStoredDocument(row.generator, cohortGeneratorSchema, {
      column: column("generator"),
      fallback: "error",
    }),
  };
}

export type StoredPopulation = Omit<PopulationRow, "composition"> & { composition: StoredPopulationPart[] };

export function readPopulationRow(row: PopulationRow): StoredPopulation {
  return {
    ...row,
    composition: readStoredDocument(row.composition, z.array(storedPopulationPartSchema), {
      column: `populations.composition of ${row.id}`,
      fallback: "error",
    }),
  };
}

export type StoredStudy = Omit<StudyRow, "skill" | "sampling" | "context"> & {
  skill: StoredSkillSnapshot;
  sampling: z.infer<typeof samplingOverridesSchema>;
  context: Record<string, unknown>;
};

export function readStudyRow(row: StudyRow): StoredStudy {
  const column = (name: string) => `studies.${name} of ${row.id}`;
  return {
    ...row,
    skill: readStoredDocument(row.skill, storedSkillSchema, { column: column("skill"), fallback: "error" }),
    sampling: readStoredDocument(row.sampling, samplingOverridesSchema, {
      column: column("sampling"),
      ...noContext,
    }),
    context: readStoredDocument(row.context, contextSchema, { column: column("context"), ...noContext }),
  };
}

/** A run's answer is whatever JSON the answer spec accepted when it was recorded: parsed, not reshaped. */
export type StoredRunAnswer<Row extends Pick<StudyRunRow, "answer">> = Omit<Row, "answer"> & {
  answer: unknown;
};

export function readRunAnswer<Row extends Pick<StudyRunRow, "answer"> & { id?: string }>(
  row: Row,
): StoredRunAnswer<Row> {
  const column = `study_runs.answer${row.id ? ` of ${row.id}` : ""}`;
  return { ...row, answer: row.answer === null ? null : readStoredJson(row.answer, column) };
}
