import { useState, type FormEvent } from "react";
import { apiFetch } from "../lib/api.ts";
import type { UserPhoneNumber } from "./channel-status.ts";
import { PhoneNumberField, asPhoneNumberProblem } from "./phone-number-field.tsx";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";
import type { NumberToText } from "./sms-numbers-to-text.tsx";

/**
 * Asks for a code to be texted to the user's phone: 202 when one was sent, 200 when the number is
 * already verified to this user. A refusal (opted out, a code sent moments ago, Twilio failing) is
 * shown next to the number. With numbers of several personas, the user picks which one texts the code.
 */
export function SettingsPhoneNumberAdd({
  numbersToText,
  onCodeSent,
  onAlreadyVerified,
}: {
  numbersToText: NumberToText[];
  onCodeSent: (phoneNumber: string) => void;
  onAlreadyVerified: (phoneNumber: string) => void;
}) {
  const [phoneNumber, setPhoneNumber] = useState("");
  const [personaId, setPersonaId] = useState("");
  const action = useAction();
  const problem = asPhoneNumberProblem(action.error);
  // The server texts from the persona's first number, so one choice per persona.
  const senders = numbersToText.filter(
    (number, index) => numbersToText.findIndex((other) => other.personaId === number.personaId) === index,
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const response = await apiFetch("POST", "/v1/phone-numbers", {
        body: { phone_number: phoneNumber.trim(), ...(personaId ? { persona_id: personaId } : {}) },
      });
      const number = (await response.json()) as UserPhoneNumber;
      setPhoneNumber("");
      if (response.status === 202) onCodeSent(number.phone_number);
      else onAlreadyVerified(number.phone_number);
    });
  };

  return (
    <form className="card settings-form" onSubmit={submit} aria-label="Add a phone number" noValidate>
      <FormProblem error={problem} fields={["phone_number", "persona_id"]} />
      <PhoneNumberField
        label="Your phone number"
        hint="In international form, e.g. +1 415 555 0111."
        autoComplete="tel"
        value={phoneNumber}
        onChange={(value) => {
          setPhoneNumber(value);
          action.clearError();
        }}
        error={problem}
      />
      {senders.length > 1 && (
        <SettingsField
          label="Text the code from"
          hint="The persona whose number sends the code; you can text every persona's number once verified."
          error={fieldError(problem, "persona_id")}
        >
          {(control) => (
            <select {...control} value={personaId} onChange={(event) => setPersonaId(event.target.value)}>
              <option value="">Any persona&apos;s number</option>
              {senders.map((sender) => (
                <option key={sender.personaId} value={sender.personaId}>
                  {sender.personaName} ({sender.phoneNumber})
                </option>
              ))}
            </select>
          )}
        </SettingsField>
      )}
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy || phoneNumber.trim() === ""}>
          {action.busy ? "Texting a code…" : "Text me a code"}
        </button>
      </div>
    </form>
  );
}
