import { useState, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import { isNotConfigured, useChannels, type UserPhoneNumber } from "./channel-status.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import "./channel-settings.css";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { SettingsPhoneNumberAdd } from "./settings-phone-number-add.tsx";
import { SettingsPhoneNumberItem } from "./settings-phone-number-item.tsx";
import { SmsNotConfiguredNotice } from "./sms-not-configured-notice.tsx";
import { SmsNumbersToText, useNumbersToText } from "./sms-numbers-to-text.tsx";

/**
 * Your phone numbers for SMS: add one (a six-digit code is texted to it), confirm the code, and from
 * then on texts from that phone to a persona's number reach your conversations with it.
 */
export function SettingsPhoneNumbers() {
  const queryClient = useQueryClient();
  const channels = useChannels();
  // Without Twilio every SMS route answers 404: ask only once the server says SMS is on.
  const configured = channels.data?.sms.enabled === true;
  const numbers = useQuery({
    queryKey: settingsKeys.phoneNumbers,
    enabled: configured,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/phone-numbers", { signal })),
  });
  // The personas' numbers: which to text once verified, and which one may text the code.
  const numbersToText = useNumbersToText(configured);
  const [removing, setRemoving] = useState<UserPhoneNumber | undefined>();
  const [verifying, setVerifying] = useState<string | undefined>();
  const [message, setMessage] = useState<ReactNode>();

  if (channels.data?.sms.enabled === false || isNotConfigured(numbers.error)) {
    return (
      <section aria-labelledby="phone-numbers-heading">
        <h2 id="phone-numbers-heading">Phone numbers</h2>
        <SmsNotConfiguredNotice>Then you can text personas from your phone.</SmsNotConfiguredNotice>
      </section>
    );
  }
  const list = numbers.data?.data ?? [];
  const hasVerified = list.some((number) => number.status === "verified");
  const noPersonaNumber =
    numbersToText.data !== undefined &&
    !numbersToText.data.partial &&
    numbersToText.data.numbers.length === 0;

  const codeSent = (phoneNumber: string) => {
    setMessage(`We texted a code to ${phoneNumber}. Enter it below.`);
    setVerifying(phoneNumber);
  };

  return (
    <section aria-labelledby="phone-numbers-heading">
      <div className="settings-section-header">
        <h2 id="phone-numbers-heading">Phone numbers</h2>
      </div>
      <p className="muted settings-intro">
        Text your personas from your phone. Add your number and confirm the six-digit code we text it; then
        texts from it to a persona&apos;s number reach your conversations with that persona, and its replies
        come back by SMS. United States and Canada numbers only.
      </p>
      <div aria-live="polite">{message && <Notice kind="success">{message}</Notice>}</div>
      {hasVerified && (
        <section className="card sms-texting" aria-labelledby="sms-texting-heading">
          <h3 id="sms-texting-heading">Text your personas</h3>
          <SmsNumbersToText resource={numbersToText} />
        </section>
      )}
      {noPersonaNumber && (
        <Notice>
          No persona has a phone number yet, so there is nothing to text a code from. A persona&apos;s owner
          binds a Twilio number in the persona builder, under Channels.
        </Notice>
      )}
      <SettingsPhoneNumberAdd
        numbersToText={numbersToText.data?.numbers ?? []}
        onCodeSent={codeSent}
        onAlreadyVerified={(phoneNumber) => {
          setMessage(`${phoneNumber} is already verified to you.`);
        }}
      />
      <ErrorNotice error={channels.error ?? numbers.error} />
      {(channels.isPending || (configured && numbers.isPending)) && (
        <Loading label="Loading phone numbers…" />
      )}
      {numbers.data && list.length === 0 && (
        <div className="card settings-empty">
          <p>No phone numbers yet.</p>
        </div>
      )}
      <ul className="settings-list">
        {list.map((number) => (
          <SettingsPhoneNumberItem
            key={number.phone_number}
            number={number}
            verifying={verifying === number.phone_number}
            onEnterCode={() => setVerifying(number.phone_number)}
            onCodeSent={codeSent}
            onVerified={() => {
              setVerifying(undefined);
              setMessage(`${number.phone_number} is verified: its texts now reach your personas.`);
            }}
            onRemove={() => setRemoving(number)}
          />
        ))}
      </ul>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove ${removing?.phone_number ?? ""}?`}
        confirmLabel="Remove number"
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (!removing) return;
          await unwrap(
            client.DELETE("/v1/phone-numbers/{phoneNumber}", {
              params: { path: { phoneNumber: removing.phone_number } },
            }),
          );
          setMessage(undefined);
          if (verifying === removing.phone_number) setVerifying(undefined);
          await queryClient.invalidateQueries({ queryKey: settingsKeys.phoneNumbers, exact: true });
        }}
      >
        <p>
          {removing?.status === "pending"
            ? "The code we texted stops working."
            : "Texts from it no longer reach your conversations, and replies are no longer texted to it. Your SMS conversations keep their messages."}
        </p>
      </ConfirmDialog>
    </section>
  );
}
