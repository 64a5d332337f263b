import {
  answerSpecSchema as plainAnswerSpecSchema,
  jsonAnswerSchema,
  likertAnswerSchema,
  multipleChoiceAnswerSchema,
  numberAnswerSchema,
  scoringSchema as plainScoringSchema,
  singleChoiceAnswerSchema,
  textAnswerSchema,
  DEFAULT_TEXT_MAX_LENGTH,
} from "../../research/answer-spec.ts";
import {
  cohortFilterSchema as plainCohortFilterSchema,
  cohortGeneratorSchema as plainCohortGeneratorSchema,
  normalAgeSchema,
  uniformAgeSchema,
} from "../../research/cohort-spec.ts";
import {
  cohortInputSchema as plainCohortInputSchema,
  cohortPatchSchema as plainCohortPatchSchema,
} from "../../services/research/cohort-service.ts";
import { populationInputSchema as plainPopulationInputSchema } from "../../services/research/population-service.ts";
import {
  contextValuesSchema,
  skillInputSchema as plainSkillInputSchema,
  skillPatchSchema as plainSkillPatchSchema,
} from "../../services/research/skill-service.ts";
import { studyInputSchema as plainStudyInputSchema } from "../../services/research/study-service.ts";
import { SEXES } from "../../domain/persona-definition.ts";
import { documentSchema } from "../openapi-documentation.ts";
// A study's sampling refers to the persona's SamplingParameters component.
import "./persona-schemas.ts";

/*
 * The OpenAPI face of the research schemas (answers, scoring, cohorts, skills, populations, studies):
 * component names and descriptions. Routes import these schemas from here.
 */

// Answers and scoring
documentSchema(likertAnswerSchema.shape.scale.shape.labels, {
  description: "One label per point, from min to max",
});
documentSchema(likertAnswerSchema, "LikertAnswer", {
  description: "A whole number on a scale from min to max",
});
documentSchema(singleChoiceAnswerSchema, "SingleChoiceAnswer", { description: "Exactly one of the options" });
documentSchema(multipleChoiceAnswerSchema.shape.min_choices, { description: "Default 1" });
documentSchema(multipleChoiceAnswerSchema.shape.max_choices, {
  description: "Default: the number of options",
});
documentSchema(multipleChoiceAnswerSchema, "MultipleChoiceAnswer", {
  description: "A list of distinct options",
});
documentSchema(numberAnswerSchema.shape.integer, { description: "Whole numbers only; default false" });
documentSchema(numberAnswerSchema, "NumberAnswer", {
  description: "A number between minimum and maximum, both included",
});
documentSchema(textAnswerSchema.shape.max_length, {
  description: `In characters; default ${DEFAULT_TEXT_MAX_LENGTH}`,
});
documentSchema(textAnswerSchema, "TextAnswer", { description: "Free text" });
documentSchema(jsonAnswerSchema.shape.schema, {
  description: "A JSON schema (draft-07, 2019-09 or 2020-12) the answer must match",
});
documentSchema(jsonAnswerSchema, "JsonAnswer", { description: "Any JSON value matching the schema" });
export const answerSpecSchema = documentSchema(plainAnswerSpecSchema, "AnswerSpec");

documentSchema(plainScoringSchema.shape.reverse, {
  description: "Likert only: score max + min − value instead of the value",
});
documentSchema(plainScoringSchema.shape.weights, {
  description: "Choice answers: the score of each option (multiple choice: summed)",
});
documentSchema(plainScoringSchema.shape.correct, {
  description: "Choice answers: score 1 when the answer is right, else 0",
});
export const scoringSchema = documentSchema(plainScoringSchema, "Scoring");

// Cohorts
// A sex value is a refined string (see categorical in cohort-spec.ts): the document lists the values.
const sexValueSchema = plainCohortGeneratorSchema.shape.sex.unwrap().options[0].element;
documentSchema(sexValueSchema, { enum: [...SEXES] });
documentSchema(uniformAgeSchema, "UniformAge");
documentSchema(normalAgeSchema, "NormalAge", {
  description: "Drawn from a normal distribution, rounded and clamped to [min, max]",
});
documentSchema(plainCohortGeneratorSchema.shape.traits, {
  description: "Default: 3-4 traits from the built-in list",
});
export const cohortGeneratorSchema = documentSchema(plainCohortGeneratorSchema, "CohortGenerator", {
  description: "A recipe for new personas; categorical fields are lists (equal weights) or value: weight",
});

documentSchema(plainCohortFilterSchema.shape.age, {
  description: "Inclusive bounds; personas without an age do not match",
});
documentSchema(plainCohortFilterSchema.shape.sexes, { description: "Any of these" });
documentSchema(plainCohortFilterSchema.shape.locations, {
  description: "The location contains any of these",
});
documentSchema(plainCohortFilterSchema.shape.occupations, {
  description: "The occupation contains any of these",
});
documentSchema(plainCohortFilterSchema.shape.traits, {
  description: "All of these, among the persona's tags",
});
documentSchema(plainCohortFilterSchema.shape.tags, { description: "Any of these" });
export const cohortFilterSchema = documentSchema(plainCohortFilterSchema, "CohortFilter", {
  description: "Matches existing personas; text matching ignores case",
});

export const cohortInputSchema = documentSchema(plainCohortInputSchema, "CohortInput", {
  description: "Exactly one of filter and generator",
});
export const cohortPatchSchema = documentSchema(plainCohortPatchSchema, "CohortPatch");

// Skills
documentSchema(contextValuesSchema, { description: "Values for {{context.<key>}} variables" });
// The input and the patch share the prompt's schema instance.
documentSchema(plainSkillInputSchema.shape.prompt, {
  description: "Template with {{persona.*}} and {{context.*}} variables",
});
export const skillInputSchema = documentSchema(plainSkillInputSchema, "SkillInput");
export const skillPatchSchema = documentSchema(plainSkillPatchSchema, "SkillPatch");

// Populations and studies
documentSchema(plainPopulationInputSchema.shape.seed, {
  description: "The same seed, cohorts and size give the same personas; default: random",
});
documentSchema(plainPopulationInputSchema.shape.reference_date, {
  description:
    "'Now' for every generated life (ages and event dates count back from it); default: the creation time. Give the same one to regenerate identical timelines.",
});
export const populationInputSchema = documentSchema(plainPopulationInputSchema, "PopulationInput");

documentSchema(plainStudyInputSchema.shape.model, {
  description: "Every run's model; null: each persona's own",
});
export const studyInputSchema = documentSchema(plainStudyInputSchema, "StudyInput");
