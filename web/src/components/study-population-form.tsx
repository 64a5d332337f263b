import { useId, useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { populationKeys } from "../lib/query-keys-studies.ts";
import { Link } from "../lib/router.tsx";
import { SettingsField } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";
import { StudyFormProblem, errorUnder } from "./study-field.tsx";
import { formatPercent, optionalNumber, type Cohort, type Population } from "./study-format.ts";

interface CohortRow {
  id: number;
  cohortId: string;
  proportion: string;
}

let nextRowId = 1;

function cohortRow(cohortId = "", proportion = "1"): CohortRow {
  return { id: nextRowId++, cohortId, proportion };
}

/**
 * A new population: a name, a size, a seed (the same seed, cohorts and size give the same personas)
 * and cohort rows whose proportions are weights, normalised over the list.
 */
export function StudyPopulationForm({
  cohorts,
  onCreated,
  onCancel,
}: {
  cohorts: Cohort[];
  onCreated: (population: Population) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [name, setName] = useState("");
  const [size, setSize] = useState("100");
  const [seed, setSeed] = useState("");
  const [rows, setRows] = useState<CohortRow[]>(() =>
    cohorts.slice(0, 2).map((cohort) => cohortRow(cohort.id)),
  );
  const action = useAction();
  const queryClient = useQueryClient();

  const weights = rows.map((row) => Number(row.proportion));
  const total = weights.reduce(
    (sum, weight) => sum + (Number.isFinite(weight) && weight > 0 ? weight : 0),
    0,
  );
  const update = (rowId: number, change: Partial<CohortRow>) =>
    setRows((old) => old.map((row) => (row.id === rowId ? { ...row, ...change } : row)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body: Record<string, unknown> = {
      name: name.trim(),
      size: optionalNumber(size),
      cohorts: rows.map((row) => ({ cohort_id: row.cohortId, proportion: optionalNumber(row.proportion) })),
    };
    const seedValue = optionalNumber(seed);
    if (seedValue !== undefined) body.seed = seedValue;
    await action.run(async () => {
      // The server validates: a field left as typed text comes back as a 422 naming it.
      const created = await unwrap(
        client.POST("/v1/populations", { body: body as unknown as Schema<"PopulationInput"> }),
      );
      await queryClient.invalidateQueries({ queryKey: populationKeys.all });
      onCreated(created);
    });
  }

  return (
    <form className="card study-form" onSubmit={(event) => void submit(event)} noValidate>
      <h2>New population</h2>
      <StudyFormProblem error={action.error} shown={["name", "size", "seed", "cohorts"]} />
      <div className="form-grid">
        <SettingsField label="Population name" error={errorUnder(action.error, "name")}>
          {(control) => (
            <input
              {...control}
              value={name}
              required
              placeholder="Panel A"
              onChange={(event) => setName(event.target.value)}
            />
          )}
        </SettingsField>
        <SettingsField label="Size" error={errorUnder(action.error, "size")} hint="How many personas in all">
          {(control) => (
            <input
              {...control}
              type="number"
              min={1}
              step={1}
              value={size}
              onChange={(event) => setSize(event.target.value)}
            />
          )}
        </SettingsField>
        <SettingsField
          label="Seed (optional)"
          error={errorUnder(action.error, "seed")}
          hint="The same seed gives the same personas"
        >
          {(control) => <input {...control} value={seed} onChange={(event) => setSeed(event.target.value)} />}
        </SettingsField>
      </div>
      <fieldset>
        <legend>Cohorts</legend>
        {cohorts.length === 0 && (
          <p className="muted">
            There are no cohorts yet. <Link to="/studies/cohorts">Create one first.</Link>
          </p>
        )}
        {rows.map((row, index) => {
          const weight = weights[index] ?? 0;
          const share = total > 0 && Number.isFinite(weight) && weight > 0 ? weight / total : 0;
          const sizeNumber = Number(size);
          const expected =
            Number.isFinite(sizeNumber) && sizeNumber > 0 ? Math.round(share * sizeNumber) : undefined;
          return (
            <div key={row.id} className="study-cohort-row">
              <SettingsField
                label={`Cohort ${index + 1}`}
                error={errorUnder(action.error, `cohorts.${index}.cohort_id`)}
              >
                {(control) => (
                  <select
                    {...control}
                    value={row.cohortId}
                    onChange={(event) => update(row.id, { cohortId: event.target.value })}
                  >
                    <option value="">Choose a cohort</option>
                    {cohorts.map((cohort) => (
                      <option key={cohort.id} value={cohort.id}>
                        {cohort.name}
                      </option>
                    ))}
                  </select>
                )}
              </SettingsField>
              <SettingsField
                label={`Proportion ${index + 1}`}
                error={
                  errorUnder(action.error, `cohorts.${index}.proportion`) ??
                  errorUnder(action.error, `cohorts.${index}`)
                }
                hint={
                  share > 0
                    ? `${formatPercent(share)}${expected !== undefined ? `, about ${expected}` : ""}`
                    : undefined
                }
              >
                {(control) => (
                  <input
                    {...control}
                    type="number"
                    min={0}
                    step="any"
                    value={row.proportion}
                    onChange={(event) => update(row.id, { proportion: event.target.value })}
                  />
                )}
              </SettingsField>
              <button
                type="button"
                className="button-small study-row-remove"
                aria-label={`Remove cohort ${index + 1}`}
                onClick={() => setRows((old) => old.filter((other) => other.id !== row.id))}
              >
                Remove
              </button>
            </div>
          );
        })}
        {errorUnder(action.error, "cohorts") &&
          !rows.some((_, index) => errorUnder(action.error, `cohorts.${index}`)) && (
            <p className="field-error" id={`${id}-cohorts-error`}>
              {errorUnder(action.error, "cohorts")}
            </p>
          )}
        <button
          type="button"
          className="button-small"
          disabled={cohorts.length === 0}
          onClick={() => setRows((old) => [...old, cohortRow()])}
        >
          Add cohort
        </button>
      </fieldset>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy}>
          {action.busy ? "Creating…" : "Create population"}
        </button>
        <button type="button" onClick={onCancel} disabled={action.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
