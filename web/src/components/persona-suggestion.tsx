import { useId, useState } from "react";
import type { Schema } from "../lib/api.ts";
import { Link } from "../lib/router.tsx";

export type AssistAnswer = Schema<"PersonaAssistResult">;

/**
 * The assistant's suggestion under a builder field, for the user to edit, then accept into the field or
 * discard; says when it came from the offline engine rather than a model. Give it a `key` per answer, so
 * a new answer starts a new draft.
 */
export function PersonaSuggestion({
  answer,
  onAccept,
  onDiscard,
}: {
  answer: AssistAnswer;
  onAccept: (text: string) => void;
  onDiscard: () => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState(answer.text);
  return (
    <div className="persona-suggestion" role="region" aria-label="Assistant suggestion">
      {answer.offline ? (
        <p className="notice notice-warning">
          This suggestion came from the offline engine, not a language model. Configure a model in{" "}
          <Link to="/settings/model">Settings → Model</Link> for real suggestions.
        </p>
      ) : (
        <p className="field-hint">
          Suggested by {answer.model}. Edit it if you like, then accept or discard.
        </p>
      )}
      <label htmlFor={`${id}-suggestion`} className="visually-hidden">
        Suggested text
      </label>
      <textarea
        id={`${id}-suggestion`}
        rows={8}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
      />
      <div className="button-row">
        <button type="button" className="button-primary button-small" onClick={() => onAccept(draft)}>
          Accept
        </button>
        <button type="button" className="button-small" onClick={onDiscard}>
          Discard
        </button>
      </div>
    </div>
  );
}
