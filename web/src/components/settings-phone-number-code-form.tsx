import { useEffect, useRef, useState, type FormEvent } from "react";
import { api } from "../lib/api.ts";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";

/**
 * The six-digit code texted to a phone. It takes the focus when it opens, since the user's next step
 * is to type the code; a wrong, expired or exhausted code is refused next to the field (422 on `code`).
 */
export function SettingsPhoneNumberCodeForm({
  phoneNumber,
  onVerified,
}: {
  phoneNumber: string;
  onVerified: () => void;
}) {
  const [code, setCode] = useState("");
  const action = useAction();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api("POST", "/v1/phone-numbers/verify", { body: { phone_number: phoneNumber, code } });
      onVerified();
    });
  };

  return (
    <form
      className="settings-inline-form"
      onSubmit={submit}
      aria-label={`Confirm the code for ${phoneNumber}`}
      noValidate
    >
      <FormProblem error={action.error} fields={["code"]} />
      <SettingsField
        label="Code from the text"
        hint="Six digits; the code works for 10 minutes."
        error={fieldError(action.error, "code")}
      >
        {(control) => (
          <input
            {...control}
            ref={input}
            className="sms-code-input"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            value={code}
            onChange={(event) => {
              // Pasted codes often carry spaces or a dash; only the digits count.
              setCode(event.target.value.replace(/\D/g, "").slice(0, 6));
              action.clearError();
            }}
            required
          />
        )}
      </SettingsField>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy || code.length !== 6}>
          {action.busy ? "Checking…" : "Verify"}
        </button>
      </div>
    </form>
  );
}
