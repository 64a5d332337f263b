import { PersonaAssist } from "./persona-assist.tsx";
import { usePersonaForm } from "./persona-form-context.tsx";
import { TextAreaField } from "./persona-form-fields.tsx";

/** Personality & behaviour: the instructions the model follows. */
export function PersonaPersonalityFields() {
  const form = usePersonaForm();
  return (
    <>
      <TextAreaField
        path="system_message"
        label="System message"
        hint="Core instructions: personality, expertise, behaviour, boundaries, conversation style."
        rows={10}
      >
        <PersonaAssist
          task="improve_system_message"
          buttonLabel="Improve system message"
          definition={form.definition}
          disabled={form.disabled}
          onAccept={(text) => form.setField("system_message", text)}
        />
      </TextAreaField>
      <TextAreaField
        path="start_prompt"
        label="Start prompt"
        hint="Optional instruction the persona uses to begin a conversation."
        rows={3}
      />
      <TextAreaField
        path="personality"
        label="Personality"
        hint="Traits and temperament in a few lines (a Character Card's personality)."
        rows={4}
      />
      <TextAreaField
        path="scenario"
        label="Scenario"
        hint="The situation conversations take place in, if any."
        rows={4}
      />
    </>
  );
}
