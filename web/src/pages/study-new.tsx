import { useEffect, useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { studyKeys } from "../lib/query-keys-studies.ts";
import { Link, navigate, useLocation } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { SettingsField } from "../components/settings-field.tsx";
import { ModelPicker } from "../components/model-picker.tsx";
import { useAction } from "../components/settings-use-action.tsx";
import {
  StudyContextRows,
  contextFromRows,
  contextRowsFrom,
  type ContextRow,
} from "../components/study-context-rows.tsx";
import { StudyFormProblem, errorUnder } from "../components/study-field.tsx";
import { useStudyPageTitle } from "../components/study-page-title.tsx";
import { usePopulations, useSkills } from "../components/study-queries.ts";
import { answerTypeLabel, optionalNumber } from "../components/study-format.ts";

const SHOWN_FIELDS = [
  "name",
  "skill_id",
  "population_id",
  "model",
  "concurrency",
  "requests_per_minute",
  "seed",
  "context",
  "invalid_retries",
];

/**
 * /studies/new (optionally ?skill=…&population=…): pick a skill and a ready population, tune how the
 * study runs, override the skill's context, and start it.
 */
export function StudyNewPage() {
  useStudyPageTitle("New study · Studies");
  const { search } = useLocation();
  const skillList = useSkills();
  const populationList = usePopulations();
  const choicesError = skillList.error ?? populationList.error;
  const queryClient = useQueryClient();

  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [skillId, setSkillId] = useState(search.get("skill") ?? "");
  const [populationId, setPopulationId] = useState(search.get("population") ?? "");
  const [model, setModel] = useState<string | null>(null);
  const [concurrency, setConcurrency] = useState("8");
  const [requestsPerMinute, setRequestsPerMinute] = useState("");
  const [seed, setSeed] = useState("");
  const [invalidRetries, setInvalidRetries] = useState("2");
  const [context, setContext] = useState<ContextRow[]>([]);
  const action = useAction();

  const skills = skillList.data ?? [];
  const populations = populationList.data ?? [];
  const skill = skills.find((item) => item.id === skillId);
  const population = populations.find((item) => item.id === populationId);

  // Once the lists arrive, start from the first skill and the first ready population if none is chosen.
  useEffect(() => {
    if (!skillList.data || !populationList.data) return;
    const firstSkill = skillList.data[0]?.id;
    const firstReady = populationList.data.find((item) => item.status === "ready")?.id;
    setSkillId((old) => old || firstSkill || "");
    setPopulationId((old) => old || firstReady || "");
  }, [skillList.data, populationList.data]);

  // Each skill brings its own context defaults.
  useEffect(() => setContext(contextRowsFrom(skill?.context)), [skill]);

  const suggestedName = skill && population ? `${skill.name}, ${population.name}` : "";
  const shownName = nameTouched ? name : suggestedName;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body: Record<string, unknown> = {
      name: shownName.trim(),
      skill_id: skillId,
      population_id: populationId,
      model,
      context: contextFromRows(context),
    };
    const numbers = {
      concurrency: optionalNumber(concurrency),
      requests_per_minute: optionalNumber(requestsPerMinute),
      seed: optionalNumber(seed),
      invalid_retries: optionalNumber(invalidRetries),
    };
    for (const [key, value] of Object.entries(numbers)) if (value !== undefined) body[key] = value;
    // Blank means unlimited, which the API spells null.
    if (numbers.requests_per_minute === undefined) body.requests_per_minute = null;
    await action.run(async () => {
      // The server validates: a field left as typed text comes back as a 422 naming it.
      const study = await unwrap(
        client.POST("/v1/studies", { body: body as unknown as Schema<"StudyInput"> }),
      );
      await queryClient.invalidateQueries({ queryKey: studyKeys.all });
      navigate(`/studies/${encodeURIComponent(study.id)}`);
    });
  }

  if (choicesError) return <ErrorNotice error={choicesError} />;
  if (!skillList.data || !populationList.data) return <Loading label="Loading skills and populations…" />;

  const ready = populations.filter((item) => item.status === "ready");
  const missing =
    skills.length === 0 ? (
      <>
        First <Link to="/studies/skills">create a skill</Link> (the question to ask).
      </>
    ) : ready.length === 0 ? (
      <>
        First <Link to="/studies/populations">create a population</Link> and wait until it is ready.
      </>
    ) : undefined;

  return (
    <>
      <header className="page-header">
        <div>
          <Link to="/studies" className="study-back">
            ← Studies
          </Link>
          <h1>New study</h1>
        </div>
      </header>
      {missing && (
        <div className="notice" role="status">
          {missing}
        </div>
      )}
      <form className="card study-form" onSubmit={(event) => void submit(event)} noValidate>
        <StudyFormProblem error={action.error} shown={SHOWN_FIELDS} />
        <SettingsField label="Study name" error={errorUnder(action.error, "name")}>
          {(control) => (
            <input
              {...control}
              value={shownName}
              required
              onChange={(event) => {
                setNameTouched(true);
                setName(event.target.value);
              }}
            />
          )}
        </SettingsField>
        <div className="form-grid">
          <SettingsField
            label="Skill"
            error={errorUnder(action.error, "skill_id")}
            hint={
              skill
                ? `${answerTypeLabel(skill.answer.type)}${skill.description ? ` · ${skill.description}` : ""}`
                : undefined
            }
          >
            {(control) => (
              <select {...control} value={skillId} onChange={(event) => setSkillId(event.target.value)}>
                <option value="">Choose a skill</option>
                {skills.map((item) => (
                  <option key={item.id} value={item.id}>
                    {item.name}
                  </option>
                ))}
              </select>
            )}
          </SettingsField>
          <SettingsField
            label="Population"
            error={errorUnder(action.error, "population_id")}
            hint={
              population
                ? `${population.size} personas in ${population.cohorts.length} ${population.cohorts.length === 1 ? "cohort" : "cohorts"}`
                : "Only ready populations can be studied"
            }
          >
            {(control) => (
              <select
                {...control}
                value={populationId}
                onChange={(event) => setPopulationId(event.target.value)}
              >
                <option value="">Choose a population</option>
                {populations.map((item) => (
                  <option key={item.id} value={item.id} disabled={item.status !== "ready"}>
                    {item.status === "ready" ? item.name : `${item.name} (${item.status})`}
                  </option>
                ))}
              </select>
            )}
          </SettingsField>
        </div>
        {skill && (
          <details className="study-prompt-preview">
            <summary>The skill's prompt</summary>
            <pre>{skill.prompt}</pre>
          </details>
        )}
        <ModelPicker
          label="Model (optional)"
          value={model}
          onChange={setModel}
          nullLabel="Each persona's own model"
          error={errorUnder(action.error, "model")}
          hint="One model for every run, or each persona with its own"
        />
        <div className="form-grid">
          <SettingsField
            label="Concurrency"
            error={errorUnder(action.error, "concurrency")}
            hint="Runs in flight at once (1–256)"
          >
            {(control) => (
              <input
                {...control}
                type="number"
                min={1}
                max={256}
                step={1}
                value={concurrency}
                onChange={(event) => setConcurrency(event.target.value)}
              />
            )}
          </SettingsField>
          <SettingsField
            label="Requests per minute"
            error={errorUnder(action.error, "requests_per_minute")}
            hint="Model calls started per minute; blank for no limit"
          >
            {(control) => (
              <input
                {...control}
                type="number"
                min={1}
                step={1}
                value={requestsPerMinute}
                placeholder="Unlimited"
                onChange={(event) => setRequestsPerMinute(event.target.value)}
              />
            )}
          </SettingsField>
          <SettingsField
            label="Seed (optional)"
            error={errorUnder(action.error, "seed")}
            hint="Each run's seed derives from it"
          >
            {(control) => (
              <input {...control} value={seed} onChange={(event) => setSeed(event.target.value)} />
            )}
          </SettingsField>
          <SettingsField
            label="Invalid retries"
            error={errorUnder(action.error, "invalid_retries")}
            hint="Asks again when an answer does not fit"
          >
            {(control) => (
              <input
                {...control}
                type="number"
                min={0}
                step={1}
                value={invalidRetries}
                onChange={(event) => setInvalidRetries(event.target.value)}
              />
            )}
          </SettingsField>
        </div>
        <StudyContextRows
          rows={context}
          onChange={setContext}
          error={action.error}
          hint="Fill {{context.<key>}} in the skill's prompt; prefilled with the skill's defaults."
        />
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={action.busy}>
            {action.busy ? "Starting…" : "Start study"}
          </button>
          <Link to="/studies" className="button">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
