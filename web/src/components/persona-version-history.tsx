import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { usePersonaChanged } from "./persona-cache.ts";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { formatTime } from "./persona-form-values.ts";
import { PersonaVersionDiff } from "./persona-version-diff.tsx";

type Persona = Schema<"Persona">;

/**
 * "Version history": published versions, newest first, which one is production, a way to make another
 * one production ("Roll back" to an older one, "Make production" for a newer one — both POST
 * /v1/personas/{id}/rollback) and a diff between any two versions or the draft.
 */
export function PersonaVersionHistory({
  persona,
  readOnly,
  onPersonaChanged,
}: {
  persona: Persona;
  readOnly: boolean;
  onPersonaChanged: (persona: Persona) => void;
}) {
  const versions = useQuery({
    queryKey: personaKeys.versions(persona.id),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/personas/{id}/versions", { params: { path: { id: persona.id } }, signal })),
  });
  const personaChanged = usePersonaChanged();
  const [done, setDone] = useState<string | undefined>(undefined);
  const rollback = useMutation({
    mutationFn: (version: number) =>
      unwrap(
        client.POST("/v1/personas/{id}/rollback", {
          params: { path: { id: persona.id } },
          body: { version },
        }),
      ),
    onMutate: () => setDone(undefined),
    onSuccess: (changed, version) => {
      personaChanged(changed);
      onPersonaChanged(changed);
      setDone(
        `Version ${version} is now production: conversations are answered by it. Your draft is unchanged.`,
      );
    },
  });
  const busy = rollback.isPending ? rollback.variables : undefined;
  const error = rollback.error ?? undefined;

  // Not destructive (the draft stays, and any version can be made production again), so no confirmation.
  const makeProduction = (version: number) => rollback.mutate(version);

  const list = versions.data?.data ?? [];
  const newestFirst = [...list].reverse();

  return (
    <section className="card persona-versions" aria-labelledby="version-history-heading">
      <h2 id="version-history-heading">Version history</h2>
      <p className="field-hint">
        Publishing freezes the draft as a new version and makes it production. Editing never changes a
        published version.
      </p>
      <ErrorNotice error={error ?? versions.error ?? undefined} />
      {done && <Notice kind="success">{done}</Notice>}
      {versions.isPending && <Loading label="Loading versions…" />}
      {versions.data && list.length === 0 && (
        <p className="muted">Nothing published yet: conversations use the draft until you publish.</p>
      )}
      {list.length > 0 && (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Published</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {newestFirst.map((version) => {
                const rowId = `version-row-${version.version}`;
                const older =
                  persona.production_version !== null && version.version < persona.production_version;
                return (
                  <tr key={version.version}>
                    <th scope="row" id={rowId}>
                      v{version.version} <span className="muted">· {version.name}</span>
                    </th>
                    <td>{formatTime(version.created_at)}</td>
                    <td>
                      {version.is_production ? <span className="badge badge-accent">Production</span> : null}
                    </td>
                    <td>
                      {!version.is_production && !readOnly && (
                        <button
                          type="button"
                          className="button-small"
                          aria-describedby={rowId}
                          disabled={busy !== undefined}
                          onClick={() => makeProduction(version.version)}
                        >
                          {busy === version.version ? "Working…" : older ? "Roll back" : "Make production"}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {list.length > 0 && (
        <PersonaVersionDiff
          key={persona.latest_version}
          personaId={persona.id}
          versions={list}
          initialFrom={persona.production_version ?? list[list.length - 1]!.version}
        />
      )}
    </section>
  );
}
