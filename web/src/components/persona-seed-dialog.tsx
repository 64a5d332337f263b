import { useId, useRef, useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { ErrorNotice } from "./notice.tsx";

type Persona = Schema<"Persona">;

interface SeedForm {
  name: string;
  age: string;
  location: string;
  occupation: string;
  sex: string;
  traits: string;
  seed: string;
}

const EMPTY: SeedForm = { name: "", age: "", location: "", occupation: "", sex: "", traits: "", seed: "" };

const FIELDS: { key: keyof SeedForm; label: string; hint?: string; type?: string }[] = [
  { key: "name", label: "Full name" },
  { key: "age", label: "Age", type: "number", hint: "5-120" },
  { key: "location", label: "Location", hint: "e.g. Lyon, France" },
  { key: "occupation", label: "Occupation", hint: "e.g. pastry chef" },
  { key: "traits", label: "Traits (optional)", hint: "Comma-separated, up to 10: curious, patient" },
  { key: "seed", label: "Seed (optional)", hint: "The same seed and fields give the same persona" },
];

/**
 * "Generate from a seed": name, age, location and occupation become a full persona draft with a
 * timeline of memories (POST /v1/personas/generate), then the builder opens on it.
 */
export function PersonaSeedDialog({ onGenerated }: { onGenerated: (persona: Persona) => void }) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [form, setForm] = useState<SeedForm>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const queryClient = useQueryClient();
  const apiError = error instanceof ApiError ? error : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const traits = form.traits
      .split(",")
      .map((trait) => trait.trim())
      .filter(Boolean);
    const body: Record<string, unknown> = {
      name: form.name,
      age: form.age.trim() === "" ? null : Number(form.age),
      location: form.location,
      occupation: form.occupation,
    };
    if (form.sex) body.sex = form.sex;
    if (traits.length > 0) body.traits = traits;
    if (form.seed.trim()) body.seed = form.seed.trim();
    try {
      // Sent as typed, blanks included: the server's 422 names each missing or wrong field.
      const seed = body as unknown as Schema<"PersonaSeed">;
      const generated = await unwrap(client.POST("/v1/personas/generate", { body: seed }));
      void queryClient.invalidateQueries({ queryKey: personaKeys.lists() });
      dialog.current?.close();
      setForm(EMPTY);
      onGenerated(generated.persona);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (key: string) =>
    apiError?.errors.find((item) => item.field === key || item.field.startsWith(`${key}.`))?.message;
  const unplaced = apiError?.errors.filter((item) => !(item.field.split(".")[0]! in EMPTY)) ?? [];

  return (
    <>
      <button type="button" onClick={() => dialog.current?.showModal()}>
        Generate from a seed
      </button>
      <dialog ref={dialog} aria-labelledby={`${id}-title`} className="persona-dialog">
        <form onSubmit={(event) => void submit(event)} noValidate>
          <h2 id={`${id}-title`}>Generate a persona from a seed</h2>
          <p className="field-hint">
            Four facts are enough: the rest (traits, communication style, a life timeline of memories) is
            generated as a draft you can edit before publishing.
          </p>
          <div className="form-grid">
            {FIELDS.map((field) => {
              const message = fieldError(field.key);
              return (
                <div className="field" key={field.key}>
                  <label htmlFor={`${id}-${field.key}`}>{field.label}</label>
                  <input
                    id={`${id}-${field.key}`}
                    type={field.type ?? "text"}
                    value={form[field.key]}
                    aria-invalid={message ? true : undefined}
                    aria-describedby={`${id}-${field.key}-hint`}
                    onChange={(event) => setForm({ ...form, [field.key]: event.target.value })}
                  />
                  <span id={`${id}-${field.key}-hint`} className={message ? "field-error" : "field-hint"}>
                    {message ?? field.hint}
                  </span>
                </div>
              );
            })}
            <div className="field">
              <label htmlFor={`${id}-sex`}>Sex (optional)</label>
              <select
                id={`${id}-sex`}
                value={form.sex}
                onChange={(event) => setForm({ ...form, sex: event.target.value })}
              >
                <option value="">Not specified</option>
                <option value="female">Female</option>
                <option value="male">Male</option>
                <option value="other">Other</option>
              </select>
            </div>
          </div>
          {apiError && apiError.errors.length > 0 && unplaced.length === 0 ? (
            <p className="field-error" role="alert">
              Check the highlighted fields.
            </p>
          ) : (
            <ErrorNotice error={error} />
          )}
          <div className="button-row">
            <button type="submit" className="button-primary" disabled={busy}>
              {busy ? "Generating…" : "Generate"}
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
