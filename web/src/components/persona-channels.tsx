import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { ChannelBoundNumbers } from "./channel-bound-numbers.tsx";
import { isNotConfigured, useChannels, type ChannelsStatus } from "./channel-status.ts";
import "./channel-settings.css";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { FormProblem, SettingsField, fieldError } from "./settings-field.tsx";
import { useAction } from "./settings-use-action.tsx";
import { SmsPersonaNumbers, webhookUrl } from "./sms-persona-numbers.tsx";

type Persona = Schema<"Persona">;

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
      {channels.isPending && <Loading />}
      {channels.data && <SmsPersonaNumbers persona={persona} channels={channels.data} />}
      {channels.data && <WhatsAppNumbers persona={persona} channels={channels.data} />}
    </section>
  );
}

function WhatsAppNumbers({ persona, channels }: { persona: Persona; channels: ChannelsStatus }) {
  const queryClient = useQueryClient();
  const numbersKey = personaKeys.whatsappNumbers(persona.id);
  const path = { params: { path: { id: persona.id } } };
  // Without WhatsApp set up its routes answer 404: ask only when the server says it is on.
  const numbers = useQuery({
    queryKey: numbersKey,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/personas/{id}/whatsapp-numbers", { ...path, signal })),
    enabled: channels.whatsapp.enabled,
  });
  const [phoneNumberId, setPhoneNumberId] = useState("");
  const [displayNumber, setDisplayNumber] = useState("");
  const action = useAction();
  const numbersChanged = () => queryClient.invalidateQueries({ queryKey: numbersKey });
  const bind = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await unwrap(
        client.POST("/v1/personas/{id}/whatsapp-numbers", {
          ...path,
          body: { phone_number_id: phoneNumberId.trim(), display_phone_number: displayNumber.trim() },
        }),
      );
      setPhoneNumberId("");
      setDisplayNumber("");
      await numbersChanged();
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
          <ChannelBoundNumbers
            loading={numbers.isPending}
            error={numbers.error}
            empty="No WhatsApp number yet."
            items={list.map((number) => ({
              key: number.phone_number_id,
              label: `${number.display_phone_number} (id ${number.phone_number_id})`,
            }))}
            removeTitle={(label) => `Unbind ${label} from ${persona.name}?`}
            onRemove={async (key) => {
              await unwrap(
                client.DELETE("/v1/personas/{id}/whatsapp-numbers/{phoneNumberId}", {
                  params: { path: { id: persona.id, phoneNumberId: key } },
                }),
              );
              await numbersChanged();
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
