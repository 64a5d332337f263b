import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { skillKeys } from "../lib/query-keys-studies.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { useStudyPageTitle } from "../components/study-page-title.tsx";
import { useSkills } from "../components/study-queries.ts";
import { StudySkillForm } from "../components/study-skill-form.tsx";
import {
  answerTypeLabel,
  contextValueText,
  formatTime,
  type AnswerSpec,
  type Skill,
} from "../components/study-format.ts";

/** /studies/skills: the questions studies ask, each with the shape of its answer. */
export function SkillsPage() {
  useStudyPageTitle("Skills · Studies");
  const skills = useSkills();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Skill | undefined>();
  const [message, setMessage] = useState<string | undefined>();

  return (
    <>
      <header className="page-header">
        <h1>Skills</h1>
        <button
          type="button"
          className="button-primary"
          disabled={creating}
          onClick={() => {
            setCreating(true);
            setMessage(undefined);
          }}
        >
          New skill
        </button>
      </header>
      <p className="muted study-intro">
        A skill is a question put to each persona (a prompt template) and the shape its answer must have. A
        study copies its skill when it starts, so changing or deleting a skill never changes a study.
      </p>
      {message && <Notice kind="success">{message}</Notice>}
      {creating && (
        <StudySkillForm
          onCreated={(skill) => {
            setCreating(false);
            setMessage(`Skill “${skill.name}” created.`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <ErrorNotice error={skills.error} />
      {skills.isPending && <Loading label="Loading skills…" />}
      {skills.data && skills.data.length === 0 && !creating && (
        <div className="card study-empty">
          <p>
            <strong>No skills yet.</strong> Press “New skill” to write the first question.
          </p>
        </div>
      )}
      {skills.data && skills.data.length > 0 && (
        <ul className="study-list">
          {skills.data.map((skill) => (
            <li key={skill.id} className="card study-item">
              <div className="study-item-header">
                <h2 id={`skill-${skill.id}-name`}>{skill.name}</h2>
                <span className="badge badge-accent">{answerTypeLabel(skill.answer.type)}</span>
                <span className="study-subtle">created {formatTime(skill.created_at)}</span>
                <button
                  type="button"
                  className="button-small button-danger study-item-action"
                  aria-describedby={`skill-${skill.id}-name`}
                  onClick={() => setDeleting(skill)}
                >
                  Delete
                </button>
              </div>
              {skill.description && <p className="study-description">{skill.description}</p>}
              <details>
                <summary>Prompt and answer</summary>
                <pre>{skill.prompt}</pre>
                <p>{describeAnswer(skill.answer)}</p>
                {skill.scoring != null && (
                  <p>
                    Scoring: <code>{JSON.stringify(skill.scoring)}</code>
                  </p>
                )}
                {skill.context && Object.keys(skill.context).length > 0 && (
                  <dl className="study-facts">
                    {Object.entries(skill.context).map(([key, value]) => (
                      <div key={key}>
                        <dt>
                          <code>{`{{context.${key}}}`}</code>
                        </dt>
                        <dd>{contextValueText(value)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </details>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this skill?"
        confirmLabel="Delete skill"
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          if (!deleting) return;
          await unwrap(client.DELETE("/v1/skills/{id}", { params: { path: { id: deleting.id } } }));
          setMessage(`Skill “${deleting.name}” deleted.`);
          await queryClient.invalidateQueries({ queryKey: skillKeys.all });
        }}
      >
        <p>“{deleting?.name}” will be deleted. Studies that already asked it keep their own copy of it.</p>
      </ConfirmDialog>
    </>
  );
}

/** One sentence on what an answer must be. */
function describeAnswer(answer: AnswerSpec): string {
  switch (answer.type) {
    case "likert": {
      const { min, max, labels } = answer.scale;
      const ends = labels && labels.length > 1 ? ` (${labels[0]} … ${labels[labels.length - 1]})` : "";
      return `A whole number from ${min} to ${max}${ends}.`;
    }
    case "single_choice":
      return `One of: ${answer.options.join(", ")}.`;
    case "multiple_choice": {
      const bounds = [
        answer.min_choices != null ? `at least ${answer.min_choices}` : "",
        answer.max_choices != null ? `at most ${answer.max_choices}` : "",
      ].filter(Boolean);
      return `Any of: ${answer.options.join(", ")}${bounds.length > 0 ? ` (${bounds.join(", ")})` : ""}.`;
    }
    case "number": {
      const kind = answer.integer ? "A whole number" : "A number";
      if (answer.minimum != null && answer.maximum != null)
        return `${kind} from ${answer.minimum} to ${answer.maximum}.`;
      if (answer.minimum != null) return `${kind} of at least ${answer.minimum}.`;
      if (answer.maximum != null) return `${kind} of at most ${answer.maximum}.`;
      return `${kind}.`;
    }
    case "text":
      return answer.max_length ? `Text of up to ${answer.max_length} characters.` : "Free text.";
    case "json":
      return `JSON matching the schema ${JSON.stringify(answer.schema)}.`;
  }
}
