import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { client, unwrapWithStatus } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import { PhoneNumberField, asPhoneNumberProblem } from "./phone-number-field.tsx";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
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
  const queryClient = useQueryClient();
  const add = useMutation({
    mutationFn: (asked: { phoneNumber: string; personaId: string }) =>
      unwrapWithStatus(
        client.POST("/v1/phone-numbers", {
          body: {
            phone_number: asked.phoneNumber,
            ...(asked.personaId ? { persona_id: asked.personaId } : {}),
          },
        }),
      ),
    onSuccess: ({ data: number, status }) => {
      setPhoneNumber("");
      if (status === 202) onCodeSent(number.phone_number);
      else onAlreadyVerified(number.phone_number);
      return queryClient.invalidateQueries({ queryKey: settingsKeys.phoneNumbers, exact: true });
    },
  });
  const problem = asPhoneNumberProblem(add.error);
  // The server texts from the persona's first number, so one choice per persona.
  const senders = numbersToText.filter(
    (number, index) => numbersToText.findIndex((other) => other.personaId === number.personaId) === index,
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({ phoneNumber: phoneNumber.trim(), personaId });
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
          add.reset();
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
        <button
          type="submit"
          className="button-primary"
          disabled={add.isPending || phoneNumber.trim() === ""}
        >
          {add.isPending ? "Texting a code…" : "Text me a code"}
        </button>
      </div>
    </form>
  );
}
