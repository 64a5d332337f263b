import { CheckboxField, NumberField, TextAreaField, TextField } from "./persona-form-fields.tsx";
import { PersonaModelField } from "./persona-model-field.tsx";
import { StringListField } from "./persona-string-list-field.tsx";

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

const TIME_ZONES = timeZones();

/** Communication: greetings, style examples, active hours and the text-channel configuration. */
export function PersonaCommunicationFields() {
  return (
    <>
      <TextAreaField
        path="first_message"
        label="First message"
        hint="What the persona says to open a new conversation."
        rows={3}
      />
      <StringListField
        path="alternate_greetings"
        legend="Alternate greetings"
        itemLabel="Greeting"
        addLabel="Add a greeting"
        hint="Other openings to pick from, as in Character Cards."
      />
      <StringListField
        path="communication_examples"
        legend="Communication style examples"
        itemLabel="Example"
        addLabel="Add an example"
        hint="Sample replies showing tone, formality and emoji use."
      />
      <fieldset>
        <legend>Active hours</legend>
        <p className="field-hint">
          The persona&apos;s local time window: when it is most responsive and sends check-ins.
        </p>
        <div className="form-grid">
          <TextField path="active_hours.start" label="Active hours start" type="time" />
          <TextField path="active_hours.end" label="Active hours end" type="time" />
          <TextField
            path="active_hours.time_zone"
            label="Time zone"
            list="persona-time-zones"
            hint="IANA name, e.g. Europe/Paris"
          />
        </div>
        <datalist id="persona-time-zones">
          {TIME_ZONES.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
      </fieldset>
      <fieldset>
        <legend>Chat configuration</legend>
        <p className="field-hint">
          For text channels (SMS, WhatsApp). Empty values fall back to the persona&apos;s own settings.
        </p>
        <TextAreaField path="chat_configuration.prompt" label="Chat prompt" rows={4} />
        <div className="form-grid">
          <PersonaModelField
            path="chat_configuration.model"
            label="Chat model"
            nullLabel="The persona's own model"
          />
          <NumberField
            path="chat_configuration.temperature"
            label="Chat temperature"
            min={0}
            max={2}
            step={0.05}
          />
          <NumberField path="chat_configuration.max_tokens" label="Chat max tokens" min={1} step={1} />
        </div>
        <CheckboxField
          path="chat_configuration.forward_to_voice"
          label="Forward to voice"
          hint="Offer to continue a chat as a voice call."
        />
      </fieldset>
    </>
  );
}
