import type { ReactNode } from "react";
import { PersonaAppearancePresets } from "./persona-appearance-presets.tsx";
import { PersonaArtStylePicker } from "./persona-art-style-picker.tsx";
import { PersonaAssist } from "./persona-assist.tsx";
import { usePersonaForm } from "./persona-form-context.tsx";
import { SelectField, TextAreaField, TextField } from "./persona-form-fields.tsx";
import { PersonaPhotoDescribe } from "./persona-photo-describe.tsx";
import "./persona-appearance.css";

const SEX_OPTIONS = [
  { value: "female", label: "Female" },
  { value: "male", label: "Male" },
  { value: "other", label: "Other" },
];

/**
 * Appearance: the picture (`avatar`, rendered by the page, with its generator), the description images
 * are made from (from a preset, written by the assistant, or read off a photo), sex and art style.
 */
export function PersonaAppearanceFields({ avatar }: { avatar: ReactNode }) {
  const form = usePersonaForm();
  const accept = (text: string) => form.setField("appearance.description", text);
  return (
    <>
      {avatar}
      <PersonaAppearancePresets />
      <TextAreaField
        path="appearance.description"
        label="Appearance description"
        hint="Include age, build, hair, skin tone, typical clothing: used for consistent generated pictures."
        rows={5}
      >
        <PersonaAssist
          task="describe_appearance"
          buttonLabel="Write appearance description"
          definition={form.definition}
          disabled={form.disabled}
          onAccept={accept}
        />
        <PersonaPhotoDescribe onAccept={accept} />
      </TextAreaField>
      <div className="form-grid">
        <SelectField
          path="identity.sex"
          label="Sex"
          options={SEX_OPTIONS}
          nullable
          nullLabel="Not specified"
        />
      </div>
      <PersonaArtStylePicker />
      <TextField
        path="appearance.avatar_url"
        label="Picture URL"
        type="url"
        nullable
        placeholder="https://…"
        hint="Optional link to a picture elsewhere, kept in exported Character Cards."
      />
    </>
  );
}
