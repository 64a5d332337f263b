import { useState } from "react";
import { api, type Schema } from "../lib/api.ts";
import { useResource } from "../lib/use-resource.ts";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { formatTime } from "./persona-form-values.ts";
import { PersonaVersionDiff } from "./persona-version-diff.tsx";

type Persona = Schema<"Persona">;
type PersonaVersionSummary = Schema<"PersonaVersionSummary">;

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
  const encoded = encodeURIComponent(persona.id);
  const versions = useResource(
    `versions:${persona.id}:${persona.latest_version}:${persona.production_version}`,
    () => api<{ data: PersonaVersionSummary[] }>("GET", `/v1/personas/${encoded}/versions`),
  );
  const [busy, setBusy] = useState<number | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);

  // Not destructive (the draft stays, and any version can be made production again), so no confirmation.
  const makeProduction = async (version: number) => {
    setBusy(version);
    setError(undefined);
    setDone(undefined);
    try {
      onPersonaChanged(await api<Persona>("POST", `/v1/personas/${encoded}/rollback`, { body: { version } }));
      setDone(
        `Version ${version} is now production: conversations are answered by it. Your draft is unchanged.`,
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  const list = versions.data?.data ?? [];
  const newestFirst = [...list].reverse();

  return (
    <section className="card persona-versions" aria-labelledby="version-history-heading">
      <h2 id="version-history-heading">Version history</h2>
      <p className="field-hint">
        Publishing freezes the draft as a new version and makes it production. Editing never changes a
        published version.
      </p>
      <ErrorNotice error={error ?? versions.error} />
      {done && <Notice kind="success">{done}</Notice>}
      {versions.loading && !versions.data && <Loading label="Loading versions…" />}
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
                          onClick={() => void makeProduction(version.version)}
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
