import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { client, unwrap } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import {
  isNotConfigured,
  useChannels,
  type WhatsAppContact,
  type WhatsAppLinkCode,
} from "./channel-status.ts";
import "./channel-settings.css";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { ErrorNotice, Loading, Notice } from "./notice.tsx";
import { formatDateTime } from "./scheduled-format.ts";

/** A code on screen, and when each WhatsApp already linked was linked (to see which one it links). */
type ShownCode = WhatsAppLinkCode & { linkedBefore: Map<string, string | null> };

/** While a code waits to be sent, the linked numbers are looked at this often. */
const WAITING_POLL_MS = 3_000;

/** A chat with the number in WhatsApp (wa.me), the code already typed. */
function whatsAppLink(displayPhoneNumber: string, code: string): string {
  return `https://wa.me/${displayPhoneNumber.replace(/\D/g, "")}?text=${encodeURIComponent(code)}`;
}

/**
 * Your WhatsApp: create a link code, send it from WhatsApp to a persona's number, and from then on your
 * WhatsApp messages to the tenant's personas reach your conversations with them. Lists and unlinks the
 * WhatsApp numbers linked to you.
 */
export function SettingsWhatsApp() {
  const queryClient = useQueryClient();
  const [code, setCode] = useState<ShownCode | undefined>();
  const [unlinking, setUnlinking] = useState<WhatsAppContact | undefined>();
  const channels = useChannels();
  // Ask only once the server says WhatsApp is on: otherwise there is nothing to list.
  const configured = channels.data?.whatsapp.enabled === true;
  const contacts = useQuery({
    queryKey: settingsKeys.whatsappContacts,
    enabled: configured,
    queryFn: ({ signal }) => unwrap(client.GET("/v1/whatsapp/contacts", { signal })),
    // While a code is shown, look for the WhatsApp it links, so the screen says so by itself.
    refetchInterval: code ? WAITING_POLL_MS : false,
  });
  const list = contacts.data?.data ?? [];
  // The WhatsApp the shown code linked: one not linked (or linked at another time) when it was made.
  const linkedSince = (contact: WhatsAppContact) =>
    code !== undefined &&
    contact.linked_at !== null &&
    code.linkedBefore.get(contact.wa_id) !== contact.linked_at;

  const justLinked = list.find(linkedSince);
  const [linked, setLinked] = useState<WhatsAppContact | undefined>();
  useEffect(() => {
    if (!justLinked) return;
    setLinked(justLinked);
    setCode(undefined);
  }, [justLinked]);

  // The linked numbers as they were when the code was asked for, to see which one it links.
  const createCode = useMutation({
    mutationFn: (_linkedBefore: ShownCode["linkedBefore"]) => unwrap(client.POST("/v1/whatsapp/link-codes")),
    onSuccess: (created, linkedBefore) => {
      setLinked(undefined);
      setCode({ ...created, linkedBefore });
    },
  });

  if (channels.data?.whatsapp.enabled === false || isNotConfigured(contacts.error)) {
    return (
      <section aria-labelledby="whatsapp-heading">
        <h2 id="whatsapp-heading">WhatsApp</h2>
        <Notice>
          WhatsApp is not set up on this server. An operator turns it on with a Meta app (
          <code>WHATSAPP_VERIFY_TOKEN</code>, <code>WHATSAPP_APP_SECRET</code> and{" "}
          <code>WHATSAPP_ACCESS_TOKEN</code>); then you can message personas here.
        </Notice>
      </section>
    );
  }

  return (
    <section aria-labelledby="whatsapp-heading">
      <div className="settings-section-header">
        <h2 id="whatsapp-heading">WhatsApp</h2>
        <button
          type="button"
          className="button-primary"
          onClick={() =>
            createCode.mutate(new Map(list.map((contact) => [contact.wa_id, contact.linked_at])))
          }
          disabled={createCode.isPending}
        >
          {code ? "New link code" : "Link my WhatsApp"}
        </button>
      </div>
      <p className="muted settings-intro">
        Message your personas on WhatsApp. Create a link code and send it from your WhatsApp to a
        persona&apos;s number: that links your WhatsApp to this account, and from then on your messages reach
        your conversations with the personas and their replies come back on WhatsApp.
      </p>
      <ErrorNotice error={createCode.error} />
      <div aria-live="polite">
        {linked && (
          <Notice kind="success">
            Linked +{linked.wa_id}
            {linked.profile_name ? ` (${linked.profile_name})` : ""}: message a persona on WhatsApp.
          </Notice>
        )}
      </div>
      {code && (
        <div className="card link-code-card" role="region" aria-label="Your link code">
          <p>Send this code from WhatsApp:</p>
          <p className="link-code" aria-live="polite">
            {code.code}
          </p>
          <p className="muted">It works once, until {formatDateTime(code.expires_at)}.</p>
          {code.send_to.length === 0 ? (
            <Notice kind="warning">
              No persona has a WhatsApp number yet: a persona&apos;s owner adds one in the persona builder.
            </Notice>
          ) : (
            <ul className="channel-list">
              {code.send_to.map((target) => (
                <li key={`${target.persona_id}:${target.display_phone_number}`}>
                  <span>
                    to <strong>{target.persona_name || "a persona"}</strong> at {target.display_phone_number}
                  </span>
                  <a
                    className="button-small"
                    href={whatsAppLink(target.display_phone_number, code.code)}
                    target="_blank"
                    rel="noreferrer"
                  >
                    Open in WhatsApp
                  </a>
                </li>
              ))}
            </ul>
          )}
          <p className="muted" role="status">
            Waiting for your message…
          </p>
        </div>
      )}
      <ErrorNotice error={channels.error ?? contacts.error} />
      {(channels.isPending || (configured && contacts.isPending)) && (
        <Loading label="Loading linked WhatsApp numbers…" />
      )}
      {contacts.data && list.length === 0 && !code && (
        <div className="card settings-empty">
          <p>No WhatsApp linked yet.</p>
        </div>
      )}
      <ul className="settings-list">
        {list.map((contact) => (
          <li key={contact.wa_id} className="card settings-item">
            <div className="settings-item-header">
              <h3 id={`whatsapp-${contact.wa_id}`}>+{contact.wa_id}</h3>
              {contact.profile_name && <span className="muted">{contact.profile_name}</span>}
            </div>
            <p className="settings-description">
              Linked {formatDateTime(contact.linked_at)}; last message{" "}
              {formatDateTime(contact.last_message_at)}. Personas may write to you on their own for 24 hours
              after your last message (WhatsApp&apos;s rule).
            </p>
            <div className="button-row">
              <button
                type="button"
                className="button-small button-danger"
                onClick={() => setUnlinking(contact)}
                aria-describedby={`whatsapp-${contact.wa_id}`}
              >
                Unlink
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={unlinking !== undefined}
        title={`Unlink +${unlinking?.wa_id ?? ""}?`}
        confirmLabel="Unlink WhatsApp"
        onClose={() => setUnlinking(undefined)}
        onConfirm={async () => {
          if (!unlinking) return;
          await unwrap(
            client.DELETE("/v1/whatsapp/contacts/{waId}", { params: { path: { waId: unlinking.wa_id } } }),
          );
          await queryClient.invalidateQueries({ queryKey: settingsKeys.whatsappContacts });
        }}
      >
        <p>
          Its messages no longer reach your conversations. Your WhatsApp conversations keep their messages.
        </p>
      </ConfirmDialog>
    </section>
  );
}
