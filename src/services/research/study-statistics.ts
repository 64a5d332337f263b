import { answerCategories, categoriesOf, type AnswerSpec } from "../../research/answer-spec.ts";
import {
  chiSquareIndependence,
  describeNumbers,
  distribution,
  oneWayAnova,
} from "../../research/statistics.ts";
import type { StudyRunRow } from "../../store/schema.ts";

/** One group's figures: the runs, and the statistics of its valid answers' scores. */
export interface GroupStatistics {
  runs: number;
  answered: number;
  invalid: number;
  failed: number;
  mean: number | null;
  sd: number | null;
  ci95: [number, number] | null;
  median: number | null;
  distribution: { value: string; count: number; share: number }[] | null;
}

export type BetweenCohortTest =
  | { name: "chi_square"; statistic: number; df: number; p_value: number }
  | { name: "anova"; statistic: number; df: [number, number]; p_value: number }
  | null;

export interface StudyStatistics {
  answer_type: AnswerSpec["type"];
  overall: GroupStatistics;
  cohorts: (GroupStatistics & { cohort_id: string; cohort_name: string })[];
  test: BetweenCohortTest;
}

/** A run's outcome; `answer` is the parsed JSON the run recorded (null when it has none). */
type Outcome = Pick<StudyRunRow, "cohort_id" | "cohort_name" | "status" | "score"> & { answer: unknown };

function describeGroup(answer: AnswerSpec, outcomes: readonly Outcome[]): GroupStatistics {
  const answered = outcomes.filter((outcome) => outcome.status === "answered");
  const scores = answered.flatMap((outcome) => (outcome.score === null ? [] : [Number(outcome.score)]));
  const categories = answerCategories(answer);
  const numbers = describeNumbers(scores);
  return {
    runs: outcomes.length,
    answered: answered.length,
    invalid: outcomes.filter((outcome) => outcome.status === "invalid").length,
    failed: outcomes.filter((outcome) => outcome.status === "failed").length,
    mean: numbers.mean,
    sd: numbers.sd,
    ci95: numbers.ci95,
    median: numbers.median,
    distribution:
      categories === null
        ? null
        : distribution(
            categories,
            answered.flatMap((outcome) => categoriesOf(answer, outcome.answer)),
          ),
  };
}

/**
 * Per-cohort and overall statistics of a study's answers, and a test of whether cohorts differ:
 * chi-square over the answer categories for Likert and choice answers, one-way ANOVA over scores for
 * numbers. Cohorts come in the order of their first run.
 */
export function computeStudyStatistics(answer: AnswerSpec, outcomes: readonly Outcome[]): StudyStatistics {
  const byCohort = new Map<string, { name: string; outcomes: Outcome[] }>();
  for (const outcome of outcomes) {
    const group = byCohort.get(outcome.cohort_id) ?? { name: outcome.cohort_name, outcomes: [] };
    group.outcomes.push(outcome);
    byCohort.set(outcome.cohort_id, group);
  }
  const cohorts = [...byCohort.entries()].map(([cohortId, group]) => ({
    cohort_id: cohortId,
    cohort_name: group.name,
    ...describeGroup(answer, group.outcomes),
  }));
  return {
    answer_type: answer.type,
    overall: describeGroup(answer, outcomes),
    cohorts,
    test: testBetween(answer, cohorts, byCohort),
  };
}

function testBetween(
  answer: AnswerSpec,
  cohorts: readonly (GroupStatistics & { cohort_id: string })[],
  byCohort: ReadonlyMap<string, { outcomes: Outcome[] }>,
): BetweenCohortTest {
  if (cohorts.length < 2) return null;
  if (answerCategories(answer) !== null) {
    const table = cohorts.map((cohort) => (cohort.distribution ?? []).map((entry) => entry.count));
    const result = chiSquareIndependence(table);
    return result ? { name: "chi_square", ...result } : null;
  }
  if (answer.type === "number") {
    const groups = cohorts.map((cohort) =>
      (byCohort.get(cohort.cohort_id)?.outcomes ?? []).flatMap((outcome) =>
        outcome.status === "answered" && outcome.score !== null ? [Number(outcome.score)] : [],
      ),
    );
    const result = oneWayAnova(groups);
    return result ? { name: "anova", ...result } : null;
  }
  return null;
}
