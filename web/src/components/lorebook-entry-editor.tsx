import { useId, useState } from "react";
import type { Schema } from "../lib/api.ts";

export type LorebookEntry = Schema<"Lorebook">["entries"][number];

const POSITIONS: { value: LorebookEntry["position"]; label: string }[] = [
  { value: "before_char", label: "Before the character" },
  { value: "after_char", label: "After the character" },
  { value: "before_examples", label: "Before the examples" },
  { value: "after_examples", label: "After the examples" },
  { value: "author_note_top", label: "Author's note (top)" },
  { value: "author_note_bottom", label: "Author's note (bottom)" },
  { value: "at_depth", label: "In the chat, at depth" },
  { value: "outlet", label: "Named outlet" },
];

const LOGICS: { value: LorebookEntry["selective_logic"]; label: string }[] = [
  { value: "and_any", label: "and any secondary key" },
  { value: "and_all", label: "and all secondary keys" },
  { value: "not_any", label: "and none of the secondary keys" },
  { value: "not_all", label: "and not all secondary keys" },
];

/** A new entry with SillyTavern's defaults (the server's own when a field is left out). */
export function newLorebookEntry(id: string): LorebookEntry {
  return {
    id,
    name: "",
    comment: "",
    keys: [],
    secondary_keys: [],
    selective: true,
    selective_logic: "and_any",
    content: "",
    constant: false,
    enabled: true,
    insertion_order: 100,
    priority: null,
    position: "before_char",
    depth: 4,
    role: "system",
    outlet_name: "",
    use_regex: false,
    case_sensitive: null,
    match_whole_words: null,
    scan_depth: null,
    probability: 100,
    use_probability: true,
    exclude_recursion: false,
    prevent_recursion: false,
    delay_until_recursion: 0,
    ignore_budget: false,
    delay: null,
    extensions: {},
  };
}

function parseKeys(text: string): string[] {
  return text
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
}

/** Keys as a comma-separated list; the text is kept as typed, so a trailing comma does not vanish. */
function KeyListField({
  label,
  keys,
  onChange,
  hint,
}: {
  label: string;
  keys: string[];
  onChange: (keys: string[]) => void;
  hint?: string;
}) {
  const [text, setText] = useState(keys.join(", "));
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={text}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(event) => {
          setText(event.target.value);
          onChange(parseKeys(event.target.value));
        }}
        onBlur={() => setText(keys.join(", "))}
      />
      {keys.length > 0 && (
        <span className="lorebook-chips" aria-hidden="true">
          {keys.map((key, index) => (
            <span key={`${key}-${index}`} className="badge">
              {key}
            </span>
          ))}
        </span>
      )}
      {hint && (
        <span className="field-hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
    </div>
  );
}

/** Yes / No / the book's default, for the fields that may be left unset (null). */
function TriStateField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: boolean | null;
  onChange: (value: boolean | null) => void;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <select
        value={value === null ? "" : value ? "yes" : "no"}
        onChange={(event) => onChange(event.target.value === "" ? null : event.target.value === "yes")}
      >
        <option value="">Default</option>
        <option value="yes">Yes</option>
        <option value="no">No</option>
      </select>
    </label>
  );
}

function optionalNumber(text: string): number | null {
  return text.trim() === "" || Number.isNaN(Number(text)) ? null : Number(text);
}

function Checkbox({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="field field-inline">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

/** Every field of one entry, editable; `number` names it for people ("Entry 2"). */
export function LorebookEntryEditor({
  entry,
  number,
  onChange,
  onRemove,
}: {
  entry: LorebookEntry;
  number: number;
  onChange: (entry: LorebookEntry) => void;
  onRemove: () => void;
}) {
  const set = <K extends keyof LorebookEntry>(field: K, value: LorebookEntry[K]) =>
    onChange({ ...entry, [field]: value });
  const fieldId = useId();
  const title = entry.name || entry.comment || entry.keys[0] || "(no keys yet)";
  return (
    <fieldset className="card lorebook-entry" aria-label={`Entry ${number}`}>
      <legend>
        Entry {number}: {title}
        {!entry.enabled && <span className="badge">disabled</span>}
        {entry.constant && <span className="badge">constant</span>}
      </legend>
      <div className="lorebook-grid">
        <label className="field">
          <span>Title</span>
          <input value={entry.name} onChange={(event) => set("name", event.target.value)} />
        </label>
        <KeyListField
          label="Keys"
          keys={entry.keys}
          onChange={(keys) => set("keys", keys)}
          hint="Comma-separated; /pattern/flags is a regular expression"
        />
      </div>
      <div className="field">
        <label htmlFor={`${fieldId}-content`}>Content</label>
        <textarea
          id={`${fieldId}-content`}
          value={entry.content}
          aria-describedby={`${fieldId}-content-hint`}
          onChange={(event) => set("content", event.target.value)}
          rows={4}
        />
        <span className="field-hint" id={`${fieldId}-content-hint`}>
          Decorators such as @@depth 2 on the first lines are honoured.
        </span>
      </div>
      <div className="lorebook-grid">
        <KeyListField
          label="Secondary keys"
          keys={entry.secondary_keys}
          onChange={(keys) => set("secondary_keys", keys)}
        />
        <label className="field">
          <span>Secondary logic</span>
          <select
            value={entry.selective_logic}
            onChange={(event) =>
              set("selective_logic", event.target.value as LorebookEntry["selective_logic"])
            }
          >
            {LOGICS.map((logic) => (
              <option key={logic.value} value={logic.value}>
                {logic.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="lorebook-checks">
        <Checkbox label="Enabled" checked={entry.enabled} onChange={(value) => set("enabled", value)} />
        <Checkbox label="Constant" checked={entry.constant} onChange={(value) => set("constant", value)} />
        <Checkbox
          label="Secondary keys apply (selective)"
          checked={entry.selective}
          onChange={(value) => set("selective", value)}
        />
        <Checkbox
          label="Keys are regex"
          checked={entry.use_regex}
          onChange={(value) => set("use_regex", value)}
        />
        <Checkbox
          label="Ignore the budget"
          checked={entry.ignore_budget}
          onChange={(value) => set("ignore_budget", value)}
        />
        <Checkbox
          label="Not activated by other entries"
          checked={entry.exclude_recursion}
          onChange={(value) => set("exclude_recursion", value)}
        />
        <Checkbox
          label="Does not activate other entries"
          checked={entry.prevent_recursion}
          onChange={(value) => set("prevent_recursion", value)}
        />
      </div>
      <div className="lorebook-grid">
        <TriStateField
          label="Case sensitive"
          value={entry.case_sensitive}
          onChange={(value) => set("case_sensitive", value)}
        />
        <TriStateField
          label="Whole words"
          value={entry.match_whole_words}
          onChange={(value) => set("match_whole_words", value)}
        />
        <label className="field">
          <span>Order</span>
          <input
            type="number"
            value={entry.insertion_order}
            onChange={(event) => set("insertion_order", Math.trunc(Number(event.target.value) || 0))}
          />
        </label>
        <label className="field">
          <span>Priority</span>
          <input
            type="number"
            value={entry.priority ?? ""}
            placeholder="order"
            onChange={(event) => set("priority", optionalNumber(event.target.value))}
          />
        </label>
        <label className="field">
          <span>Position</span>
          <select
            value={entry.position}
            onChange={(event) => set("position", event.target.value as LorebookEntry["position"])}
          >
            {POSITIONS.map((position) => (
              <option key={position.value} value={position.value}>
                {position.label}
              </option>
            ))}
          </select>
        </label>
        {entry.position === "at_depth" && (
          <>
            <label className="field">
              <span>Depth</span>
              <input
                type="number"
                min={0}
                value={entry.depth}
                onChange={(event) => set("depth", Math.max(0, Math.trunc(Number(event.target.value) || 0)))}
              />
            </label>
            <label className="field">
              <span>Role</span>
              <select
                value={entry.role}
                onChange={(event) => set("role", event.target.value as LorebookEntry["role"])}
              >
                <option value="system">System</option>
                <option value="user">User</option>
                <option value="assistant">Assistant</option>
              </select>
            </label>
          </>
        )}
        {entry.position === "outlet" && (
          <label className="field">
            <span>Outlet name</span>
            <input value={entry.outlet_name} onChange={(event) => set("outlet_name", event.target.value)} />
          </label>
        )}
        <label className="field">
          <span>Probability (%)</span>
          <input
            type="number"
            min={0}
            max={100}
            value={entry.probability}
            onChange={(event) =>
              set("probability", Math.min(100, Math.max(0, Number(event.target.value) || 0)))
            }
          />
        </label>
        <label className="field">
          <span>Scan depth</span>
          <input
            type="number"
            min={0}
            value={entry.scan_depth ?? ""}
            placeholder="book's"
            onChange={(event) => {
              const value = optionalNumber(event.target.value);
              set("scan_depth", value === null ? null : Math.max(0, Math.trunc(value)));
            }}
          />
        </label>
      </div>
      <div className="button-row">
        <button type="button" className="button-small button-danger" onClick={onRemove}>
          Remove entry {number}
        </button>
      </div>
    </fieldset>
  );
}
