import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { client, unwrap, unwrapWithStatus, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import { ChannelBoundNumbers } from "./channel-bound-numbers.tsx";
import { isNotConfigured, type ChannelsStatus } from "./channel-status.ts";
import { Notice } from "./notice.tsx";
import { PhoneNumberField, asPhoneNumberProblem } from "./phone-number-field.tsx";
import { FormProblem } from "./settings-field.tsx";
import { SmsNotConfiguredNotice } from "./sms-not-configured-notice.tsx";

type Persona = Schema<"Persona">;

/** Where a provider's webhook points: this server's own address, as the browser sees it. */
export function webhookUrl(path: string): string {
  return `${window.location.origin}${path}`;
}

/**
 * The Twilio numbers people text the persona at: list, bind (the server's refusal shown next to the
 * field), unbind, where the numbers' messaging webhook must point, and a warning while texts to them
 * would go unanswered because "SMS enabled" is off in the version that answers now.
 */
export function SmsPersonaNumbers({ persona, channels }: { persona: Persona; channels: ChannelsStatus }) {
  const id = useId();
  const queryClient = useQueryClient();
  const path = { params: { path: { id: persona.id } } };
  // Under the persona's key: saving or publishing changes which version answers, and so `sms_enabled`,
  // and invalidates what hangs beneath the persona.
  const numbersKey = personaKeys.phoneNumbers(persona.id);
  const numbers = useQuery({
    queryKey: numbersKey,
    // Without Twilio every SMS route answers 404: ask only when the server says SMS is on.
    enabled: channels.sms.enabled,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/personas/{id}/phone-numbers", { ...path, signal })),
  });
  const [phoneNumber, setPhoneNumber] = useState("");
  const [message, setMessage] = useState<string | undefined>();
  // Settings → Phone numbers lists every persona's numbers to text, so it is stale too.
  const numbersChanged = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: numbersKey }),
      queryClient.invalidateQueries({ queryKey: settingsKeys.numbersToText }),
    ]);
  const binding = useMutation({
    mutationFn: (number: string) =>
      unwrapWithStatus(
        client.POST("/v1/personas/{id}/phone-numbers", { ...path, body: { phone_number: number } }),
      ),
    onSuccess: ({ data: bound, status }) => {
      setMessage(
        status === 201
          ? `Bound ${bound.phone_number}.`
          : `${bound.phone_number} was already bound to ${persona.name || "this persona"}.`,
      );
      setPhoneNumber("");
      return numbersChanged();
    },
  });
  const problem = asPhoneNumberProblem(binding.error);

  const bind = (event: FormEvent) => {
    event.preventDefault();
    setMessage(undefined);
    binding.mutate(phoneNumber.trim());
  };

  const heading = <h3 id={`${id}-heading`}>SMS (Twilio)</h3>;
  if (!channels.sms.enabled || isNotConfigured(numbers.error)) {
    return (
      <div aria-labelledby={`${id}-heading`} role="group">
        {heading}
        <SmsNotConfiguredNotice>
          Until then this persona cannot be texted; everything else works as usual.
        </SmsNotConfiguredNotice>
      </div>
    );
  }

  const list = numbers.data?.data ?? [];
  return (
    <div aria-labelledby={`${id}-heading`} role="group">
      {heading}
      {numbers.data && !numbers.data.sms_enabled && list.length > 0 && (
        <SmsDisabledWarning persona={persona} />
      )}
      <ChannelBoundNumbers
        loading={numbers.isPending}
        error={numbers.error}
        empty="No phone number yet."
        items={list.map((number) => ({ key: number.phone_number, label: number.phone_number }))}
        removeTitle={(label) => `Unbind ${label} from ${persona.name || "this persona"}?`}
        onRemove={async (key) => {
          await unwrap(
            client.DELETE("/v1/personas/{id}/phone-numbers/{phoneNumber}", {
              params: { path: { id: persona.id, phoneNumber: key } },
            }),
          );
          setMessage(undefined);
          await numbersChanged();
        }}
      />
      <div aria-live="polite">{message && <Notice kind="success">{message}</Notice>}</div>
      <form onSubmit={bind} aria-label="Add a Twilio number" className="settings-inline-form" noValidate>
        <FormProblem error={problem} fields={["phone_number"]} />
        <PhoneNumberField
          label="Twilio number"
          hint="A number of your Twilio account; United States or Canada, e.g. +1 415 555 0100."
          value={phoneNumber}
          onChange={(value) => {
            setPhoneNumber(value);
            binding.reset();
          }}
          error={problem}
        />
        <div className="button-row">
          <button
            type="submit"
            className="button-small"
            disabled={binding.isPending || phoneNumber.trim() === ""}
          >
            {binding.isPending ? "Adding…" : "Add number"}
          </button>
        </div>
      </form>
      <p className="field-hint" id={`${id}-webhook`}>
        In Twilio, set each number&apos;s messaging webhook (“A message comes in”, HTTP POST) to{" "}
        <code>{webhookUrl(channels.sms.webhook_path)}</code>. People verify their own phone under Settings →
        Phone numbers before their texts reach the persona.
      </p>
    </div>
  );
}

/** Bound numbers whose texts go unanswered: says why, and what turns them on. */
function SmsDisabledWarning({ persona }: { persona: Persona }) {
  const published = persona.production_version !== null;
  return (
    <Notice kind="warning">
      “SMS enabled” is off in the version that answers now
      {published ? ` (version ${persona.production_version})` : " (the draft)"}: texts to these numbers are
      not answered.{" "}
      {published && persona.features.sms
        ? "It is on in the saved draft: publish to turn it on."
        : published
          ? "Turn it on under Features, save and publish."
          : "Turn it on under Features and save the draft."}
    </Notice>
  );
}
