import { useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { MemoryEditor } from "./memory-editor.tsx";
import { TYPE_DESCRIPTIONS, excerpt, formatDateTime, ownerLabel, strengthBand } from "./memory-format.ts";

type Memory = Schema<"Memory">;

/**
 * One memory on the timeline: what happened, how it is held (type, strength, owner), and Edit / Delete.
 * Its element is `memory-<id>`, so the consistency report can scroll to it.
 */
export function MemoryCard({
  personaId,
  memory,
  timelineWritable,
  highlighted,
  extra,
  onChanged,
  onDeleted,
  onShowMemory,
}: {
  personaId: string;
  memory: Memory;
  timelineWritable: boolean;
  highlighted: boolean;
  /** Shown under the badges (e.g. a search score). */
  extra?: string | undefined;
  onChanged: (memory: Memory) => void;
  onDeleted: (id: string) => void;
  /** Scrolls to another memory (the one a revision corrects). */
  onShowMemory: (id: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const writable = memory.owner === "relationship" || timelineWritable;
  const band = strengthBand(memory.strength);
  const headingId = `memory-${memory.id}-heading`;

  return (
    <article
      id={`memory-${memory.id}`}
      className={`card memory-card memory-${band}${highlighted ? " memory-highlighted" : ""}`}
      aria-labelledby={headingId}
      tabIndex={-1}
    >
      <div className="memory-meta">
        <span className={memory.owner === "timeline" ? "badge" : "badge badge-accent"}>
          {ownerLabel(memory.owner)}
        </span>
        <span className="badge" title={TYPE_DESCRIPTIONS[memory.type]}>
          {memory.type}
        </span>
        <span
          className={`memory-strength memory-strength-${band}`}
          title="Strength: how vividly it is recalled"
        >
          <span className="visually-hidden">Strength </span>
          <span className="memory-strength-bar" aria-hidden="true">
            <span style={{ width: `${memory.strength}%` }} />
          </span>
          {memory.strength} · {band}
        </span>
        <span className="muted memory-time">
          {memory.event_time ? (
            <time dateTime={memory.event_time}>{formatDateTime(memory.event_time)}</time>
          ) : (
            <>
              no event time · recorded{" "}
              <time dateTime={memory.created_at}>{formatDateTime(memory.created_at)}</time>
            </>
          )}
          {memory.sequence !== null && <> · #{memory.sequence}</>}
        </span>
      </div>
      {editing ? (
        <MemoryEditor
          personaId={personaId}
          memory={memory}
          timelineWritable={timelineWritable}
          onSaved={(saved) => {
            setEditing(false);
            onChanged(saved);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          <p id={headingId} className="memory-facts">
            {memory.facts}
          </p>
          {memory.feelings && (
            <p className="memory-detail">
              <span className="muted">Felt: </span>
              {memory.feelings}
            </p>
          )}
          {memory.interpretation && (
            <p className="memory-detail">
              <span className="muted">Makes of it: </span>
              {memory.interpretation}
            </p>
          )}
          {memory.emotion_tags.length > 0 && (
            <ul className="memory-tags" aria-label="Emotion tags">
              {memory.emotion_tags.map((tag) => (
                <li key={tag} className="badge">
                  {tag}
                </li>
              ))}
            </ul>
          )}
          {memory.revises && (
            <p className="memory-detail">
              Corrects{" "}
              <button type="button" className="button-link" onClick={() => onShowMemory(memory.revises!)}>
                an earlier memory
              </button>
            </p>
          )}
          <div className="memory-footer">
            <span className="muted memory-source">
              {sourceLabel(memory.source.kind)}
              {extra && <> · {extra}</>}
            </span>
            {writable ? (
              <div className="button-row">
                <button
                  type="button"
                  className="button-small"
                  onClick={() => setEditing(true)}
                  aria-describedby={headingId}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="button-small button-danger"
                  onClick={() => setConfirmingDelete(true)}
                  aria-describedby={headingId}
                >
                  Delete
                </button>
              </div>
            ) : (
              <span className="muted">Read-only: a preset&apos;s timeline</span>
            )}
          </div>
        </>
      )}
      <ConfirmDialog
        open={confirmingDelete}
        title="Delete this memory?"
        confirmLabel="Delete memory"
        onClose={() => setConfirmingDelete(false)}
        onConfirm={async () => {
          await unwrap(
            client.DELETE("/v1/personas/{id}/memories/{memoryId}", {
              params: { path: { id: personaId, memoryId: memory.id } },
            }),
          );
          onDeleted(memory.id);
        }}
      >
        <p>
          <q>{excerpt(memory.facts, 160)}</q>
        </p>
        <p>
          The persona will no longer recall this. Deleting cannot be undone; edit it instead if it is only
          partly wrong.
        </p>
      </ConfirmDialog>
    </article>
  );
}

function sourceLabel(kind: string): string {
  switch (kind) {
    case "extraction":
      return "Learned from a conversation";
    case "generation":
      return "Generated with the persona";
    case "import":
      return "Imported";
    default:
      return "Added by hand";
  }
}
