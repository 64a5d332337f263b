import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { skillKeys } from "../lib/query-keys-studies.ts";
import { SettingsField } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";
import {
  DEFAULT_ANSWER_DRAFT,
  StudyAnswerEditor,
  answerFromDraft,
  type AnswerDraft,
} from "./study-answer-editor.tsx";
import { StudyContextRows, contextFromRows, contextRow, type ContextRow } from "./study-context-rows.tsx";
import { StudyFormProblem, errorUnder } from "./study-field.tsx";
import type { AnswerType, Skill } from "./study-format.ts";

const DEFAULT_PROMPT =
  "You are {{persona.name}}, {{persona.age}}, a {{persona.occupation}} in {{persona.location}}. {{context.question}}";

const PROMPT_VARIABLES = [
  "persona.name",
  "persona.age",
  "persona.sex",
  "persona.location",
  "persona.occupation",
  "persona.traits",
  "persona.tags",
  "persona.summary",
  "context.<key>",
];

const SCORING_HINTS: Record<AnswerType, string> = {
  likert: 'Optional. {"reverse": true} scores max + min − value; otherwise the value is the score.',
  single_choice: 'Optional. {"weights": {"Yes": 1, "No": 0}} or {"correct": "Yes"}.',
  multiple_choice: 'Optional. {"weights": {"A": 1, "B": 2}} (sum of chosen) or {"correct": ["A", "C"]}.',
  number: "Not needed: the value is the score.",
  text: "Text answers have no score.",
  json: "JSON answers have no score.",
};

const SHOWN_FIELDS = ["name", "description", "prompt", "answer", "scoring", "context"];

interface LocalError {
  field: string;
  message: string;
}

/** A new skill: the question (a prompt template), the shape of its answer, scoring and context defaults. */
export function StudySkillForm({
  onCreated,
  onCancel,
}: {
  onCreated: (skill: Skill) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [prompt, setPrompt] = useState(DEFAULT_PROMPT);
  const [answer, setAnswer] = useState<AnswerDraft>(DEFAULT_ANSWER_DRAFT);
  const [scoring, setScoring] = useState("");
  const [context, setContext] = useState<ContextRow[]>(() => [contextRow("question", "")]);
  const [localError, setLocalError] = useState<LocalError | undefined>();
  const action = useAction();
  const queryClient = useQueryClient();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setLocalError(undefined);
    const built = answerFromDraft(answer);
    if ("field" in built) {
      setLocalError(built);
      return;
    }
    let scoringValue: unknown = undefined;
    if (scoring.trim()) {
      try {
        scoringValue = JSON.parse(scoring) as unknown;
      } catch (failure) {
        setLocalError({
          field: "scoring",
          message: `not valid JSON (${failure instanceof Error ? failure.message : String(failure)})`,
        });
        return;
      }
    }
    const body: Record<string, unknown> = {
      name: name.trim(),
      prompt,
      answer: built.answer,
      context: contextFromRows(context),
    };
    if (description.trim()) body.description = description.trim();
    if (scoringValue !== undefined) body.scoring = scoringValue;
    await action.run(async () => {
      // The server validates: a field left as typed text comes back as a 422 naming it.
      const created = await unwrap(
        client.POST("/v1/skills", { body: body as unknown as Schema<"SkillInput"> }),
      );
      await queryClient.invalidateQueries({ queryKey: skillKeys.all });
      onCreated(created);
    });
  }

  const localMessage = (field: string) => (localError?.field === field ? localError.message : undefined);

  return (
    <form className="card study-form" onSubmit={(event) => void submit(event)} noValidate>
      <h2>New skill</h2>
      <StudyFormProblem error={action.error} shown={SHOWN_FIELDS} />
      <div className="form-grid">
        <SettingsField label="Skill name" error={errorUnder(action.error, "name")}>
          {(control) => (
            <input
              {...control}
              value={name}
              required
              placeholder="Remote work"
              onChange={(event) => setName(event.target.value)}
            />
          )}
        </SettingsField>
        <SettingsField label="Description (optional)" error={errorUnder(action.error, "description")}>
          {(control) => (
            <input
              {...control}
              value={description}
              placeholder="Attitude to working from home"
              onChange={(event) => setDescription(event.target.value)}
            />
          )}
        </SettingsField>
      </div>
      <SettingsField
        label="Prompt template"
        error={errorUnder(action.error, "prompt")}
        hint={
          <>
            Variables:{" "}
            {PROMPT_VARIABLES.map((variable, index) => (
              <span key={variable}>
                {index > 0 && ", "}
                <code>{`{{${variable}}}`}</code>
              </span>
            ))}
            . The model is asked to reply with the answer as JSON.
          </>
        }
      >
        {(control) => (
          <textarea
            {...control}
            rows={4}
            value={prompt}
            onChange={(event) => setPrompt(event.target.value)}
          />
        )}
      </SettingsField>
      <StudyAnswerEditor draft={answer} onChange={setAnswer} error={action.error} localError={localError} />
      <SettingsField
        label="Scoring (JSON, optional)"
        error={localMessage("scoring") ?? errorUnder(action.error, "scoring")}
        hint={SCORING_HINTS[answer.type]}
      >
        {(control) => (
          <textarea
            {...control}
            className="study-code"
            rows={3}
            spellCheck={false}
            value={scoring}
            placeholder="{}"
            onChange={(event) => setScoring(event.target.value)}
          />
        )}
      </SettingsField>
      <StudyContextRows
        rows={context}
        onChange={setContext}
        error={action.error}
        legend="Context defaults"
        hint="Values for {{context.<key>}} in the prompt; a study can override each one."
      />
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy}>
          {action.busy ? "Creating…" : "Create skill"}
        </button>
        <button type="button" onClick={onCancel} disabled={action.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
