import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { client, unwrap } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";

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
  const queryClient = useQueryClient();
  const verify = useMutation({
    mutationFn: (typed: string) =>
      unwrap(client.POST("/v1/phone-numbers/verify", { body: { phone_number: phoneNumber, code: typed } })),
    onSuccess: () => {
      onVerified();
      return queryClient.invalidateQueries({ queryKey: settingsKeys.phoneNumbers, exact: true });
    },
  });
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate(code);
  };

  return (
    <form
      className="settings-inline-form"
      onSubmit={submit}
      aria-label={`Confirm the code for ${phoneNumber}`}
      noValidate
    >
      <FormProblem error={verify.error} fields={["code"]} />
      <SettingsField
        label="Code from the text"
        hint="Six digits; the code works for 10 minutes."
        error={fieldError(verify.error, "code")}
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
              verify.reset();
            }}
            required
          />
        )}
      </SettingsField>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={verify.isPending || code.length !== 6}>
          {verify.isPending ? "Checking…" : "Verify"}
        </button>
      </div>
    </form>
  );
}
