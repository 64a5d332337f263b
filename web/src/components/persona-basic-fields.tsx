import { ListTextField, NumberField, TextAreaField, TextField } from "./persona-form-fields.tsx";

/** Basic: who the persona is. */
export function PersonaBasicFields() {
  return (
    <>
      <TextField
        path="name"
        label="Name"
        hint="Shown everywhere the persona appears; required, up to 100 characters."
      />
      <ListTextField path="tags" label="Tags" hint="Comma-separated, for finding and grouping personas." />
      <div className="form-grid">
        <NumberField path="identity.age" label="Age" min={0} max={200} step={1} />
        <TextField path="identity.location" label="Location" nullable placeholder="e.g. Lisbon, Portugal" />
        <TextField
          path="identity.occupation"
          label="Occupation"
          nullable
          placeholder="e.g. marine biologist"
        />
      </div>
      <TextAreaField
        path="identity.summary"
        label="Summary"
        hint="A short biography: background, what they care about, what they know."
        rows={4}
      />
    </>
  );
}
