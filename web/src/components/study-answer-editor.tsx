import { SettingsField } from "./settings-field.tsx";
import { errorUnder, errorsUnclaimed } from "./study-field.tsx";
import { ANSWER_TYPES, linesOf, optionalNumber, type AnswerSpec, type AnswerType } from "./study-format.ts";

/** What the answer editor holds: text for every type's fields, so switching type loses nothing. */
export interface AnswerDraft {
  type: AnswerType;
  likertMin: string;
  likertMax: string;
  /** One label per line; blank for none. */
  likertLabels: string;
  /** One option per line (single and multiple choice). */
  options: string;
  minChoices: string;
  maxChoices: string;
  minimum: string;
  maximum: string;
  integer: boolean;
  maxLength: string;
  schema: string;
}

export const DEFAULT_ANSWER_DRAFT: AnswerDraft = {
  type: "likert",
  likertMin: "1",
  likertMax: "5",
  likertLabels: "Strongly disagree\nDisagree\nNeutral\nAgree\nStrongly agree",
  options: "Yes\nNo",
  minChoices: "",
  maxChoices: "",
  minimum: "0",
  maximum: "100",
  integer: false,
  maxLength: "",
  schema:
    '{\n  "type": "object",\n  "properties": { "reason": { "type": "string" } },\n  "required": ["reason"]\n}',
};

/** Copies the defined entries only, so a blank optional field is left to the API's default. */
function defined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/**
 * The API's `answer` object from the draft, or the message for a field that cannot be sent as it is
 * (only the JSON schema: everything else the server checks and names).
 */
export function answerFromDraft(
  draft: AnswerDraft,
): { answer: AnswerSpec } | { field: string; message: string } {
  switch (draft.type) {
    case "likert": {
      const labels = linesOf(draft.likertLabels);
      const scale = defined({
        min: optionalNumber(draft.likertMin),
        max: optionalNumber(draft.likertMax),
        labels: labels.length > 0 ? labels : undefined,
      });
      return { answer: { type: "likert", scale } as AnswerSpec };
    }
    case "single_choice":
      return { answer: { type: "single_choice", options: linesOf(draft.options) } };
    case "multiple_choice":
      return {
        answer: {
          type: "multiple_choice",
          options: linesOf(draft.options),
          ...defined({
            min_choices: optionalNumber(draft.minChoices),
            max_choices: optionalNumber(draft.maxChoices),
          }),
        } as AnswerSpec,
      };
    case "number":
      return {
        answer: {
          type: "number",
          ...defined({ minimum: optionalNumber(draft.minimum), maximum: optionalNumber(draft.maximum) }),
          integer: draft.integer,
        } as AnswerSpec,
      };
    case "text":
      return {
        answer: { type: "text", ...defined({ max_length: optionalNumber(draft.maxLength) }) } as AnswerSpec,
      };
    case "json": {
      try {
        // Not an object: sent as it is, so the server names answer.schema.
        return { answer: { type: "json", schema: JSON.parse(draft.schema) as Record<string, unknown> } };
      } catch (failure) {
        return {
          field: "answer.schema",
          message: `not valid JSON (${failure instanceof Error ? failure.message : String(failure)})`,
        };
      }
    }
  }
}

/** The `answer.*` fields each type's controls show; other answer errors are listed under them. */
const FIELDS_SHOWN: Record<AnswerType, string[]> = {
  likert: ["answer.scale.min", "answer.scale.max", "answer.scale.labels"],
  single_choice: ["answer.options"],
  multiple_choice: ["answer.options", "answer.min_choices", "answer.max_choices"],
  number: ["answer.minimum", "answer.maximum"],
  text: ["answer.max_length"],
  json: ["answer.schema"],
};

/**
 * The answer a skill asks for: the type, then that type's own fields (scale and labels, options and
 * how many may be chosen, bounds, length, or a JSON schema). `error` is the failed save, whose
 * `answer.*` messages appear next to their controls; `localError` is a schema that does not parse.
 */
export function StudyAnswerEditor({
  draft,
  onChange,
  error,
  localError,
}: {
  draft: AnswerDraft;
  onChange: (draft: AnswerDraft) => void;
  error: unknown;
  localError: { field: string; message: string } | undefined;
}) {
  const set = (change: Partial<AnswerDraft>) => onChange({ ...draft, ...change });
  const messageFor = (path: string) =>
    (localError?.field === path ? localError.message : undefined) ?? errorUnder(error, path);
  const labelCount = linesOf(draft.likertLabels).length;
  const span = Number(draft.likertMax) - Number(draft.likertMin) + 1;

  return (
    <fieldset className="study-answer">
      <legend>Answer</legend>
      <SettingsField
        label="Answer type"
        error={errorUnder(error, "answer.type")}
        hint="What shape the model's answer must have; answers that do not fit are asked again."
      >
        {(control) => (
          <select
            {...control}
            value={draft.type}
            onChange={(event) => set({ type: event.target.value as AnswerType })}
          >
            {ANSWER_TYPES.map((item) => (
              <option key={item.type} value={item.type}>
                {item.label}
              </option>
            ))}
          </select>
        )}
      </SettingsField>

      {draft.type === "likert" && (
        <>
          <div className="form-grid">
            <SettingsField label="Lowest value" error={messageFor("answer.scale.min")}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  step={1}
                  value={draft.likertMin}
                  onChange={(event) => set({ likertMin: event.target.value })}
                />
              )}
            </SettingsField>
            <SettingsField label="Highest value" error={messageFor("answer.scale.max")}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  step={1}
                  value={draft.likertMax}
                  onChange={(event) => set({ likertMax: event.target.value })}
                />
              )}
            </SettingsField>
          </div>
          <SettingsField
            label="Labels (optional)"
            error={messageFor("answer.scale.labels")}
            hint={
              Number.isFinite(span) && span > 0
                ? `One per line, lowest first: ${span} needed, ${labelCount} given. Leave empty for numbers only.`
                : "One per line, lowest first. Leave empty for numbers only."
            }
          >
            {(control) => (
              <textarea
                {...control}
                rows={5}
                value={draft.likertLabels}
                onChange={(event) => set({ likertLabels: event.target.value })}
              />
            )}
          </SettingsField>
        </>
      )}

      {(draft.type === "single_choice" || draft.type === "multiple_choice") && (
        <SettingsField
          label="Options"
          error={messageFor("answer.options")}
          hint="One per line, 2 to 50 distinct options."
        >
          {(control) => (
            <textarea
              {...control}
              rows={5}
              value={draft.options}
              onChange={(event) => set({ options: event.target.value })}
            />
          )}
        </SettingsField>
      )}

      {draft.type === "multiple_choice" && (
        <div className="form-grid">
          <SettingsField
            label="At least (optional)"
            error={messageFor("answer.min_choices")}
            hint="Fewest options to choose"
          >
            {(control) => (
              <input
                {...control}
                type="number"
                min={0}
                step={1}
                value={draft.minChoices}
                onChange={(event) => set({ minChoices: event.target.value })}
              />
            )}
          </SettingsField>
          <SettingsField
            label="At most (optional)"
            error={messageFor("answer.max_choices")}
            hint="Most options to choose"
          >
            {(control) => (
              <input
                {...control}
                type="number"
                min={1}
                step={1}
                value={draft.maxChoices}
                onChange={(event) => set({ maxChoices: event.target.value })}
              />
            )}
          </SettingsField>
        </div>
      )}

      {draft.type === "number" && (
        <>
          <div className="form-grid">
            <SettingsField label="Minimum" error={messageFor("answer.minimum")}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  step="any"
                  value={draft.minimum}
                  onChange={(event) => set({ minimum: event.target.value })}
                />
              )}
            </SettingsField>
            <SettingsField label="Maximum" error={messageFor("answer.maximum")}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  step="any"
                  value={draft.maximum}
                  onChange={(event) => set({ maximum: event.target.value })}
                />
              )}
            </SettingsField>
          </div>
          <label className="field field-inline study-check">
            <input
              type="checkbox"
              checked={draft.integer}
              onChange={(event) => set({ integer: event.target.checked })}
            />
            Whole numbers only
          </label>
        </>
      )}

      {draft.type === "text" && (
        <SettingsField
          label="Longest answer (optional)"
          error={messageFor("answer.max_length")}
          hint="In characters; blank for the default (2000)."
        >
          {(control) => (
            <input
              {...control}
              type="number"
              min={1}
              step={1}
              value={draft.maxLength}
              onChange={(event) => set({ maxLength: event.target.value })}
            />
          )}
        </SettingsField>
      )}

      {draft.type === "json" && (
        <SettingsField
          label="JSON schema"
          error={messageFor("answer.schema")}
          hint="The answer must validate against this schema."
        >
          {(control) => (
            <textarea
              {...control}
              className="study-code"
              rows={8}
              spellCheck={false}
              value={draft.schema}
              onChange={(event) => set({ schema: event.target.value })}
            />
          )}
        </SettingsField>
      )}
      {errorsUnclaimed(error, "answer", ["answer.type", ...(FIELDS_SHOWN[draft.type] ?? [])]).map((item) => (
        <p key={`${item.field}:${item.message}`} className="field-error">
          <code>{item.field}</code>: {item.message}
        </p>
      ))}
    </fieldset>
  );
}
