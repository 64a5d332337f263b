import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { ErrorNotice, Loading } from "./notice.tsx";

type PersonaVersionSummary = Schema<"PersonaVersionSummary">;

type Reference = number | "draft";

function show(value: unknown): string {
  if (value === undefined) return "(absent)";
  if (value === null) return "(empty)";
  if (typeof value === "string") return value === "" ? "(empty)" : value;
  return JSON.stringify(value, null, 2);
}

function referenceLabel(reference: Reference): string {
  return reference === "draft" ? "the draft" : `version ${reference}`;
}

function parseReference(value: string): Reference {
  return value === "draft" ? "draft" : Number(value);
}

/** Compares two versions (or a version and the draft) field by field (GET /v1/personas/{id}/diff). */
export function PersonaVersionDiff({
  personaId,
  versions,
  initialFrom,
}: {
  personaId: string;
  versions: PersonaVersionSummary[];
  initialFrom: number;
}) {
  const id = useId();
  const [from, setFrom] = useState<Reference>(initialFrom);
  const [to, setTo] = useState<Reference>("draft");
  const [compared, setCompared] = useState<{ from: string; to: string } | undefined>(undefined);
  const pair = compared ?? { from: "", to: "" };
  const comparison = useQuery({
    queryKey: personaKeys.diff(personaId, pair.from, pair.to),
    queryFn: ({ signal }) =>
      unwrap(
        client.GET("/v1/personas/{id}/diff", {
          params: { path: { id: personaId }, query: pair },
          signal,
        }),
      ),
    enabled: compared !== undefined,
  });
  const busy = comparison.isFetching;
  const error = comparison.error ?? undefined;
  const diff = comparison.data;

  const compare = (left: Reference, right: Reference) => {
    const next = { from: String(left), to: String(right) };
    // Asking for the same comparison again reads it again (the draft may have changed meanwhile).
    if (compared?.from === next.from && compared.to === next.to) void comparison.refetch();
    else setCompared(next);
  };

  const options = [
    ...versions.map((version) => ({ value: String(version.version), label: `Version ${version.version}` })),
    { value: "draft", label: "Draft" },
  ];

  return (
    <div className="persona-diff">
      <h3>Compare versions</h3>
      <form
        className="persona-diff-controls"
        onSubmit={(event) => {
          event.preventDefault();
          compare(from, to);
        }}
      >
        <VersionSelect
          id={`${id}-from`}
          label="From version"
          value={from}
          options={options}
          onChange={setFrom}
        />
        <VersionSelect id={`${id}-to`} label="To version" value={to} options={options} onChange={setTo} />
        <button type="submit" disabled={busy}>
          Show differences
        </button>
      </form>
      <ErrorNotice error={error} />
      {busy && <Loading label="Comparing…" />}
      {diff && !busy && (
        <div aria-live="polite">
          {diff.changes.length === 0 ? (
            <p className="muted">
              No differences between {referenceLabel(diff.from)} and {referenceLabel(diff.to)}.
            </p>
          ) : (
            <div className="table-scroll">
              <table className="persona-diff-table">
                <caption className="visually-hidden">
                  Changes from {referenceLabel(diff.from)} to {referenceLabel(diff.to)}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Field</th>
                    <th scope="col">{diff.from === "draft" ? "Draft" : `Version ${diff.from}`}</th>
                    <th scope="col">{diff.to === "draft" ? "Draft" : `Version ${diff.to}`}</th>
                  </tr>
                </thead>
                <tbody>
                  {diff.changes.map((change) => (
                    <tr key={change.path}>
                      <th scope="row">
                        <code>{change.path}</code>
                      </th>
                      <td className="persona-diff-removed">
                        <pre>{show(change.from)}</pre>
                      </td>
                      <td className="persona-diff-added">
                        <pre>{show(change.to)}</pre>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** One end of the comparison: a published version or the draft. */
function VersionSelect(props: {
  id: string;
  label: string;
  value: Reference;
  options: { value: string; label: string }[];
  onChange: (reference: Reference) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={String(props.value)}
        onChange={(event) => props.onChange(parseReference(event.target.value))}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
