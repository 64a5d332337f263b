import { useId, useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { cohortKeys } from "../lib/query-keys-studies.ts";
import { SettingsField } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";
import { StudyFormProblem, errorUnder, errorsUnclaimed } from "./study-field.tsx";
import { commaList, optionalNumber, type Cohort } from "./study-format.ts";

/** The example generator from docs/studies.md: a starting point to edit. */
export const EXAMPLE_GENERATOR = {
  age: { type: "uniform", min: 18, max: 34 },
  sex: { female: 1, male: 1 },
  location: { "Lisbon, Portugal": 2, "Porto, Portugal": 1 },
  occupation: ["nurse", "software engineer", "teacher", "barista"],
  traits: { values: ["curious", "cautious", "ambitious", "warm"], per_persona: 2 },
};

const SEXES = ["female", "male", "other"] as const;

interface FilterDraft {
  ageMin: string;
  ageMax: string;
  locations: string;
  occupations: string;
  sexes: string[];
  traits: string;
  tags: string;
}

const EMPTY_FILTER: FilterDraft = {
  ageMin: "",
  ageMax: "",
  locations: "",
  occupations: "",
  sexes: [],
  traits: "",
  tags: "",
};

/** The API's `filter` from the form, leaving out what is blank (blank matches everyone). */
function filterFromDraft(draft: FilterDraft): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  const age: Record<string, unknown> = {};
  const min = optionalNumber(draft.ageMin);
  const max = optionalNumber(draft.ageMax);
  if (min !== undefined) age.min = min;
  if (max !== undefined) age.max = max;
  if (Object.keys(age).length > 0) filter.age = age;
  const lists = {
    locations: commaList(draft.locations),
    occupations: commaList(draft.occupations),
    traits: commaList(draft.traits),
    tags: commaList(draft.tags),
  };
  for (const [key, values] of Object.entries(lists)) if (values.length > 0) filter[key] = values;
  if (draft.sexes.length > 0) filter.sexes = draft.sexes;
  return filter;
}

const LIST_FIELDS: { key: "locations" | "occupations" | "traits" | "tags"; label: string; hint: string }[] = [
  {
    key: "locations",
    label: "Locations",
    hint: "Comma-separated; a persona matches any (e.g. Portugal, Lyon).",
  },
  { key: "occupations", label: "Occupations", hint: "Comma-separated; a persona matches any." },
  { key: "traits", label: "Traits", hint: "Comma-separated; a persona must have all." },
  { key: "tags", label: "Tags", hint: "Comma-separated; a persona matches any." },
];

/**
 * A new cohort: either a filter over the tenant's own personas (a small form) or a generator recipe for
 * new ones (JSON, prefilled with the documented example).
 */
export function StudyCohortForm({
  onCreated,
  onCancel,
}: {
  onCreated: (cohort: Cohort) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"filter" | "generator">("generator");
  const [filter, setFilter] = useState<FilterDraft>(EMPTY_FILTER);
  const [generator, setGenerator] = useState(() => JSON.stringify(EXAMPLE_GENERATOR, null, 2));
  const [jsonError, setJsonError] = useState<string | undefined>();
  const action = useAction();
  const queryClient = useQueryClient();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setJsonError(undefined);
    const body: Record<string, unknown> = { name: name.trim() };
    if (kind === "filter") body.filter = filterFromDraft(filter);
    else {
      try {
        body.generator = JSON.parse(generator) as unknown;
      } catch (failure) {
        setJsonError(`not valid JSON (${failure instanceof Error ? failure.message : String(failure)})`);
        return;
      }
    }
    await action.run(async () => {
      // The server validates: a field left as typed text comes back as a 422 naming it.
      const created = await unwrap(
        client.POST("/v1/cohorts", { body: body as unknown as Schema<"CohortInput"> }),
      );
      await queryClient.invalidateQueries({ queryKey: cohortKeys.all });
      onCreated(created);
    });
  }

  const setFilterField = (change: Partial<FilterDraft>) => setFilter((old) => ({ ...old, ...change }));
  const generatorErrors = errorsUnclaimed(action.error, "generator", []);

  return (
    <form className="card study-form" onSubmit={(event) => void submit(event)} noValidate>
      <h2>New cohort</h2>
      <StudyFormProblem error={action.error} shown={["name", "filter", "generator"]} />
      <SettingsField label="Cohort name" error={errorUnder(action.error, "name")}>
        {(control) => (
          <input
            {...control}
            value={name}
            required
            placeholder="Young urban"
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </SettingsField>
      <fieldset className="study-choice">
        <legend>Who is in it</legend>
        <label className="study-check">
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === "generator"}
            onChange={() => setKind("generator")}
          />
          <span>
            <strong>Generate new personas</strong>
            <span className="field-hint"> from a recipe of ages, places, occupations and traits</span>
          </span>
        </label>
        <label className="study-check">
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === "filter"}
            onChange={() => setKind("filter")}
          />
          <span>
            <strong>Filter your personas</strong>
            <span className="field-hint"> by age, place, occupation, sex, traits and tags</span>
          </span>
        </label>
      </fieldset>

      {kind === "filter" ? (
        <fieldset>
          <legend>Filter</legend>
          <p className="field-hint">Leave a field blank to match everyone on it.</p>
          <div className="form-grid">
            <SettingsField label="Age from" error={errorUnder(action.error, "filter.age.min")}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  min={0}
                  value={filter.ageMin}
                  onChange={(event) => setFilterField({ ageMin: event.target.value })}
                />
              )}
            </SettingsField>
            <SettingsField
              label="Age to"
              error={errorUnder(action.error, "filter.age.max") ?? errorUnder(action.error, "filter.age")}
              hint="Inclusive"
            >
              {(control) => (
                <input
                  {...control}
                  type="number"
                  min={0}
                  value={filter.ageMax}
                  onChange={(event) => setFilterField({ ageMax: event.target.value })}
                />
              )}
            </SettingsField>
            {LIST_FIELDS.map((field) => (
              <SettingsField
                key={field.key}
                label={field.label}
                hint={field.hint}
                error={errorUnder(action.error, `filter.${field.key}`)}
              >
                {(control) => (
                  <input
                    {...control}
                    value={filter[field.key]}
                    onChange={(event) => setFilterField({ [field.key]: event.target.value })}
                  />
                )}
              </SettingsField>
            ))}
          </div>
          <fieldset className="study-inline-choices">
            <legend>Sex (any of)</legend>
            {SEXES.map((sex) => (
              <label key={sex} className="study-check">
                <input
                  type="checkbox"
                  checked={filter.sexes.includes(sex)}
                  onChange={(event) =>
                    setFilterField({
                      sexes: event.target.checked
                        ? [...filter.sexes, sex]
                        : filter.sexes.filter((other) => other !== sex),
                    })
                  }
                />
                {sex}
              </label>
            ))}
            {errorUnder(action.error, "filter.sexes") && (
              <p className="field-error">{errorUnder(action.error, "filter.sexes")}</p>
            )}
          </fieldset>
          {errorsUnclaimed(action.error, "filter", [
            "filter.age",
            "filter.sexes",
            ...LIST_FIELDS.map((field) => `filter.${field.key}`),
          ]).map((item) => (
            <p key={`${item.field}:${item.message}`} className="field-error">
              <code>{item.field}</code>: {item.message}
            </p>
          ))}
        </fieldset>
      ) : (
        <div className="field">
          <label htmlFor={`${id}-generator`}>Generator (JSON)</label>
          <textarea
            id={`${id}-generator`}
            className="study-code"
            rows={14}
            spellCheck={false}
            value={generator}
            aria-describedby={`${id}-generator-hint${jsonError || generatorErrors.length > 0 ? ` ${id}-generator-error` : ""}`}
            aria-invalid={jsonError || generatorErrors.length > 0 ? true : undefined}
            onChange={(event) => setGenerator(event.target.value)}
          />
          <span id={`${id}-generator-hint`} className="field-hint">
            <code>age</code> (<code>uniform</code> min/max or <code>normal</code> mean/sd/min/max),{" "}
            <code>location</code> and <code>occupation</code> are required; <code>sex</code> and{" "}
            <code>traits</code> are optional. A list gives equal weights; an object maps each value to a
            weight.
          </span>
          {(jsonError || generatorErrors.length > 0) && (
            <span id={`${id}-generator-error`} className="field-error">
              {jsonError ??
                generatorErrors.map((item) => (
                  <span key={`${item.field}:${item.message}`} className="study-error-line">
                    <code>{item.field}</code>: {item.message}
                  </span>
                ))}
            </span>
          )}
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy}>
          {action.busy ? "Creating…" : "Create cohort"}
        </button>
        <button type="button" onClick={onCancel} disabled={action.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
