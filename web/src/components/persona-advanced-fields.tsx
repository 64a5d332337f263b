import { CheckboxField, NumberField, SelectField } from "./persona-form-fields.tsx";
import { PersonaModelField } from "./persona-model-field.tsx";
import { JsonObjectField } from "./persona-json-field.tsx";

const TIER_OPTIONS = [
  { value: "basic", label: "Basic: recent conversations" },
  { value: "extended", label: "Extended: longer history" },
  { value: "longest", label: "Longest: maximum retention" },
];

const SCOPE_OPTIONS = [
  { value: "account", label: "Per account (default)" },
  { value: "user_persona", label: "Per user persona" },
  { value: "contact", label: "Per contact" },
];

/** Advanced model settings: model, sampling, memory, and raw card data. Empty means "model default". */
export function PersonaAdvancedFields() {
  return (
    <>
      <PersonaModelField
        path="model"
        label="Model"
        hint="The tenant default follows whatever an admin chooses in Settings → Model."
      />
      <fieldset>
        <legend>Sampling</legend>
        <p className="field-hint">Leave a value empty to use the model&apos;s own default.</p>
        <div className="form-grid">
          <NumberField
            path="sampling.temperature"
            label="Temperature"
            min={0}
            max={2}
            step={0.05}
            hint="0-2: lower is focused, higher is creative."
          />
          <NumberField path="sampling.top_p" label="Top P" min={0} max={1} step={0.01} hint="0-1" />
          <NumberField
            path="sampling.top_k"
            label="Top K"
            min={0}
            max={100}
            step={1}
            hint="0-100; 0 disables"
          />
          <NumberField path="sampling.min_p" label="Min P" min={0} max={1} step={0.01} hint="0-1" />
          <NumberField
            path="sampling.frequency_penalty"
            label="Frequency penalty"
            min={-2}
            max={2}
            step={0.1}
            hint="-2 to 2"
          />
          <NumberField
            path="sampling.presence_penalty"
            label="Presence penalty"
            min={-2}
            max={2}
            step={0.1}
            hint="-2 to 2"
          />
          <NumberField
            path="sampling.repetition_penalty"
            label="Repetition penalty"
            min={0}
            max={2}
            step={0.05}
            hint="0-2; above 1 reduces loops"
          />
          <NumberField path="sampling.top_a" label="Top A" min={0} max={1} step={0.01} hint="0-1" />
          <NumberField
            path="sampling.max_tokens"
            label="Max tokens"
            min={1}
            step={1}
            hint="Reply length cap"
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Memory</legend>
        <div className="form-grid">
          <SelectField path="memory.tier" label="Memory tier" options={TIER_OPTIONS} />
          <SelectField
            path="memory.scope"
            label="Relationship memory scope"
            options={SCOPE_OPTIONS}
            hint="Whom memories about a user belong to."
          />
        </div>
        <CheckboxField
          path="memory.extraction"
          label="Learn memories from conversations"
          hint="After each exchange, new facts are extracted and remembered."
        />
        <p className="field-hint">
          Retrieval weights (0-10): how much relevance, importance and recency count when choosing memories
          for a reply. Defaults 3, 2 and 0.5.
        </p>
        <div className="form-grid">
          <NumberField path="memory.weights.relevance" label="Relevance weight" min={0} max={10} step={0.1} />
          <NumberField
            path="memory.weights.importance"
            label="Importance weight"
            min={0}
            max={10}
            step={0.1}
          />
          <NumberField path="memory.weights.recency" label="Recency weight" min={0} max={10} step={0.1} />
        </div>
      </fieldset>
      <fieldset>
        <legend>Character Card data</legend>
        <JsonObjectField
          path="card"
          label="Card fields"
          hint="Character Card fields with no Dramatis equivalent (creator, character_book…), kept for export. Keys merge on save."
        />
        <JsonObjectField
          path="extensions"
          label="Extensions"
          hint="Free-form extensions; a card's extensions round-trip here. Keys merge on save."
        />
      </fieldset>
    </>
  );
}
