import { useId, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { ErrorNotice } from "./notice.tsx";
import { PersonaSuggestion, type AssistAnswer } from "./persona-suggestion.tsx";

type PersonaDefinition = Schema<"PersonaDefinition">;

type AssistTask = "improve_system_message" | "describe_appearance";

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
  // Each answer gets a fresh draft.
  const [answerCount, setAnswerCount] = useState(0);

  const ask = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const guidance = instructions.trim();
      const body = guidance ? { task, definition, instructions: guidance } : { task, definition };
      const result = await unwrap(client.POST("/v1/personas/assist", { body }));
      setAnswer(result);
      setAnswerCount((count) => count + 1);
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
        <PersonaSuggestion
          key={answerCount}
          answer={answer}
          onAccept={(text) => {
            onAccept(text);
            setAnswer(undefined);
          }}
          onDiscard={() => setAnswer(undefined)}
        />
      )}
    </div>
  );
}
