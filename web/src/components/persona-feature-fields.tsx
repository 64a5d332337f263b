import { CheckboxField } from "./persona-form-fields.tsx";
import { PersonaMediaFields } from "./persona-media-fields.tsx";

/** Feature toggles: channels and paid capabilities, off by default. */
export function PersonaFeatureFields() {
  return (
    <>
      <CheckboxField
        path="features.sms"
        label="SMS enabled"
        hint="Answer texts sent to the persona's phone numbers (bound under Channels, below the form)."
      />
      <CheckboxField
        path="features.premium_model"
        label="Use premium model"
        hint="Higher quality replies; needed for a model override."
      />
      <CheckboxField
        path="features.media_generation"
        label="Media generation"
        hint="Allow generating images and videos when asked."
      />
      <PersonaMediaFields />
      <CheckboxField
        path="features.auto_speech"
        label="Auto generate speech"
        hint={
          "Every reply is also read aloud in the persona's voice (its voice configuration for the " +
          "language), in the background; the audio is kept with the message, so Read aloud plays it at once."
        }
      />
    </>
  );
}
