import { useId, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, client, unwrap, type Schema } from "../lib/api.ts";
import {
  MEMORY_TYPES,
  TYPE_DESCRIPTIONS,
  fromLocalInput,
  strengthBand,
  toLocalInput,
  type MemoryOwner,
  type MemoryType,
} from "./memory-format.ts";

type Memory = Schema<"Memory">;

/** The fields the form shows, and the wire field each one maps to. */
const FIELD_OF = {
  facts: "facts",
  feelings: "feelings",
  interpretation: "interpretation",
  emotion_tags: "emotion_tags",
  type: "type",
  strength: "strength",
  event_time: "event_time",
  owner: "owner",
} as const;

interface Draft {
  owner: MemoryOwner;
  facts: string;
  feelings: string;
  interpretation: string;
  tags: string;
  type: MemoryType;
  strength: number;
  eventTime: string;
}

function draftOf(memory: Memory | undefined, owner: MemoryOwner): Draft {
  return {
    owner: memory?.owner ?? owner,
    facts: memory?.facts ?? "",
    feelings: memory?.feelings ?? "",
    interpretation: memory?.interpretation ?? "",
    tags: memory?.emotion_tags.join(", ") ?? "",
    type: memory?.type ?? "normal",
    strength: memory?.strength ?? 50,
    eventTime: toLocalInput(memory?.event_time ?? null),
  };
}

function tagsOf(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/**
 * Edits a memory (PATCH with only what changed) or adds one (POST), showing the server's validation
 * messages next to the fields they name.
 */
export function MemoryEditor({
  personaId,
  memory,
  timelineWritable,
  onSaved,
  onCancel,
}: {
  personaId: string;
  /** The memory to edit; undefined to add a new one. */
  memory?: Memory | undefined;
  /** False for a preset persona, whose timeline is read-only. */
  timelineWritable: boolean;
  onSaved: (memory: Memory) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const initial = draftOf(memory, timelineWritable ? "timeline" : "relationship");
  const [draft, setDraft] = useState<Draft>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((old) => ({ ...old, [key]: value }));
  const fieldMessage = (field: keyof typeof FIELD_OF) =>
    error instanceof ApiError ? error.fieldMessage(FIELD_OF[field]) : undefined;

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body: Schema<"MemoryPatch"> = {};
      const changed = <K extends keyof Draft>(key: K) => !memory || draft[key] !== initial[key];
      if (changed("facts")) body.facts = draft.facts;
      if (changed("feelings")) body.feelings = draft.feelings;
      if (changed("interpretation")) body.interpretation = draft.interpretation;
      if (changed("tags")) body.emotion_tags = tagsOf(draft.tags);
      if (changed("type")) body.type = draft.type;
      if (changed("strength")) body.strength = draft.strength;
      if (changed("eventTime")) body.event_time = fromLocalInput(draft.eventTime);
      const saved = memory
        ? await unwrap(
            client.PATCH("/v1/personas/{id}/memories/{memoryId}", {
              params: { path: { id: personaId, memoryId: memory.id } },
              body,
            }),
          )
        : await unwrap(
            client.POST("/v1/personas/{id}/memories", {
              params: { path: { id: personaId } },
              body: { ...body, facts: draft.facts, owner: draft.owner },
            }),
          );
      onSaved(saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const known = new Set<string>(Object.values(FIELD_OF));
  const otherErrors =
    error instanceof ApiError
      ? error.errors.filter((item) => !known.has(item.field.split(".").at(-1) ?? item.field))
      : [];

  return (
    <form
      className="memory-editor"
      onSubmit={save}
      noValidate
      aria-label={memory ? "Edit memory" : "New memory"}
    >
      {error !== undefined && (
        <div className="notice notice-error" role="alert">
          {!(error instanceof ApiError)
            ? String(error)
            : error.errors.length > 0 && otherErrors.length === 0
              ? "Check the fields marked below."
              : error.detail || error.title}
          {otherErrors.length > 0 && (
            <ul>
              {otherErrors.map((item) => (
                <li key={item.field}>
                  {item.field}: {item.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {!memory && (
        <Field id={`${id}-owner`} label="Whose memory" error={fieldMessage("owner")}>
          <select
            id={`${id}-owner`}
            {...describedBy(`${id}-owner`, fieldMessage("owner"))}
            value={draft.owner}
            onChange={(event) => set("owner", event.target.value as MemoryOwner)}
          >
            <option value="timeline" disabled={!timelineWritable}>
              Timeline: the persona&apos;s own past
            </option>
            <option value="relationship">Relationship: something it remembers about you</option>
          </select>
        </Field>
      )}
      <Field id={`${id}-facts`} label="Content" error={fieldMessage("facts")} hint="What happened, as facts.">
        <textarea
          id={`${id}-facts`}
          {...describedBy(`${id}-facts`, fieldMessage("facts"))}
          value={draft.facts}
          onChange={(event) => set("facts", event.target.value)}
          required
          maxLength={4000}
          autoFocus
        />
      </Field>
      <div className="form-grid">
        <Field
          id={`${id}-type`}
          label="Type"
          error={fieldMessage("type")}
          hint={TYPE_DESCRIPTIONS[draft.type]}
        >
          <select
            id={`${id}-type`}
            {...describedBy(`${id}-type`, fieldMessage("type"))}
            value={draft.type}
            onChange={(event) => set("type", event.target.value as MemoryType)}
          >
            {MEMORY_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id={`${id}-strength`}
          label="Strength"
          error={fieldMessage("strength")}
          hint={`0-100: ${strengthBand(draft.strength)} (75+ vivid, below 40 faded)`}
        >
          <div className="memory-strength-input">
            <input
              type="range"
              min={0}
              max={100}
              value={Number.isNaN(draft.strength) ? 50 : draft.strength}
              aria-hidden="true"
              tabIndex={-1}
              onChange={(event) => set("strength", Number(event.target.value))}
            />
            <input
              id={`${id}-strength`}
              type="number"
              min={0}
              max={100}
              step={1}
              value={Number.isNaN(draft.strength) ? "" : draft.strength}
              onChange={(event) => set("strength", event.target.valueAsNumber)}
              {...describedBy(`${id}-strength`, fieldMessage("strength"))}
            />
          </div>
        </Field>
        <Field
          id={`${id}-time`}
          label="Event time"
          error={fieldMessage("event_time")}
          hint="When it happened, in your local time; 00:00 for a date without a time; empty if unknown."
        >
          <input
            id={`${id}-time`}
            {...describedBy(`${id}-time`, fieldMessage("event_time"))}
            type="datetime-local"
            value={draft.eventTime}
            onChange={(event) => set("eventTime", event.target.value)}
          />
        </Field>
      </div>
      <details className="memory-editor-more" open={Boolean(memory?.feelings || memory?.interpretation)}>
        <summary>Feelings, interpretation and emotion tags</summary>
        <Field id={`${id}-feelings`} label="Feelings" error={fieldMessage("feelings")}>
          <textarea
            id={`${id}-feelings`}
            {...describedBy(`${id}-feelings`, fieldMessage("feelings"))}
            value={draft.feelings}
            onChange={(event) => set("feelings", event.target.value)}
          />
        </Field>
        <Field id={`${id}-interpretation`} label="Interpretation" error={fieldMessage("interpretation")}>
          <textarea
            id={`${id}-interpretation`}
            {...describedBy(`${id}-interpretation`, fieldMessage("interpretation"))}
            value={draft.interpretation}
            onChange={(event) => set("interpretation", event.target.value)}
          />
        </Field>
        <Field
          id={`${id}-tags`}
          label="Emotion tags"
          error={fieldMessage("emotion_tags")}
          hint="Comma-separated, e.g. joy, nostalgia"
        >
          <input
            id={`${id}-tags`}
            {...describedBy(`${id}-tags`, fieldMessage("emotion_tags"))}
            value={draft.tags}
            onChange={(event) => set("tags", event.target.value)}
          />
        </Field>
      </details>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <span id={`${id}-hint`} className="field-hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Points a control at its hint and error, and marks it invalid when there is an error. */
function describedBy(id: string, error: string | undefined) {
  return {
    "aria-describedby": error ? `${id}-hint ${id}-error` : `${id}-hint`,
    "aria-invalid": error ? true : undefined,
  };
}
