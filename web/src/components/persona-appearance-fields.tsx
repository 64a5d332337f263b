import type { ReactNode } from "react";
import { PersonaAssist } from "./persona-assist.tsx";
import { usePersonaForm } from "./persona-form-context.tsx";
import { SelectField, TextAreaField, TextField } from "./persona-form-fields.tsx";

const ART_STYLE_OPTIONS = [
  { value: "realistic", label: "Realistic" },
  { value: "semi_realistic", label: "Semi-realistic" },
  { value: "anime", label: "Anime" },
];

const SEX_OPTIONS = [
  { value: "female", label: "Female" },
  { value: "male", label: "Male" },
  { value: "other", label: "Other" },
];

/** Appearance: the picture (`avatar`, rendered by the page) and the description images are made from. */
export function PersonaAppearanceFields({ avatar }: { avatar: ReactNode }) {
  const form = usePersonaForm();
  return (
    <>
      {avatar}
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
          onAccept={(text) => form.setField("appearance.description", text)}
        />
      </TextAreaField>
      <div className="form-grid">
        <SelectField
          path="identity.sex"
          label="Sex"
          options={SEX_OPTIONS}
          nullable
          nullLabel="Not specified"
        />
        <SelectField
          path="appearance.art_style"
          label="Art style"
          options={ART_STYLE_OPTIONS}
          hint="For the generated pictures of this persona."
        />
      </div>
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
