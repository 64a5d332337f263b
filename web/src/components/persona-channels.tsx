import { useId, useState, type FormEvent, type ReactNode } from "react";
import { api } from "../lib/api.ts";
import { useResource } from "../lib/use-resource.ts";
import {
  isNotConfigured,
  useChannels,
  type ChannelsStatus,
  type PersonaPhoneNumber,
  type PersonaWhatsAppNumber,
} from "./channel-model.ts";
import "./channel-settings.css";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import type { Persona } from "./persona-model.tsx";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";

/** Where a provider's webhook points: this server's own address, as the browser sees it. */
function webhookUrl(path: string): string {
  return `${window.location.origin}${path}`;
}

/**
 * Channels: the Twilio numbers people text the persona at, and the WhatsApp Business numbers it answers
 * on, with where each provider's webhook must point. A channel the server has not set up says so.
 */
export function PersonaChannels({ persona }: { persona: Persona }) {
  const id = useId();
  const channels = useChannels();
  return (
    <section className="card persona-channels" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Channels</h2>
      <p className="field-hint">
        People can also reach this persona by SMS and on WhatsApp; it answers at its own pace (initiative,
        active hours and the “Responds immediately” modifier).
      </p>
      <ErrorNotice error={channels.error} />
      {channels.loading && !channels.data && <Loading />}
      {channels.data && <SmsNumbers persona={persona} channels={channels.data} />}
      {channels.data && <WhatsAppNumbers persona={persona} channels={channels.data} />}
    </section>
  );
}

function SmsNumbers({ persona, channels }: { persona: Persona; channels: ChannelsStatus }) {
  const [generation, setGeneration] = useState(0);
  const path = `/v1/personas/${encodeURIComponent(persona.id)}/phone-numbers`;
  const numbers = useResource(`persona-phone-numbers:${persona.id}:${generation}`, () =>
    api<{ data: PersonaPhoneNumber[]; sms_enabled: boolean }>("GET", path),
  );
  const [phoneNumber, setPhoneNumber] = useState("");
  const action = useAction();
  const reload = () => setGeneration((value) => value + 1);
  const bind = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api("POST", path, { body: { phone_number: phoneNumber.trim() } });
      setPhoneNumber("");
      reload();
    });
  };
  const list = numbers.data?.data ?? [];
  return (
    <>
      <h3>SMS (Twilio)</h3>
      {!channels.sms.enabled || isNotConfigured(numbers.error) ? (
        <Notice>
          SMS is not set up on this server: an operator sets <code>TWILIO_ACCOUNT_SID</code> and{" "}
          <code>TWILIO_AUTH_TOKEN</code>.
        </Notice>
      ) : (
        <>
          {numbers.data && !numbers.data.sms_enabled && list.length > 0 && (
            <Notice kind="warning">
              “SMS enabled” is off in the version that answers now (Features): texts to these numbers are not
              answered until it is on.
            </Notice>
          )}
          <BoundNumbers
            loading={numbers.loading && !numbers.data}
            error={numbers.error}
            empty="No phone number yet."
            items={list.map((number) => ({ key: number.phone_number, label: number.phone_number }))}
            removeTitle={(label) => `Unbind ${label} from ${persona.name}?`}
            onRemove={async (key) => {
              await api("DELETE", `${path}/${encodeURIComponent(key)}`);
              reload();
            }}
          />
          <form onSubmit={bind} aria-label="Add a Twilio number" className="settings-inline-form">
            <FormProblem error={action.error} fields={["phone_number"]} />
            <SettingsField
              label="Twilio number"
              hint="United States or Canada, e.g. +1 415 555 0100"
              error={fieldError(action.error, "phone_number")}
            >
              {(control) => (
                <input
                  {...control}
                  type="tel"
                  value={phoneNumber}
                  onChange={(event) => setPhoneNumber(event.target.value)}
                  required
                />
              )}
            </SettingsField>
            <div className="button-row">
              <button
                type="submit"
                className="button-small"
                disabled={action.busy || phoneNumber.trim() === ""}
              >
                Add number
              </button>
            </div>
          </form>
          <p className="field-hint">
            In Twilio, set each number&apos;s messaging webhook (HTTP POST) to{" "}
            <code>{webhookUrl(channels.sms.webhook_path)}</code>. People verify their own number under
            Settings → Phone numbers before their texts reach the persona.
          </p>
        </>
      )}
    </>
  );
}

function WhatsAppNumbers({ persona, channels }: { persona: Persona; channels: ChannelsStatus }) {
  const [generation, setGeneration] = useState(0);
  const path = `/v1/personas/${encodeURIComponent(persona.id)}/whatsapp-numbers`;
  const numbers = useResource(`persona-whatsapp-numbers:${persona.id}:${generation}`, () =>
    api<{ data: PersonaWhatsAppNumber[] }>("GET", path),
  );
  const [phoneNumberId, setPhoneNumberId] = useState("");
  const [displayNumber, setDisplayNumber] = useState("");
  const action = useAction();
  const reload = () => setGeneration((value) => value + 1);
  const bind = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api("POST", path, {
        body: { phone_number_id: phoneNumberId.trim(), display_phone_number: displayNumber.trim() },
      });
      setPhoneNumberId("");
      setDisplayNumber("");
      reload();
    });
  };
  const list = numbers.data?.data ?? [];
  const off = !channels.whatsapp.enabled || isNotConfigured(numbers.error);
  return (
    <>
      <h3>WhatsApp</h3>
      {off ? (
        <Notice>
          WhatsApp is not set up on this server: an operator sets <code>WHATSAPP_VERIFY_TOKEN</code>,{" "}
          <code>WHATSAPP_APP_SECRET</code> and <code>WHATSAPP_ACCESS_TOKEN</code>.
        </Notice>
      ) : (
        <>
          <BoundNumbers
            loading={numbers.loading && !numbers.data}
            error={numbers.error}
            empty="No WhatsApp number yet."
            items={list.map((number) => ({
              key: number.phone_number_id,
              label: `${number.display_phone_number} (id ${number.phone_number_id})`,
            }))}
            removeTitle={(label) => `Unbind ${label} from ${persona.name}?`}
            onRemove={async (key) => {
              await api("DELETE", `${path}/${encodeURIComponent(key)}`);
              reload();
            }}
          />
          <form onSubmit={bind} aria-label="Add a WhatsApp number" className="settings-inline-form">
            <FormProblem error={action.error} fields={["phone_number_id", "display_phone_number"]} />
            <SettingsField
              label="Phone number id"
              hint="Meta's id of the number (WhatsApp Manager → API setup), not the number"
              error={fieldError(action.error, "phone_number_id")}
            >
              {(control) => (
                <input
                  {...control}
                  inputMode="numeric"
                  value={phoneNumberId}
                  onChange={(event) => setPhoneNumberId(event.target.value)}
                  required
                />
              )}
            </SettingsField>
            <SettingsField
              label="The number as people see it"
              hint="e.g. +1 415 555 0100"
              error={fieldError(action.error, "display_phone_number")}
            >
              {(control) => (
                <input
                  {...control}
                  type="tel"
                  value={displayNumber}
                  onChange={(event) => setDisplayNumber(event.target.value)}
                  required
                />
              )}
            </SettingsField>
            <div className="button-row">
              <button
                type="submit"
                className="button-small"
                disabled={action.busy || phoneNumberId.trim() === "" || displayNumber.trim() === ""}
              >
                Add WhatsApp number
              </button>
            </div>
          </form>
          <p className="field-hint">
            In Meta&apos;s app dashboard, set the webhook callback URL to{" "}
            <code>{webhookUrl(channels.whatsapp.webhook_path)}</code> with the server&apos;s verify token, and
            subscribe it to <code>messages</code>. People link their WhatsApp under Settings → WhatsApp.
          </p>
        </>
      )}
    </>
  );
}

/** The numbers bound to the persona, each with an Unbind button behind a confirmation. */
function BoundNumbers({
  loading,
  error,
  empty,
  items,
  removeTitle,
  onRemove,
}: {
  loading: boolean;
  error: unknown;
  empty: ReactNode;
  items: { key: string; label: string }[];
  removeTitle: (label: string) => string;
  onRemove: (key: string) => Promise<void>;
}) {
  const [removing, setRemoving] = useState<{ key: string; label: string } | undefined>();
  return (
    <>
      <ErrorNotice error={error} />
      {loading && <Loading />}
      {!loading && !error && items.length === 0 && <p className="muted">{empty}</p>}
      <ul className="channel-list">
        {items.map((item) => (
          <li key={item.key}>
            <span>{item.label}</span>
            <button
              type="button"
              className="button-small button-danger"
              onClick={() => setRemoving(item)}
              aria-label={`Unbind ${item.label}`}
            >
              Unbind
            </button>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={removing !== undefined}
        title={removing ? removeTitle(removing.label) : ""}
        confirmLabel="Unbind"
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (removing) await onRemove(removing.key);
        }}
      >
        <p>Messages to it are no longer answered by this persona. Conversations keep their messages.</p>
      </ConfirmDialog>
    </>
  );
}
