import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { cohortKeys } from "../lib/query-keys-studies.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { StudyCohortForm } from "../components/study-cohort-form.tsx";
import { StudyCohortPreview } from "../components/study-cohort-preview.tsx";
import { useStudyPageTitle } from "../components/study-page-title.tsx";
import { useCohorts } from "../components/study-queries.ts";
import { formatTime, type Cohort } from "../components/study-format.ts";

/** /studies/cohorts: groups of personas, filtered from your own or generated from a recipe. */
export function CohortsPage() {
  useStudyPageTitle("Cohorts · Studies");
  const cohorts = useCohorts();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Cohort | undefined>();
  const [message, setMessage] = useState<string | undefined>();

  return (
    <>
      <header className="page-header">
        <h1>Cohorts</h1>
        <button
          type="button"
          className="button-primary"
          disabled={creating}
          onClick={() => {
            setCreating(true);
            setMessage(undefined);
          }}
        >
          New cohort
        </button>
      </header>
      <p className="muted study-intro">
        A cohort is a group of personas: a filter over your own, or a recipe that generates new ones. A
        population mixes cohorts in set proportions, and a study compares their answers.
      </p>
      {message && <Notice kind="success">{message}</Notice>}
      {creating && (
        <StudyCohortForm
          onCreated={(cohort) => {
            setCreating(false);
            setMessage(`Cohort “${cohort.name}” created.`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <ErrorNotice error={cohorts.error} />
      {cohorts.isPending && <Loading label="Loading cohorts…" />}
      {cohorts.data && cohorts.data.length === 0 && !creating && (
        <div className="card study-empty">
          <p>
            <strong>No cohorts yet.</strong> Press “New cohort” to describe a group of personas.
          </p>
        </div>
      )}
      {cohorts.data && cohorts.data.length > 0 && (
        <ul className="study-list">
          {cohorts.data.map((cohort) => (
            <CohortItem key={cohort.id} cohort={cohort} onDelete={() => setDeleting(cohort)} />
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this cohort?"
        confirmLabel="Delete cohort"
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          if (!deleting) return;
          await unwrap(client.DELETE("/v1/cohorts/{id}", { params: { path: { id: deleting.id } } }));
          setMessage(`Cohort “${deleting.name}” deleted.`);
          await queryClient.invalidateQueries({ queryKey: cohortKeys.all });
        }}
      >
        <p>
          “{deleting?.name}” will be deleted. A cohort that a population uses cannot be deleted until the
          population is.
        </p>
      </ConfirmDialog>
    </>
  );
}

function CohortItem({ cohort, onDelete }: { cohort: Cohort; onDelete: () => void }) {
  // The preview is read when asked for (it samples personas), and again on each press.
  const [asked, setAsked] = useState(false);
  const preview = useQuery({
    queryKey: cohortKeys.preview(cohort.id),
    enabled: asked,
    staleTime: 0,
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/cohorts/{id}/preview", { params: { path: { id: cohort.id } }, signal })),
  });
  const nameId = `cohort-${cohort.id}-name`;
  const isFilter = cohort.kind ? cohort.kind === "filter" : cohort.filter != null;

  return (
    <li className="card study-item">
      <div className="study-item-header">
        <h2 id={nameId}>{cohort.name}</h2>
        <span className="badge badge-accent">{isFilter ? "Filter" : "Generator"}</span>
        <span className="study-subtle">created {formatTime(cohort.created_at)}</span>
        <span className="button-row study-item-action">
          <button
            type="button"
            className="button-small"
            aria-describedby={nameId}
            disabled={preview.isFetching}
            onClick={() => {
              if (asked) void preview.refetch();
              else setAsked(true);
            }}
          >
            {preview.isFetching ? "Previewing…" : "Preview"}
          </button>
          <button
            type="button"
            className="button-small button-danger"
            aria-describedby={nameId}
            onClick={onDelete}
          >
            Delete
          </button>
        </span>
      </div>
      {cohort.description && <p className="study-description">{cohort.description}</p>}
      <p className="study-description">
        {isFilter ? describeFilter(cohort.filter ?? {}) : describeGenerator(cohort.generator ?? {})}
      </p>
      <details>
        <summary>{isFilter ? "Filter" : "Generator"} as JSON</summary>
        <pre>{JSON.stringify(isFilter ? cohort.filter : cohort.generator, null, 2)}</pre>
      </details>
      <ErrorNotice error={preview.error} />
      {preview.data && <StudyCohortPreview preview={preview.data} />}
    </li>
  );
}

function describeFilter(filter: NonNullable<Cohort["filter"]>): string {
  const parts: string[] = [];
  if (filter.age?.min != null && filter.age?.max != null)
    parts.push(`aged ${filter.age.min}–${filter.age.max}`);
  else if (filter.age?.min != null) parts.push(`aged ${filter.age.min} or over`);
  else if (filter.age?.max != null) parts.push(`aged ${filter.age.max} or under`);
  if (filter.sexes?.length) parts.push(filter.sexes.join(" or "));
  if (filter.occupations?.length) parts.push(`working as ${filter.occupations.join(" or ")}`);
  if (filter.locations?.length) parts.push(`in ${filter.locations.join(" or ")}`);
  if (filter.traits?.length) parts.push(`who are ${filter.traits.join(" and ")}`);
  if (filter.tags?.length) parts.push(`tagged ${filter.tags.join(" or ")}`);
  return parts.length > 0 ? `Your personas ${parts.join(", ")}.` : "All your personas.";
}

/** The values of a categorical generator field (an array, or an object of value → weight). */
function valuesOf(field: unknown): string[] {
  if (Array.isArray(field)) return field.map(String);
  if (field && typeof field === "object") return Object.keys(field);
  return [];
}

function describeGenerator(generator: Record<string, unknown>): string {
  const parts: string[] = [];
  const age = generator.age as { min?: number; max?: number } | undefined;
  if (age?.min != null && age.max != null) parts.push(`aged ${age.min}–${age.max}`);
  const occupations = valuesOf(generator.occupation);
  if (occupations.length > 0) parts.push(`working as ${occupations.join(", ")}`);
  const locations = valuesOf(generator.location);
  if (locations.length > 0) parts.push(`in ${locations.join(", ")}`);
  return parts.length > 0 ? `New personas ${parts.join(", ")}.` : "New personas.";
}
