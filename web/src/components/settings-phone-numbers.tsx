import { useState, type FormEvent } from "react";
import { api } from "../lib/api.ts";
import { useResource } from "../lib/use-resource.ts";
import { isNotConfigured, useChannels, type UserPhoneNumber } from "./channel-model.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import "./channel-settings.css";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { formatDateTime } from "./scheduled-model.tsx";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";

/**
 * Your phone numbers for SMS: add one (a six-digit code is texted to it), confirm the code, and from
 * then on texts from that phone to a persona's number reach your conversations with it.
 */
export function SettingsPhoneNumbers() {
  const [generation, setGeneration] = useState(0);
  const numbers = useResource(`phone-numbers:${generation}`, () =>
    api<{ data: UserPhoneNumber[] }>("GET", "/v1/phone-numbers"),
  );
  const [removing, setRemoving] = useState<UserPhoneNumber | undefined>();
  const [verifying, setVerifying] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const reload = () => setGeneration((value) => value + 1);
  const channels = useChannels();

  if (channels.data?.sms.enabled === false || isNotConfigured(numbers.error)) {
    return (
      <section aria-labelledby="phone-numbers-heading">
        <h2 id="phone-numbers-heading">Phone numbers</h2>
        <Notice>
          SMS is not set up on this server. An operator turns it on with a Twilio account (
          <code>TWILIO_ACCOUNT_SID</code> and <code>TWILIO_AUTH_TOKEN</code>); then you can text personas
          here.
        </Notice>
      </section>
    );
  }
  const list = numbers.data?.data ?? [];
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
      <AddPhoneNumberForm
        onCodeSent={(phoneNumber) => {
          setMessage(`We texted a code to ${phoneNumber}. Enter it below.`);
          setVerifying(phoneNumber);
          reload();
        }}
        onAlreadyVerified={(phoneNumber) => {
          setMessage(`${phoneNumber} is already verified to you.`);
          reload();
        }}
      />
      <ErrorNotice error={numbers.error} />
      {numbers.loading && !numbers.data && <Loading label="Loading phone numbers…" />}
      {numbers.data && list.length === 0 && (
        <div className="card settings-empty">
          <p>No phone numbers yet.</p>
        </div>
      )}
      <ul className="settings-list">
        {list.map((number) => (
          <li key={number.phone_number} className="card settings-item">
            <div className="settings-item-header">
              <h3 id={`phone-${number.phone_number}`}>{number.phone_number}</h3>
              <span className={`badge ${number.status === "verified" ? "badge-accent" : "badge-warning"}`}>
                {number.status === "verified" ? "Verified" : "Waiting for the code"}
              </span>
              {number.opted_out && <span className="badge badge-danger">Opted out</span>}
            </div>
            <p className="settings-description">
              {number.status === "verified"
                ? `Verified ${formatDateTime(number.verified_at)}.`
                : `The code we texted works until ${formatDateTime(number.code_expires_at)}.`}
              {number.opted_out && " This phone texted STOP: nothing is texted to it until it texts START."}
            </p>
            {number.status === "pending" && verifying === number.phone_number && (
              <VerifyCodeForm
                phoneNumber={number.phone_number}
                onVerified={() => {
                  setVerifying(undefined);
                  setMessage(`${number.phone_number} is verified: text a persona's number to start.`);
                  reload();
                }}
              />
            )}
            <div className="button-row">
              {number.status === "pending" && verifying !== number.phone_number && (
                <button
                  type="button"
                  className="button-small"
                  onClick={() => setVerifying(number.phone_number)}
                  aria-describedby={`phone-${number.phone_number}`}
                >
                  Enter code
                </button>
              )}
              <button
                type="button"
                className="button-small button-danger"
                onClick={() => setRemoving(number)}
                aria-describedby={`phone-${number.phone_number}`}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove ${removing?.phone_number ?? ""}?`}
        confirmLabel="Remove number"
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (!removing) return;
          await api("DELETE", `/v1/phone-numbers/${encodeURIComponent(removing.phone_number)}`);
          setMessage(undefined);
          reload();
        }}
      >
        <p>Texts from it no longer reach your conversations. Your SMS conversations keep their messages.</p>
      </ConfirmDialog>
    </section>
  );
}

function AddPhoneNumberForm({
  onCodeSent,
  onAlreadyVerified,
}: {
  onCodeSent: (phoneNumber: string) => void;
  onAlreadyVerified: (phoneNumber: string) => void;
}) {
  const [phoneNumber, setPhoneNumber] = useState("");
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const number = await api<UserPhoneNumber>("POST", "/v1/phone-numbers", {
        body: { phone_number: phoneNumber.trim() },
      });
      setPhoneNumber("");
      if (number.status === "verified") onAlreadyVerified(number.phone_number);
      else onCodeSent(number.phone_number);
    });
  };
  return (
    <form className="card settings-form" onSubmit={submit} aria-label="Add a phone number">
      <FormProblem error={action.error} fields={["phone_number"]} />
      <SettingsField
        label="Your phone number"
        hint="In international form, e.g. +1 415 555 0111"
        error={fieldError(action.error, "phone_number")}
      >
        {(control) => (
          <input
            {...control}
            type="tel"
            autoComplete="tel"
            value={phoneNumber}
            onChange={(event) => setPhoneNumber(event.target.value)}
            required
          />
        )}
      </SettingsField>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy || phoneNumber.trim() === ""}>
          {action.busy ? "Texting a code…" : "Text me a code"}
        </button>
      </div>
    </form>
  );
}

function VerifyCodeForm({ phoneNumber, onVerified }: { phoneNumber: string; onVerified: () => void }) {
  const [code, setCode] = useState("");
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api("POST", "/v1/phone-numbers/verify", {
        body: { phone_number: phoneNumber, code: code.trim() },
      });
      onVerified();
    });
  };
  return (
    <form
      className="settings-inline-form"
      onSubmit={submit}
      aria-label={`Confirm the code for ${phoneNumber}`}
    >
      <FormProblem error={action.error} fields={["code"]} />
      <SettingsField label="Code from the text" error={fieldError(action.error, "code")}>
        {(control) => (
          <input
            {...control}
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\d{6}"
            maxLength={6}
            value={code}
            onChange={(event) => setCode(event.target.value.replace(/\D/g, ""))}
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
