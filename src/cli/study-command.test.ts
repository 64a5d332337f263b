import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedLoopbackURL } from "../../test/mock-upstreams.ts";
import { loadConfig } from "../config/config.ts";
import { startServer, type RunningServer } from "../server.ts";
import { ServerUnreachableError } from "./server-connection.ts";
import { Reconnection, InterruptedError } from "./study-api.ts";
import { STUDY_USAGE, studyCommand, type StudyCommandOptions } from "./study-command.ts";
import {
  createProgressDisplay,
  formatDuration,
  formatGenerationProgress,
  formatStatisticsTable,
  formatStudyProgress,
  type StudyProgress,
  type StudyStatistics,
} from "./study-display.ts";
import { parseStudySpec, validateStudySpec } from "./study-spec.ts";
import { readCsvRecords } from "../../test/csv-records.ts";

const EXAMPLE_SPEC = path.join(import.meta.dirname, "../../docs/examples/study-spec.json");

function progress(overrides: Partial<StudyProgress> = {}): StudyProgress {
  return {
    total: 1000,
    pending: 400,
    queued: 16,
    running: 67,
    answered: 507,
    invalid: 2,
    failed: 3,
    done: 512,
    rate_per_second: 41.2,
    eta_seconds: 12,
    ...overrides,
  };
}

/** A writable that records what was written, optionally posing as a terminal. */
function recorder(options: { terminal?: boolean; columns?: number } = {}) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (options.terminal) stream.isTTY = true;
  if (options.columns) stream.columns = options.columns;
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return { stream, text: () => text };
}

/** A minimal valid spec, changed by `edit`. */
function spec(edit: (value: any) => void = () => undefined): any {
  const value = {
    skill: {
      name: "Q",
      prompt: "{{persona.name}}: {{context.question}}",
      answer: { type: "likert", scale: { min: 1, max: 5 } },
    },
    cohorts: [
      {
        name: "young",
        generator: {
          age: { type: "uniform", min: 18, max: 30 },
          location: ["Lisbon"],
          occupation: ["nurse"],
        },
      },
      { name: "nurses", filter: { occupations: ["nurse"], age: { min: 40 } } },
    ],
    population: {
      name: "P",
      size: 10,
      seed: 1,
      cohorts: [
        { cohort: "young", proportion: 1 },
        { cohort: "nurses", proportion: 1 },
      ],
    },
    study: { name: "S", concurrency: 4 },
  };
  edit(value);
  return value;
}

function problemsOf(value: unknown): string[] {
  const result = validateStudySpec(value);
  return result.ok ? [] : result.problems;
}

describe("study progress rendering", () => {
  it("draws the bar line of the brief, and a plain line with a percentage for logs", () => {
    expect(formatStudyProgress(progress(), { bar: true, barWidth: 10 })).toBe(
      "[#####.....] 512/1000 done · 3 failed · 2 invalid · 41.2/s · ETA 12s",
    );
    expect(formatStudyProgress(progress(), { bar: true })).toBe(
      "[##########..........] 512/1000 done · 3 failed · 2 invalid · 41.2/s · ETA 12s",
    );
    expect(formatStudyProgress(progress(), { bar: false })).toBe(
      "51% 512/1000 done · 3 failed · 2 invalid · 41.2/s · ETA 12s",
    );
  });

  it("leaves out an unknown ETA, and the ETA once everything is done", () => {
    expect(formatStudyProgress(progress({ eta_seconds: null }), { bar: true, barWidth: 4 })).toBe(
      "[##..] 512/1000 done · 3 failed · 2 invalid · 41.2/s",
    );
    const finished = progress({ done: 1000, answered: 995, pending: 0, eta_seconds: 0, rate_per_second: 3 });
    expect(formatStudyProgress(finished, { bar: true, barWidth: 4 })).toBe(
      "[####] 1000/1000 done · 3 failed · 2 invalid · 3.0/s",
    );
    const empty = progress({ total: 0, done: 0, failed: 0, invalid: 0, eta_seconds: null });
    expect(formatStudyProgress(empty, { bar: false })).toBe("100% 0/0 done · 0 failed · 0 invalid · 41.2/s");
    expect(formatGenerationProgress(300, 1000, { bar: true, barWidth: 10 })).toBe(
      "[###.......] 300/1000 personas generated",
    );
    expect(formatGenerationProgress(7, 30, { bar: false })).toBe("23% 7/30 personas generated");
  });

  it("formats durations in seconds, minutes and hours", () => {
    expect([0, 12.4, 59.6, 61, 3599, 3600, 7620].map(formatDuration)).toEqual([
      "0s",
      "12s",
      "1m 00s",
      "1m 01s",
      "59m 59s",
      "1h 00m",
      "2h 07m",
    ]);
  });

  it("redraws in place with \\r on a terminal, clearing the rest of the line, and keeps notes apart", () => {
    const { stream, text } = recorder({ terminal: true });
    const display = createProgressDisplay({ stream, terminal: true, now: () => 0 });
    display.show((view) => formatStudyProgress(progress({ done: 10, eta_seconds: null }), view));
    display.show((view) => formatStudyProgress(progress({ done: 20, eta_seconds: null }), view));
    display.note("Lost the server; reconnecting…");
    display.finish();
    expect(text()).toBe(
      "\r[....................] 10/1000 done · 3 failed · 2 invalid · 41.2/s\u001b[K" +
        "\r[....................] 20/1000 done · 3 failed · 2 invalid · 41.2/s\u001b[K" +
        "\r\u001b[KLost the server; reconnecting…\n" +
        "\r[....................] 20/1000 done · 3 failed · 2 invalid · 41.2/s\u001b[K" +
        "\n",
    );
  });

  it("cuts a bar line that would wrap on a narrow terminal", () => {
    const { stream, text } = recorder({ terminal: true, columns: 30 });
    const display = createProgressDisplay({ stream, terminal: true, now: () => 0 });
    display.show((view) => formatStudyProgress(progress(), view));
    expect(text()).toBe("\r[##########..........] 512/1…\u001b[K");
  });

  it("prints plain lines at most every 2 s when not a terminal, and always the last state", () => {
    const { stream, text } = recorder();
    let time = 0;
    const display = createProgressDisplay({ stream, terminal: false, now: () => time });
    const show = (done: number) =>
      display.show((view) => formatStudyProgress(progress({ done, eta_seconds: null }), view));
    show(100); // printed: the first state
    time = 1000;
    show(200); // held back
    time = 1999;
    show(300); // held back
    time = 2000;
    show(400); // printed: 2 s after the last line
    time = 2500;
    show(500); // held back, then printed by finish
    display.finish();
    display.finish(); // nothing twice
    expect(text().split("\n").filter(Boolean)).toEqual([
      "10% 100/1000 done · 3 failed · 2 invalid · 41.2/s",
      "40% 400/1000 done · 3 failed · 2 invalid · 41.2/s",
      "50% 500/1000 done · 3 failed · 2 invalid · 41.2/s",
    ]);
    expect(text()).not.toContain("\r");
  });
});

describe("study statistics table", () => {
  const statistics: StudyStatistics = {
    answer_type: "likert",
    overall: {
      runs: 30,
      answered: 29,
      invalid: 1,
      failed: 0,
      mean: 3.1,
      sd: 1.2345,
      ci95: [2.64, 3.56],
      median: 3,
      distribution: null,
    },
    cohorts: [
      {
        cohort_id: "coh_1",
        cohort_name: "Young urban",
        runs: 15,
        answered: 15,
        invalid: 0,
        failed: 0,
        mean: 3.5,
        sd: 1,
        ci95: [2.95, 4.05],
        median: 4,
        distribution: null,
      },
      {
        cohort_id: "coh_2",
        cohort_name: "Old",
        runs: 15,
        answered: 14,
        invalid: 1,
        failed: 0,
        mean: null,
        sd: null,
        ci95: null,
        median: null,
        distribution: null,
      },
    ],
    test: { name: "chi_square", statistic: 9.4877, df: 4, p_value: 0.0501 },
    offline_engine: false,
  };

  it("aligns one row per cohort and one for all, then the test", () => {
    expect(formatStatisticsTable(statistics)).toEqual([
      "cohort       runs  answered  invalid  failed  mean  sd    95% CI",
      "Young urban  15    15        0        0       3.50  1.00  [2.95, 4.05]",
      "Old          15    14        1        0       -     -     -",
      "all          30    29        1        0       3.10  1.23  [2.64, 3.56]",
      "",
      "Test: chi-square = 9.49 (df 4), p = 0.050: no significant difference at the 5% level",
    ]);
  });

  it("names ANOVA with both degrees of freedom, tiny p-values, and a missing test", () => {
    const anova = formatStatisticsTable({
      ...statistics,
      answer_type: "number",
      test: { name: "anova", statistic: 12, df: [1, 28], p_value: 0.0002 },
    });
    expect(anova.at(-1)).toBe(
      "Test: ANOVA F = 12.00 (df 1, 28), p < 0.001: the cohorts differ at the 5% level",
    );
    const text = formatStatisticsTable({ ...statistics, answer_type: "text", test: null });
    expect(text.at(-1)).toBe("Test: none (text answers have no categories or numbers to compare)");
    const one = formatStatisticsTable({ ...statistics, cohorts: statistics.cohorts.slice(0, 1), test: null });
    expect(one.at(-1)).toBe("Test: none (one cohort)");
  });
});

describe("study spec validation", () => {
  it("accepts the commented example spec, dropping the comments", () => {
    const result = parseStudySpec(fs.readFileSync(EXAMPLE_SPEC, "utf8"));
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (!result.ok) return;
    expect(result.spec.cohorts.map((cohort) => cohort.name)).toEqual(["Young urban", "Rural over 50"]);
    expect(JSON.stringify(result.spec)).not.toContain('"//"');
    expect(result.spec.population).toMatchObject({
      body: { name: "Remote work panel", size: 1000, seed: 42 },
    });
    expect(result.spec.study).toMatchObject({ model: "offline/default" });
  });

  it("accepts existing objects by id", () => {
    const result = validateStudySpec({ skill_id: "skl_1", population_id: "pop_1", study: { name: "S" } });
    expect(result).toEqual({
      ok: true,
      spec: { skill: { id: "skl_1" }, cohorts: [], population: { id: "pop_1" }, study: { name: "S" } },
    });
    expect(problemsOf(spec())).toEqual([]);
    expect(
      problemsOf(
        spec((value) => {
          value.cohorts = [value.cohorts[0]];
          value.population.cohorts[1] = { cohort_id: "coh_existing", proportion: 2 };
        }),
      ),
    ).toEqual([]);
  });

  it("names the JSON path of every problem at once, in the server's words", () => {
    const problems = problemsOf(
      spec((value) => {
        value.skill.name = "";
        value.skill.prompt = "Hi {{persona.job}} {{context.question}}";
        value.skill.answer.scale = { min: 5, max: 1 };
        value.cohorts[0].generator.age.min = 3;
        delete value.cohorts[0].generator.location;
        value.cohorts[0].generator.sex = { female: 0 };
        value.cohorts[1].filter.ages = [1];
        value.population.size = 2.5;
        value.population.cohorts[1] = { cohort: "olds", proportion: 0 };
        value.study.concurrency = 300;
        value.study.requests_per_minute = 0;
      }),
    );
    expect(problems).toEqual([
      "skill.name: must not be empty",
      "skill.prompt: unknown variable {{persona.job}}; persona variables are name, age, sex, location, " +
        "occupation, traits, tags, summary",
      "skill.answer.scale.max: must be greater than min (5)",
      "cohorts[0].generator.age.min: must be between 5 and 120",
      "cohorts[0].generator.sex.female: must be a positive number",
      "cohorts[0].generator.location: is required",
      "cohorts[1].filter.ages: unknown field",
      'population.cohorts[1].cohort: no cohort named "olds" in "cohorts"; choose one of young, nurses',
      "population.size: must be a whole number",
      "population.cohorts[1].proportion: must be greater than 0",
      'cohorts[1]: "nurses" is not used by population.cohorts',
      "study.concurrency: must be 1-256",
      "study.requests_per_minute: must be at least 1",
    ]);
  });

  it("lists the fields a body takes when one is unknown, and checks names and ids the server cannot", () => {
    expect(
      problemsOf(
        spec((value) => {
          value.skill.promt = value.skill.prompt;
          delete value.skill.prompt;
          value.cohorts[1].name = "young";
          value.cohorts[1].generator = value.cohorts[0].generator;
          value.study.skill_id = "skl_1";
          value.study.retries = 2;
        }),
      ),
    ).toEqual([
      "skill.prompt: is required",
      "skill.promt: unknown field; expected one of name, description, prompt, answer, scoring, context",
      'cohorts[1]: give exactly one of "filter" (existing personas) or "generator" (new ones)',
      'cohorts[1].name: another cohort is already named "young"',
      'population.cohorts[1].cohort: no cohort named "nurses" in "cohorts"; choose one of young',
      "study.skill_id: give skill_id at the top level of the spec",
      "study.retries: unknown field; expected one of name, model, sampling, concurrency, " +
        "requests_per_minute, seed, context, invalid_retries, max_attempts",
    ]);
    expect(
      problemsOf(
        spec((value) => {
          value.population.cohorts.push({ cohort: "young", proportion: 1 }, 7);
        }),
      ),
    ).toEqual([
      "population.cohorts[3]: Invalid input: expected object, received number",
      'population.cohorts[2].cohort: "young" is already in the population',
    ]);
  });

  it("checks each answer type's own fields", () => {
    const withAnswer = (answer: unknown) => problemsOf(spec((value) => (value.skill.answer = answer)));
    expect(withAnswer({ type: "likert", scale: { min: 1, max: 3, labels: ["a", "b"] } })).toEqual([
      "skill.answer.scale.labels: must have exactly 3 entries, one for each point from 1 to 3; got 2",
    ]);
    expect(withAnswer({ type: "single_choice", options: ["Yes"] })).toEqual([
      "skill.answer.options: must have between 2 and 50 options",
    ]);
    expect(withAnswer({ type: "json" })).toEqual(["skill.answer.schema: is required"]);
    expect(withAnswer({ type: "essay" })).toEqual([
      "skill.answer.type: must be one of likert, single_choice, multiple_choice, number, text, json",
    ]);
    expect(withAnswer({ type: "number", minimum: 0, maximum: 10 })).toEqual([]);
  });

  it("explains choices between new and existing objects, and unknown top-level keys", () => {
    expect(problemsOf({ study: { name: "S" } })).toEqual([
      '(the spec): give exactly one of "skill" (a new skill) or "skill_id" (an existing one)',
      '(the spec): give exactly one of "population" (a new one) or "population_id" (an existing one)',
    ]);
    expect(
      problemsOf(
        spec((value) => {
          value.skill_id = "skl_1";
          value.populations = {};
          value.population.cohorts[0] = { cohort: "young", cohort_id: "coh_1", proportion: 1 };
          delete value.study;
        }),
      ),
    ).toEqual([
      "populations: unknown field; expected one of skill, skill_id, cohorts, population, population_id, study",
      '(the spec): give exactly one of "skill" (a new skill) or "skill_id" (an existing one)',
      'population.cohorts[0]: give exactly one of "cohort" (a name from "cohorts") or "cohort_id"',
      'study: is required: at least { "name": "…" }',
    ]);
    expect(
      problemsOf(
        spec((value) => {
          delete value.population;
          value.population_id = "population-1";
        }),
      ),
    ).toEqual([
      'cohorts: cohorts are only used by a new "population"; remove them or describe the population',
      'population_id: expected an id like pop_…, got "population-1"',
    ]);
    expect(problemsOf([1])).toEqual(["(the spec): expected an object, got [1]"]);
  });

  it("reports invalid JSON with its line and column", () => {
    const result = parseStudySpec('{\n  "skill": {}\n  "study": {}\n}');
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.problems[0]).toMatch(
      /^\(the spec\): not valid JSON: .+ at line 3, column 3$/,
    );
  });
});

describe("Reconnection", () => {
  it("waits out outages summed together, then gives up with a hint", async () => {
    let time = 0;
    const notes: string[] = [];
    const reconnection = new Reconnection({
      limitMs: 1000,
      now: () => time,
      signal: new AbortController().signal,
      initialDelayMs: 1,
      onLost: (reason) => notes.push(`lost: ${reason}`),
      onBack: () => notes.push("back"),
    });
    reconnection.giveUpHint = "check later";
    const down = new ServerUnreachableError(
      "cannot reach the server (ECONNREFUSED); start it",
      "ECONNREFUSED",
    );
    await reconnection.failed(down); // outage 1 starts at 0
    time = 600;
    await reconnection.failed(down);
    reconnection.connected(); // 600 ms spent
    time = 5000;
    await reconnection.failed(down); // outage 2 starts at 5000
    time = 5400; // 1000 ms in all: still within
    await reconnection.failed(down);
    time = 5401;
    await expect(reconnection.failed(down)).rejects.toThrow(
      "gave up after the server was unreachable for 1s in all (ECONNREFUSED); check later",
    );
    expect(notes).toEqual(["lost: ECONNREFUSED", "back", "lost: ECONNREFUSED"]);
  });

  it("rethrows what is not worth retrying, and turns an abort into InterruptedError", async () => {
    const controller = new AbortController();
    const reconnection = new Reconnection({
      limitMs: 1000,
      now: () => 0,
      signal: controller.signal,
      initialDelayMs: 1,
    });
    const notFound = new Error("not found");
    await expect(reconnection.failed(notFound)).rejects.toBe(notFound);
    controller.abort();
    await expect(reconnection.failed(new ServerUnreachableError("down"))).rejects.toBeInstanceOf(
      InterruptedError,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Against a real server, with the offline engine
// ---------------------------------------------------------------------------------------------------

const ADMIN_KEY = "dra_study_command_test_admin_key_0123456789";

interface Run {
  code: number;
  output: string;
  errorOutput: string;
  errors: string[];
  requests: string[];
}

describe("dramatis study against a running server", () => {
  let directory: string;
  let server: RunningServer;

  beforeAll(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-study-cli-"));
    server = await startServer({
      config: loadConfig({
        DRAMATIS_DATA_DIR: directory,
        PORT: "0",
        DRAMATIS_ADMIN_KEY: ADMIN_KEY,
        LOG_LEVEL: "silent",
      }),
    });
  });

  afterAll(async () => {
    await server?.stop();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  async function run(
    argv: string[],
    overrides: Partial<StudyCommandOptions> & {
      terminal?: boolean;
      onProgress?: (text: string) => void;
    } = {},
  ): Promise<Run> {
    const output = recorder();
    const errorOutput = recorder({ terminal: overrides.terminal });
    if (overrides.onProgress)
      errorOutput.stream.on("data", (chunk: Buffer) => overrides.onProgress?.(chunk.toString()));
    const errors: string[] = [];
    const requests: string[] = [];
    const recordingFetch = (request: Request) => {
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return (overrides.fetch ?? fetch)(request);
    };
    const code = await studyCommand({
      argv: [...argv, "--url", server.url, "--key", ADMIN_KEY],
      environment: {},
      output: output.stream,
      errorOutput: errorOutput.stream,
      printError: (line) => errors.push(line),
      pollIntervalMs: 20,
      ...overrides,
      fetch: recordingFetch,
    });
    return { code, output: output.text(), errorOutput: errorOutput.text(), errors, requests };
  }

  function writeSpec(name: string, value: unknown): string {
    const file = path.join(directory, name);
    fs.writeFileSync(file, JSON.stringify(value, null, 2));
    return file;
  }

  /** The example spec, shrunk to a panel of `size`. */
  function smallSpec(size: number, study: Record<string, unknown> = {}): any {
    const value = JSON.parse(fs.readFileSync(EXAMPLE_SPEC, "utf8"));
    value.population.size = size;
    value.population.name = `Panel of ${size} ${Math.random().toString(36).slice(2, 8)}`;
    value.study = { ...value.study, name: `Study of ${size}`, ...study };
    return value;
  }

  it("runs a spec to completion, then exports 30 CSV rows", async () => {
    const file = writeSpec("spec-30.json", smallSpec(30));
    const result = await run(["run", file]);
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    const lines = result.output.split("\n");
    expect(lines[0]).toMatch(/^Created skill skl_\S+ \(Remote work\)$/);
    expect(lines[1]).toMatch(/^Created cohort coh_\S+ \(Young urban\)$/);
    expect(lines[2]).toMatch(/^Created cohort coh_\S+ \(Rural over 50\)$/);
    expect(lines[3]).toMatch(/^Created population pop_\S+ \(Panel of 30 \w+, 30 personas\)$/);
    expect(lines[4]).toMatch(/^Created study std_\S+ \(Study of 30, 30 runs\)$/);
    expect(result.output).toMatch(/^cohort +runs +answered +invalid +failed +mean +sd +95% CI$/m);
    expect(result.output).toMatch(/^Young urban +15 +/m);
    expect(result.output).toMatch(/^Rural over 50 +15 +/m);
    expect(result.output).toMatch(/^all +30 +/m);
    expect(result.output).toMatch(/^Test: /m);
    const studyId = /Study (std_\S+) completed: (\d+) answered, (\d+) invalid, (\d+) failed of 30/.exec(
      result.output,
    );
    expect(studyId).not.toBeNull();
    // Not a terminal: plain progress lines, the last one complete.
    expect(result.errorOutput).not.toContain("\r");
    expect(result.errorOutput).toMatch(/^100% 30\/30 done · \d+ failed · \d+ invalid/m);
    // The offline engine answered (no model configured): said on stderr, beside the data on stdout.
    expect(result.errorOutput).toContain("Warning: Demo engine: answers are canned, not a real model.");
    expect(result.output).not.toContain("Demo engine");

    const id = studyId?.[1] as string;
    const csv = await run(["results", id, "--format", "csv"]);
    expect(csv.code).toBe(0);
    const rows = readCsvRecords(csv.output);
    expect(rows[0]?.slice(0, 3)).toEqual(["run_id", "persona_id", "persona_name"]);
    expect(rows.slice(1)).toHaveLength(30);
    const statusColumn = rows[0]?.indexOf("status") ?? -1;
    expect(new Set(rows.slice(1).map((row) => row[statusColumn]))).not.toContain("pending");
    const offlineColumn = rows[0]?.indexOf("offline_engine") ?? -1;
    expect(new Set(rows.slice(1).map((row) => row[offlineColumn]))).toEqual(new Set(["true"]));
    expect(csv.errorOutput).toContain("Warning: Demo engine");

    const jsonFile = path.join(directory, "results.json");
    const json = await run(["results", id, "--format", "json", "--output", jsonFile]);
    expect(json).toMatchObject({ code: 0, output: "" });
    expect(json.errorOutput.split("\n")).toEqual([
      expect.stringMatching(/^Warning: Demo engine: answers are canned/),
      `Wrote the json results of ${id} to ${jsonFile}`,
      "",
    ]);
    const exported = JSON.parse(fs.readFileSync(jsonFile, "utf8"));
    expect(exported.study.id).toBe(id);
    expect(exported).toMatchObject({ offline_engine: true, study: { offline_engine: true } });
    expect(exported.results).toHaveLength(30);

    const table = await run(["results", id]);
    expect(table.code).toBe(0);
    expect(table.output).toMatch(new RegExp(`^Study +${id} \\(Study of 30\\)$`, "m"));
    expect(table.output).toMatch(/^Status +completed/m);
    expect(table.output).toMatch(/^Young urban +15 +/m);
    expect(table.output).toMatch(/^Answered by +offline\/default \(demo engine: canned answers\)$/m);
    expect(table.errorOutput).toContain("Warning: Demo engine");

    const status = await run(["status", id]);
    expect(status.output).toMatch(/^Progress +100% 30\/30 done/m);
    expect(status.errorOutput).toContain("Warning: Demo engine");
    const raw = await run(["status", id, "--json"]);
    expect(JSON.parse(raw.output)).toMatchObject({
      id,
      status: "completed",
      progress: { total: 30, done: 30 },
      offline_engine: true,
    });
    expect(raw.errorOutput).toBe("");

    const list = await run(["list"]);
    expect(list.output.split("\n")[0]).toMatch(/^id +name +status +done +answered by +created$/);
    expect(list.output).toMatch(
      new RegExp(`^${id} +Study of 30 +completed +30/30 +DEMO \\(offline engine\\) `, "m"),
    );
    expect(list.errorOutput).toContain(`Warning (${id}): Demo engine`);
  });

  it("reconnects when the event stream is refused and when it breaks mid-study, on a terminal", async () => {
    const file = writeSpec("spec-slow.json", smallSpec(20, { requests_per_minute: 600 }));
    let eventConnections = 0;
    const flakyFetch = async (request: Request) => {
      if (!request.url.endsWith("/events")) return fetch(request);
      eventConnections += 1;
      if (eventConnections === 1) throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
      const response = await fetch(request);
      if (eventConnections > 2 || !response.body) return response;
      // The second connection breaks after its first event, as when the server restarts.
      const reader = response.body.getReader();
      const first = await reader.read();
      const broken = new ReadableStream<Uint8Array>({
        start(controller) {
          if (first.value) controller.enqueue(first.value);
          controller.error(new TypeError("terminated"));
          void reader.cancel();
        },
      });
      return new Response(broken, { status: 200, headers: response.headers });
    };
    const result = await run(["run", file], { fetch: flakyFetch, terminal: true });
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(eventConnections).toBeGreaterThanOrEqual(3);
    expect(result.errorOutput).toContain("Lost the server (ECONNREFUSED); reconnecting…");
    expect(result.errorOutput).toContain("Reconnected to the server.");
    expect(result.errorOutput).toContain("\r[");
    expect(result.errorOutput).toMatch(/\r\[#{20}\] 20\/20 done/);
    expect(result.output).toMatch(/Study std_\S+ completed: /);
  });

  it("stops following on Ctrl-C with exit 130, leaving the study running; cancel and resume it", async () => {
    const file = writeSpec("spec-interrupt.json", smallSpec(20, { requests_per_minute: 60, concurrency: 1 }));
    const controller = new AbortController();
    const result = await run(["run", file], {
      interrupt: controller.signal,
      onProgress: (text) => {
        if (/ done · /.test(text)) controller.abort();
      },
    });
    expect(result.code).toBe(130);
    const id = /Created study (std_\S+)/.exec(result.output)?.[1] as string;
    expect(result.errorOutput).toContain(
      `Stopped following ${id}; the study keeps running on the server. Cancel it with \`dramatis study cancel ${id}\``,
    );
    expect(JSON.parse((await run(["status", id, "--json"])).output).status).toBe("running");

    const cancelled = await run(["cancel", id]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.output).toMatch(
      new RegExp(`^Study ${id} is cancelled \\(\\d+/20 done\\); .dramatis study resume ${id}.`),
    );
    const resumed = await run(["resume", id, "--retry-failed"]);
    expect(resumed.output).toMatch(new RegExp(`^Study ${id} is running `));
    expect(resumed.requests).toContain(`POST /v1/studies/${id}/resume`);
    expect((await run(["cancel", id, "--json"])).output).toMatch(/"status":"cancelled"/);
  });

  it("rejects a bad spec before any request, and names the spec part the server rejected", async () => {
    const bad = await run([
      "run",
      writeSpec(
        "bad.json",
        spec((value) => (value.study.concurrency = 0)),
      ),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.errors).toEqual([
      `dramatis study: ${path.join(directory, "bad.json")} is not a valid study spec; nothing was created:\n` +
        "  study.concurrency: must be 1-256",
    ]);
    expect(bad.requests).toEqual([]);

    const missing = await run(["run", path.join(directory, "nope.json")]);
    expect(missing.errors).toEqual([
      `dramatis study: cannot read ${path.join(directory, "nope.json")}: no such file or directory`,
    ]);

    // No persona is an astronaut: the server refuses to fill the filter cohort.
    const tooFew = spec((value) => {
      value.cohorts[1].filter = { occupations: ["astronaut"] };
    });
    const rejected = await run(["run", writeSpec("too-few.json", tooFew)]);
    expect(rejected.code).toBe(1);
    expect(rejected.errors).toHaveLength(1);
    expect(rejected.errors[0]).toMatch(/^dramatis study: population was rejected: .+/);
    expect(rejected.output).toMatch(/^Created cohort coh_\S+ \(nurses\)$/m);
  });

  it("explains command-line mistakes, unknown studies, a bad key and a server that is down", async () => {
    const unknown = await run(["status", "std_nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.errors[0]).toMatch(/^dramatis study: .*std_nope/);

    const badKey = await run(["list"], { argv: ["list", "--url", server.url, "--key", "dra_wrong"] });
    expect(badKey.code).toBe(1);
    expect(badKey.errors[0]).toMatch(/\(check --key or DRAMATIS_API_KEY\)$/);

    const usage = async (...argv: string[]) => (await run(argv)).errors[0];
    expect(await usage("frobnicate")).toBe(
      "dramatis study: unknown study command frobnicate: expected run, status, cancel, resume, results, list",
    );
    expect(await usage("status")).toBe("dramatis study: usage: dramatis study status ID");
    expect(await usage("results", "std_1", "--format", "xml")).toBe(
      "dramatis study: --format: expected table, csv or json, got xml",
    );
    expect(await usage("status", "std_1", "--detach")).toBe(
      "dramatis study: --detach only applies to study run",
    );
    expect(await usage("results", "std_1", "--json")).toBe(
      "dramatis study: --json does not apply to study results; use --format json",
    );
    expect(await usage("run", "spec.json", "--timeout", "soon")).toBe(
      "dramatis study: --timeout: expected a number of seconds above 0, got soon",
    );
    expect((await run(["run", "x.json", "--bogus"])).code).toBe(2);

    const withoutKey = async (argv: string[]) => {
      const errors: string[] = [];
      const code = await studyCommand({
        argv,
        environment: {},
        output: recorder().stream,
        errorOutput: recorder().stream,
        printError: (line) => errors.push(line),
      });
      return { code, errors };
    };
    const noKey = await withoutKey(["list"]);
    expect(noKey.code).toBe(2);
    expect(noKey.errors[0]).toMatch(
      /^dramatis study: an API key is needed: pass --key KEY or set DRAMATIS_API_KEY/,
    );
    // The command line, and a spec, are checked before the key is needed.
    expect((await withoutKey(["status"])).errors).toEqual([
      "dramatis study: usage: dramatis study status ID",
    ]);
    const badSpec = writeSpec(
      "keyless.json",
      spec((value) => delete value.study),
    );
    expect((await withoutKey(["run", badSpec])).errors[0]).toContain(
      'study: is required: at least { "name": "…" }',
    );

    const closed = (await closedLoopbackURL()).replace(/\/v1$/, "");
    const down = await run(["list"], { argv: ["list", "--url", closed, "--key", ADMIN_KEY] });
    expect(down.code).toBe(1);
    expect(down.errors).toEqual([
      `dramatis study: cannot reach the Dramatis server at ${closed} (ECONNREFUSED); ` +
        "start it with `dramatis serve` or point --url / DRAMATIS_URL at it",
    ]);
  });

  it("has usage lines in the style of dramatis --help", () => {
    expect(STUDY_USAGE).toMatch(/^ {2}study run SPEC\.json \[--detach\] \[--timeout SECONDS\]\n/);
    for (const action of ["status ID", "cancel ID", "resume ID [--retry-failed]", "results ID", "list"]) {
      expect(STUDY_USAGE).toContain(`study ${action}`);
    }
  });
});
