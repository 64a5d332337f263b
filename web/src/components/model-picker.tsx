import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { getModelSetup, listModelChoices, modelSetupKeys, type ModelChoice } from "../lib/model-setup-api.ts";
import "./model-picker.css";

/** How each source is named in the list, in the order the groups are shown. */
export const MODEL_SOURCE_LABELS: Record<ModelChoice["source"], string> = {
  tenant: "This workspace",
  local: "On this machine",
  server: "Server-wide",
  offline: "Offline demo engine (canned text)",
};
const SOURCE_ORDER = Object.keys(MODEL_SOURCE_LABELS) as ModelChoice["source"][];

/** One row of the list: a model, or (id null) "use the tenant's default". */
interface Row {
  key: string;
  value: string | null;
  label: string;
  detail?: string;
  group: string;
}

export interface ModelPickerProps {
  label: string;
  /** The chosen model id, or null for "the tenant's default" (when `allowDefault`). */
  value: string | null;
  onChange: (value: string | null) => void;
  /** Offer "Tenant default (…)" as the null choice. Default true. */
  allowDefault?: boolean;
  /** What the null choice is called instead, where null means something else (e.g. "The persona's model"). */
  nullLabel?: string;
  hint?: string;
  error?: string;
  disabled?: boolean;
}

/**
 * A searchable list of every configured model (GET /v1/model-setup/models?q=), as an ARIA combobox:
 * a click, Down arrow or typing opens it; typing filters (by id or label, on the server), arrows move,
 * Enter picks, Escape closes and puts the chosen model back. Only a listed model can be chosen: a model id is never typed in free text.
 */
export function ModelPicker({
  label,
  value,
  onChange,
  allowDefault = true,
  nullLabel,
  hint,
  error,
  disabled = false,
}: ModelPickerProps) {
  const id = useId();
  const listId = `${id}-list`;
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const query = useDeferredValue(open ? text.trim() : "");

  const setup = useQuery({
    queryKey: modelSetupKeys.state,
    queryFn: ({ signal }) => getModelSetup(signal),
    enabled: allowDefault && nullLabel === undefined,
  });
  const choices = useQuery({
    queryKey: modelSetupKeys.models(query),
    queryFn: ({ signal }) => listModelChoices(query, signal),
    placeholderData: (previous) => previous,
  });
  // The chosen model's label, looked up in the unfiltered list (already loaded for the closed picker).
  const everything = useQuery({
    queryKey: modelSetupKeys.models(""),
    queryFn: ({ signal }) => listModelChoices("", signal),
  });

  const defaultLabel = nullLabel ?? `Tenant default (${setup.data?.effective_default_model ?? "…"})`;
  const selectedChoice = everything.data?.models.find((model) => model.id === value);
  const selectedText =
    value === null ? (allowDefault ? defaultLabel : "") : selectedChoice ? describe(selectedChoice) : value;

  const rows: Row[] = [];
  if (allowDefault && (query === "" || defaultLabel.toLowerCase().includes(query.toLowerCase())))
    rows.push({ key: "default", value: null, label: defaultLabel, group: "Default" });
  // A model that is no longer configured stays visible, so opening the list never changes it silently.
  if (value !== null && everything.data && !selectedChoice && query === "")
    rows.push({ key: `missing:${value}`, value, label: value, detail: "not configured", group: "Current" });
  const listed = choices.data?.models ?? [];
  for (const source of SOURCE_ORDER) {
    for (const model of listed.filter((candidate) => candidate.source === source)) {
      rows.push({
        key: model.id,
        value: model.id,
        label: model.label,
        detail: model.label === model.id ? model.description : model.id,
        group: MODEL_SOURCE_LABELS[source],
      });
    }
  }
  const activeIndex = Math.min(active, Math.max(rows.length - 1, 0));

  // Keep the active option in view as the arrows move through a long list.
  useEffect(() => {
    if (!open) return;
    listRef.current?.querySelector(`[data-index="${activeIndex}"]`)?.scrollIntoView({ block: "nearest" });
  }, [activeIndex, open]);

  function openList() {
    if (disabled) return;
    setOpen(true);
    setText("");
    const current = rows.findIndex((row) => row.value === value);
    setActive(current >= 0 ? current : 0);
  }

  function close() {
    setOpen(false);
    setText("");
  }

  function choose(row: Row) {
    onChange(row.value);
    close();
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) {
        openList();
        return;
      }
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive(rows.length === 0 ? 0 : (activeIndex + step + rows.length) % rows.length);
    } else if (event.key === "Home" && open) {
      event.preventDefault();
      setActive(0);
    } else if (event.key === "End" && open) {
      event.preventDefault();
      setActive(Math.max(rows.length - 1, 0));
    } else if (event.key === "Enter") {
      if (!open) return;
      // Enter picks; it never submits the form around the picker while the list is open.
      event.preventDefault();
      const row = rows[activeIndex];
      if (row) choose(row);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  }

  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className="field model-picker">
      <label htmlFor={id}>{label}</label>
      <div className="model-picker-control">
        <input
          id={id}
          ref={inputRef}
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open && rows[activeIndex] ? `${id}-option-${activeIndex}` : undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy || undefined}
          autoComplete="off"
          spellCheck={false}
          disabled={disabled}
          value={open ? text : selectedText}
          placeholder={open ? "Type to search models" : undefined}
          // Focus selects the shown model, so typing replaces it with a search; a click opens the list.
          onFocus={(event) => event.target.select()}
          onClick={() => {
            if (!open) openList();
          }}
          onBlur={(event) => {
            // A click on an option blurs the input first: let the click land.
            if (!listRef.current?.contains(event.relatedTarget as Node | null)) close();
          }}
          onChange={(event) => {
            if (!open) setOpen(true);
            setText(event.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <div
          id={listId}
          ref={listRef}
          role="listbox"
          aria-label={label}
          tabIndex={-1}
          className="model-picker-list"
          hidden={!open}
        >
          {open && choices.isPending && <p className="model-picker-empty">Loading models…</p>}
          {open && choices.error && (
            <p className="model-picker-empty field-error">
              Could not load the models: {String(choices.error)}
            </p>
          )}
          {open && choices.data && rows.length === 0 && (
            <p className="model-picker-empty">No model matches “{text.trim()}”.</p>
          )}
          {open &&
            groupRows(rows).map(({ group, entries }) => (
              <div key={group} role="group" aria-labelledby={`${id}-group-${slug(group)}`}>
                <div id={`${id}-group-${slug(group)}`} className="model-picker-group">
                  {group}
                </div>
                {entries.map(({ row, index }) => (
                  <div
                    key={row.key}
                    id={`${id}-option-${index}`}
                    data-index={index}
                    role="option"
                    aria-selected={row.value === value}
                    className={
                      index === activeIndex ? "model-picker-option is-active" : "model-picker-option"
                    }
                    onMouseDown={(event) => event.preventDefault()}
                    onMouseMove={() => setActive(index)}
                    onClick={() => choose(row)}
                  >
                    <span className="model-picker-label">{row.label}</span>
                    {row.detail && <span className="model-picker-detail">{row.detail}</span>}
                  </div>
                ))}
              </div>
            ))}
        </div>
      </div>
      {choices.data?.warnings?.map((warning) => (
        <span key={warning.provider} className="field-hint">
          {warning.provider}: {warning.message}
        </span>
      ))}
      {hint && (
        <span id={`${id}-hint`} className="field-hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** The rows in their groups, each with its index in the whole list (what the arrows count). */
function groupRows(rows: Row[]): { group: string; entries: { row: Row; index: number }[] }[] {
  const groups: { group: string; entries: { row: Row; index: number }[] }[] = [];
  rows.forEach((row, index) => {
    const last = groups.at(-1);
    if (last?.group === row.group) last.entries.push({ row, index });
    else groups.push({ group: row.group, entries: [{ row, index }] });
  });
  return groups;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

function describe(model: ModelChoice): string {
  return model.label === model.id ? model.id : `${model.label} (${model.id})`;
}
