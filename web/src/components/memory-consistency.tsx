import { useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { ErrorNotice } from "./notice.tsx";
import { FINDING_LABELS, excerpt } from "./memory-format.ts";

type ConsistencyReport = Schema<"ConsistencyReport">;
type Memory = Schema<"Memory">;

/** At most this many cited memories are fetched one by one to name them. */
const MAX_FETCHED = 40;

/**
 * Runs the consistency report (POST /v1/personas/{id}/consistency) and lists its findings; each cited
 * memory is a button that scrolls to it on the timeline and highlights it.
 */
export function MemoryConsistency({
  personaId,
  memoriesById,
  onShowMemory,
}: {
  personaId: string;
  /** The memories on screen, to name cited memories by their content. */
  memoriesById: Map<string, Memory>;
  onShowMemory: (id: string) => void;
}) {
  const [report, setReport] = useState<ConsistencyReport | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  /** Cited memories that are not on screen (filtered out), fetched to name them; null when gone. */
  const [fetched, setFetched] = useState<Map<string, Memory | null>>(new Map());
  const path = { id: personaId };

  async function check() {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await unwrap(client.POST("/v1/personas/{id}/consistency", { params: { path } }));
      const unknown = [...new Set(answer.findings.flatMap((finding) => finding.memory_ids))]
        .filter((id) => !memoriesById.has(id))
        .slice(0, MAX_FETCHED);
      const found = await Promise.all(
        unknown.map((id) =>
          unwrap(
            client.GET("/v1/personas/{id}/memories/{memoryId}", {
              params: { path: { ...path, memoryId: id } },
            }),
          ).then(
            (memory) => [id, memory] as const,
            () => [id, null] as const,
          ),
        ),
      );
      setFetched(new Map(found));
      setReport(answer);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card memory-side-card" aria-labelledby="memory-consistency-heading">
      <h2 id="memory-consistency-heading">Consistency</h2>
      <p className="field-hint">
        Looks for contradictions, gaps in the stated order, event times that go backwards, broken revisions
        and duplicate events.
      </p>
      <button type="button" onClick={check} disabled={busy}>
        {busy ? "Checking…" : "Check consistency"}
      </button>
      <ErrorNotice error={error} />
      {report && (
        <div className="memory-report" role="status" aria-live="polite">
          <p>
            Checked {report.checked} {report.checked === 1 ? "memory" : "memories"}
            {report.judged_by ? <> · judged by {report.judged_by}</> : null}.{" "}
            <strong>
              {report.findings.length === 0
                ? "No problems found."
                : `${report.findings.length} ${report.findings.length === 1 ? "finding" : "findings"}.`}
            </strong>
          </p>
          {report.findings.length > 0 && (
            <ol className="memory-findings">
              {report.findings.map((finding, index) => (
                <li key={index} className="memory-finding">
                  <span className="badge badge-warning">{FINDING_LABELS[finding.kind] ?? finding.kind}</span>
                  <p>{finding.message}</p>
                  {finding.memory_ids.length > 0 && (
                    <ul className="memory-finding-links" aria-label="Memories it cites">
                      {finding.memory_ids.map((id) => {
                        const memory = memoriesById.get(id) ?? fetched.get(id);
                        const label = memory
                          ? `“${excerpt(memory.facts, 60)}”`
                          : memory === null
                            ? "A memory that is gone"
                            : `Memory ${id}`;
                        return (
                          <li key={id}>
                            <button
                              type="button"
                              className="button-link memory-cite"
                              onClick={() => onShowMemory(id)}
                              aria-label={`Show memory: ${memory ? excerpt(memory.facts, 60) : id}`}
                              disabled={memory === null}
                            >
                              {label}
                            </button>
                          </li>
                        );
                      })}
                    </ul>
                  )}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}
