import { useId, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { Link } from "../lib/router.tsx";
import { ErrorNotice } from "./notice.tsx";

type PersonaDefinition = Schema<"PersonaDefinition">;

type AssistTask = "improve_system_message" | "describe_appearance";

type AssistAnswer = Schema<"PersonaAssistResult">;

/**
 * An AI helper under a field: asks the configured model (POST /v1/personas/assist) for a suggestion
 * from the current form, and shows it for the user to edit, accept into the field, or discard.
 */
export function PersonaAssist({
  task,
  buttonLabel,
  definition,
  disabled,
  onAccept,
}: {
  task: AssistTask;
  buttonLabel: string;
  definition: PersonaDefinition;
  disabled: boolean;
  onAccept: (text: string) => void;
}) {
  const id = useId();
  const [instructions, setInstructions] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [answer, setAnswer] = useState<AssistAnswer | undefined>(undefined);
  const [draft, setDraft] = useState("");

  const ask = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const guidance = instructions.trim();
      const body = guidance ? { task, definition, instructions: guidance } : { task, definition };
      const result = await unwrap(client.POST("/v1/personas/assist", { body }));
      setAnswer(result);
      setDraft(result.text);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="persona-assist">
      <div className="persona-assist-controls">
        <div className="field persona-assist-guidance">
          <label htmlFor={`${id}-guidance`} className="field-hint">
            Guidance for the assistant (optional)
          </label>
          <input
            id={`${id}-guidance`}
            value={instructions}
            placeholder="e.g. warmer, shorter, more specific"
            disabled={disabled || busy}
            onChange={(event) => setInstructions(event.target.value)}
          />
        </div>
        <button type="button" disabled={disabled || busy} onClick={() => void ask()}>
          {busy ? "Thinking…" : buttonLabel}
        </button>
      </div>
      <ErrorNotice error={error} />
      {answer && (
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
            <button
              type="button"
              className="button-primary button-small"
              onClick={() => {
                onAccept(draft);
                setAnswer(undefined);
              }}
            >
              Accept
            </button>
            <button type="button" className="button-small" onClick={() => setAnswer(undefined)}>
              Discard
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
