import { createContext, useContext } from "react";
import type { ApiError, Schema } from "../lib/api.ts";
import { fieldErrorFor, getIn } from "./persona-form-values.ts";

type PersonaDefinition = Schema<"PersonaDefinition">;

/**
 * What every builder field needs: the definition being edited, a way to change one dotted path, and
 * the server's message for that path after a failed save.
 */
export interface PersonaFormValue {
  definition: PersonaDefinition;
  setField: (path: string, value: unknown) => void;
  error: ApiError | undefined;
  /** True while a request is running or the persona is read-only (a preset). */
  disabled: boolean;
  /** A field that cannot be parsed (e.g. bad JSON) reports itself, so saving waits until it is fixed. */
  reportInvalid: (path: string, message: string | undefined) => void;
}

export const PersonaFormContext = createContext<PersonaFormValue | undefined>(undefined);

export function usePersonaForm(): PersonaFormValue & {
  valueAt: (path: string) => unknown;
  errorAt: (path: string) => string | undefined;
} {
  const form = useContext(PersonaFormContext);
  if (!form) throw new Error("usePersonaForm outside PersonaFormContext");
  return {
    ...form,
    valueAt: (path) => getIn(form.definition, path),
    errorAt: (path) => fieldErrorFor(form.error, path),
  };
}
