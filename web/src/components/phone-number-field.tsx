import { ApiError } from "../lib/api.ts";
import { SettingsField, fieldError } from "./settings-field.tsx";

/** The request field both SMS forms send: a persona's Twilio number, or the user's own phone. */
const FIELD = "phone_number";

/**
 * A failed phone-number request as a problem about the number itself. The server names the field when
 * the number is malformed or outside the US and Canada (422), but answers "bound to another persona"
 * (409), "opted out" (409), "a code was just sent" (429) and "Twilio failed" (502) with a detail only.
 * Those are about this number too, so they are shown next to it rather than at the top of the form.
 */
export function asPhoneNumberProblem(error: unknown): unknown {
  if (!(error instanceof ApiError) || error.errors.length > 0) return error;
  if (![409, 429, 502].includes(error.status)) return error;
  return new ApiError(error.status, error.title, error.detail, [
    { field: FIELD, message: error.detail || error.title },
  ]);
}

/**
 * A phone-number input with its label, hint and the server's message for it. Pass the error through
 * `asPhoneNumberProblem` first, and the same error to the form's FormProblem with `fields={["phone_number"]}`
 * so the summary points here instead of repeating the message.
 */
export function PhoneNumberField({
  label,
  hint,
  value,
  onChange,
  error,
  autoComplete = "off",
  disabled = false,
}: {
  label: string;
  hint: string;
  value: string;
  onChange: (value: string) => void;
  error: unknown;
  /** "tel" for the user's own phone; a persona's Twilio number is not the browser's to fill in. */
  autoComplete?: "tel" | "off";
  disabled?: boolean;
}) {
  return (
    <SettingsField label={label} hint={hint} error={fieldError(error, FIELD)}>
      {(control) => (
        <input
          {...control}
          type="tel"
          inputMode="tel"
          autoComplete={autoComplete}
          spellCheck={false}
          maxLength={40}
          value={value}
          disabled={disabled}
          onChange={(event) => onChange(event.target.value)}
          required
        />
      )}
    </SettingsField>
  );
}
