import type { z } from "zod";
import type { Schema } from "@dramatis/sdk";
import { answerSpecSchema, checkSkillAnswer, scoringSchema } from "../research/answer-spec.ts";
import { checkPromptTemplate } from "../research/prompt-template.ts";
import { cohortInputSchema } from "../services/research/cohort-service.ts";
import { populationInputSchema } from "../services/research/population-service.ts";
import { skillInputSchema } from "../services/research/skill-service.ts";
import { studyInputSchema } from "../services/research/study-service.ts";

/*
 * The spec file of `dramatis study run`: one JSON document naming (or describing) the skill, the cohorts,
 * the population and the study. It is checked here, before anything is sent to the server, so a mistake
 * costs no generated personas; every problem names its JSON path (`population.cohorts[1].cohort`).
 * Each body is checked with the schemas the server itself validates requests with, so the two agree;
 * what only the server can know (which personas a filter matches) is still its to report.
 */

type JsonObject = Record<string, unknown>;

/** A key in any object of a spec that is a comment: dropped before validation (JSON has no comments). */
const COMMENT_KEY = "//";
const TOP_LEVEL_KEYS = ["skill", "skill_id", "cohorts", "population", "population_id", "study"];
const POPULATION_MEMBER_KEYS = ["cohort", "cohort_id", "proportion"];
/** Stands in for the id of an object the spec creates, so its reference can be checked before it exists. */
const PLACEHOLDER_ID = "placeholder";

/**
 * A validated spec: the bodies are sent as they are; cohort names become ids as the cohorts are created.
 * It is only returned when every body passed the schema the server validates it with, so each body has
 * its request's type.
 */
export interface StudySpec {
  skill: { body: Schema<"SkillInput"> } | { id: string };
  cohorts: { name: string; body: Schema<"CohortInput"> }[];
  population:
    { body: Omit<Schema<"PopulationInput">, "cohorts">; cohorts: PopulationMember[] } | { id: string };
  /** The body of POST /v1/studies without skill_id and population_id. */
  study: Omit<Schema<"StudyInput">, "skill_id" | "population_id">;
}

/** One of a new population's cohorts: a cohort of the spec by name, or an existing one by id. */
export interface PopulationMember {
  reference: { cohort: string } | { cohort_id: string };
  proportion: number;
}

export type StudySpecValidation = { ok: true; spec: StudySpec } | { ok: false; problems: string[] };

/** Every problem of a spec, each as `json.path: what is wrong`. */
class SpecProblems {
  readonly list: string[] = [];

  add(at: string, message: string): void {
    this.list.push(`${at || "(the spec)"}: ${message}`);
  }

  object(value: unknown, at: string): JsonObject | undefined {
    if (isObject(value)) return value;
    this.add(at, value === undefined ? "is required" : `expected an object, got ${describeValue(value)}`);
    return undefined;
  }

  knownKeys(object: JsonObject, at: string, allowed: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) {
        this.add(childPath(at, key), `unknown field; expected one of ${allowed.join(", ")}`);
      }
    }
  }

  /** Checks a request body against the server's schema; true when it passed. */
  schema(schema: z.ZodObject, value: unknown, at: string, options: { hiddenKeys?: string[] } = {}): boolean {
    const result = schema.safeParse(value);
    if (result.success) return true;
    const hidden = options.hiddenKeys ?? [];
    for (const issue of result.error.issues) {
      const where = issue.path.reduce<string>((path, key) => childPath(path, key), at);
      if (issue.code === "unrecognized_keys") {
        // At the top of a body the allowed fields are known; deeper down the schema's message says enough.
        const fields = Object.keys(schema.shape).filter((key) => !hidden.includes(key));
        const expected = issue.path.length === 0 ? `; expected one of ${fields.join(", ")}` : "";
        for (const key of issue.keys) this.add(childPath(where, key), `unknown field${expected}`);
      } else {
        const missing = valueAt(value, issue.path) === undefined;
        this.add(where, missing ? "is required" : issue.message);
      }
    }
    return false;
  }
}

/**
 * Checks a parsed spec file before anything is sent to the server; every problem names its JSON path.
 * Keys named "//" anywhere are comments and are dropped.
 *
 * @example
 * const result = validateStudySpec(JSON.parse(text));
 * if (!result.ok) console.error(result.problems.join("\n"));
 */
export function validateStudySpec(input: unknown): StudySpecValidation {
  const problems = new SpecProblems();
  const root = problems.object(withoutComments(input), "");
  if (!root) return { ok: false, problems: problems.list };
  problems.knownKeys(root, "", TOP_LEVEL_KEYS);
  const skill = checkSkill(root, problems);
  const cohorts = checkCohorts(root.cohorts, problems);
  const population = checkPopulation(root, cohorts, problems);
  const study = checkStudy(root.study, problems);
  if (problems.list.length > 0 || !skill || !population || !study) {
    return { ok: false, problems: problems.list };
  }
  return { ok: true, spec: { skill, cohorts, population, study } };
}

/**
 * Parses and validates the text of a spec file; invalid JSON is one problem naming its line and column.
 *
 * @example
 * const result = parseStudySpec(await fs.promises.readFile("spec.json", "utf8"));
 */
export function parseStudySpec(text: string): StudySpecValidation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problems: [`(the spec): not valid JSON: ${describeJsonError(error as Error, text)}`],
    };
  }
  return validateStudySpec(parsed);
}

function checkSkill(root: JsonObject, problems: SpecProblems): StudySpec["skill"] | undefined {
  if ((root.skill === undefined) === (root.skill_id === undefined)) {
    problems.add("", 'give exactly one of "skill" (a new skill) or "skill_id" (an existing one)');
    return undefined;
  }
  if (root.skill_id !== undefined) {
    const id = checkId(root.skill_id, "skill_id", "skl_", problems);
    return id === undefined ? undefined : { id };
  }
  const skill = problems.object(root.skill, "skill");
  if (!skill) return undefined;
  const valid = problems.schema(skillInputSchema, skill, "skill");
  // The rules the server checks after the schema (template variables, one label per point), checked
  // wherever their fields are sound, so one bad name does not hide a bad prompt.
  const errors =
    typeof skill.prompt === "string" && skill.prompt.trim() ? checkPromptTemplate(skill.prompt, "any") : [];
  const answer = answerSpecSchema.safeParse(skill.answer);
  const scoring = scoringSchema.nullable().optional().safeParse(skill.scoring);
  if (answer.success && scoring.success)
    errors.push(...checkSkillAnswer(answer.data, scoring.data ?? undefined));
  for (const error of errors) problems.add(`skill.${error.field}`, error.message);
  return valid && errors.length === 0 ? { body: skill as Schema<"SkillInput"> } : undefined;
}

function checkCohorts(value: unknown, problems: SpecProblems): StudySpec["cohorts"] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add("cohorts", `expected an array of cohorts, got ${describeValue(value)}`);
    return [];
  }
  const cohorts: StudySpec["cohorts"] = [];
  value.forEach((item, index) => {
    const at = `cohorts[${index}]`;
    const cohort = problems.object(item, at);
    if (!cohort) return;
    const hasFilter = cohort.filter !== undefined && cohort.filter !== null;
    const hasGenerator = cohort.generator !== undefined && cohort.generator !== null;
    if (hasFilter === hasGenerator) {
      problems.add(at, 'give exactly one of "filter" (existing personas) or "generator" (new ones)');
    }
    problems.schema(cohortInputSchema, cohort, at);
    const name = typeof cohort.name === "string" ? cohort.name.trim() : "";
    if (name && cohorts.some((other) => other.name === name)) {
      problems.add(`${at}.name`, `another cohort is already named "${name}"`);
    } else if (name) {
      // Kept even when invalid, so population.cohorts can still name it; the spec fails on the problem.
      cohorts.push({ name, body: cohort as Schema<"CohortInput"> });
    }
  });
  return cohorts;
}

function checkPopulation(
  root: JsonObject,
  cohorts: StudySpec["cohorts"],
  problems: SpecProblems,
): StudySpec["population"] | undefined {
  if ((root.population === undefined) === (root.population_id === undefined)) {
    problems.add("", 'give exactly one of "population" (a new one) or "population_id" (an existing one)');
    return undefined;
  }
  if (root.population_id !== undefined) {
    if (cohorts.length > 0) {
      problems.add(
        "cohorts",
        'cohorts are only used by a new "population"; remove them or describe the population',
      );
    }
    const id = checkId(root.population_id, "population_id", "pop_", problems);
    return id === undefined ? undefined : { id };
  }
  const population = problems.object(root.population, "population");
  if (!population) return undefined;
  const entries: unknown[] = Array.isArray(population.cohorts) ? population.cohorts : [];
  const names = cohorts.map((cohort) => cohort.name);
  const members = entries.map((entry, index) =>
    checkPopulationMember(entry, `population.cohorts[${index}]`, names, problems),
  );
  // The server's schema sees what will be sent: named cohorts stand in with a placeholder id.
  const wire = Array.isArray(population.cohorts)
    ? {
        ...population,
        cohorts: members.map((member, index) =>
          member ? toWireMember(member) : toWireEntry(entries[index]),
        ),
      }
    : population;
  problems.schema(populationInputSchema, wire, "population");
  members.forEach((member, index) => {
    const reference = member?.reference;
    if (!reference || !("cohort" in reference)) return;
    const earlier = members.slice(0, index).some((other) => sameCohort(other, reference.cohort));
    if (earlier)
      problems.add(
        `population.cohorts[${index}].cohort`,
        `"${reference.cohort}" is already in the population`,
      );
  });
  cohorts.forEach((cohort, index) => {
    // Judged on the entries as written, so a faulty entry naming the cohort does not also count as missing.
    const used = entries.some((entry) => isObject(entry) && entry.cohort === cohort.name);
    if (!used) {
      problems.add(`cohorts[${index}]`, `"${cohort.name}" is not used by population.cohorts`);
    }
  });
  if (members.some((member) => member === undefined)) return undefined;
  const { cohorts: _members, ...body } = population as Schema<"PopulationInput">;
  return { body, cohorts: members as PopulationMember[] };
}

function checkPopulationMember(
  value: unknown,
  at: string,
  names: string[],
  problems: SpecProblems,
): PopulationMember | undefined {
  if (!isObject(value)) return undefined; // the schema reports it
  problems.knownKeys(value, at, POPULATION_MEMBER_KEYS);
  if ((value.cohort === undefined) === (value.cohort_id === undefined)) {
    problems.add(at, 'give exactly one of "cohort" (a name from "cohorts") or "cohort_id"');
    return undefined;
  }
  if (value.cohort_id !== undefined) {
    const id = checkId(value.cohort_id, `${at}.cohort_id`, "coh_", problems);
    // The proportion is checked with the population's schema.
    return id === undefined
      ? undefined
      : { reference: { cohort_id: id }, proportion: value.proportion as number };
  }
  const name = typeof value.cohort === "string" ? value.cohort.trim() : "";
  if (!names.includes(name)) {
    const choices = names.length ? `choose one of ${names.join(", ")}` : '"cohorts" defines none';
    problems.add(`${at}.cohort`, `no cohort named ${describeValue(value.cohort)} in "cohorts"; ${choices}`);
    return undefined;
  }
  return { reference: { cohort: name }, proportion: value.proportion as number };
}

function toWireMember(member: PopulationMember): { cohort_id: string; proportion: number } {
  const { reference, proportion } = member;
  return { cohort_id: "cohort_id" in reference ? reference.cohort_id : PLACEHOLDER_ID, proportion };
}

/** An entry that is not a valid member: its proportion is still checked; a non-object is left to the schema. */
function toWireEntry(entry: unknown): unknown {
  return isObject(entry) ? { cohort_id: PLACEHOLDER_ID, proportion: entry.proportion } : entry;
}

function sameCohort(member: PopulationMember | undefined, name: string): boolean {
  return member !== undefined && "cohort" in member.reference && member.reference.cohort === name;
}

function checkStudy(value: unknown, problems: SpecProblems): StudySpec["study"] | undefined {
  if (value === undefined) {
    problems.add("study", 'is required: at least { "name": "…" }');
    return undefined;
  }
  const study = problems.object(value, "study");
  if (!study) return undefined;
  for (const key of ["skill_id", "population_id"]) {
    if (study[key] !== undefined) problems.add(`study.${key}`, `give ${key} at the top level of the spec`);
  }
  const wire = { ...study, skill_id: PLACEHOLDER_ID, population_id: PLACEHOLDER_ID };
  const valid = problems.schema(studyInputSchema, wire, "study", {
    hiddenKeys: ["skill_id", "population_id"],
  });
  return valid ? (study as StudySpec["study"]) : undefined;
}

function checkId(value: unknown, at: string, prefix: string, problems: SpecProblems): string | undefined {
  if (typeof value === "string" && value.startsWith(prefix) && value.length > prefix.length) return value;
  problems.add(at, `expected an id like ${prefix}…, got ${describeValue(value)}`);
  return undefined;
}

function withoutComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutComments);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== COMMENT_KEY)
      .map(([key, item]) => [key, withoutComments(item)]),
  );
}

/** The value at a schema issue's path, or undefined when the path leads nowhere. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `skill.answer`, `cohorts[0]`, `generator.location["Lisbon, Portugal"]`. */
function childPath(at: string, key: PropertyKey): string {
  if (typeof key === "number") return `${at}[${key}]`;
  const text = String(key);
  if (!/^[A-Za-z_]\w*$/.test(text)) return `${at}[${JSON.stringify(text)}]`;
  return at ? `${at}.${text}` : text;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** JSON.parse names a character position; people look for a line and a column. */
function describeJsonError(error: Error, text: string): string {
  const position = /position (\d+)/.exec(error.message);
  if (!position) return error.message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `${error.message.replace(/ in JSON at position \d+.*$/, "")} at line ${line}, column ${column}`;
}
