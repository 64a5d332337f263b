import { useMutation, useQueryClient } from "@tanstack/react-query";
import { client, unwrapWithStatus } from "../lib/api.ts";
import { settingsKeys } from "../lib/query-keys-studies.ts";
import type { UserPhoneNumber } from "./channel-status.ts";
import { ErrorNotice } from "./notice.tsx";
import { formatDateTime } from "./scheduled-format.ts";
import { SettingsPhoneNumberCodeForm } from "./settings-phone-number-code-form.tsx";

/**
 * One of the user's phone numbers: verified or waiting for its code (with the code field, or a new
 * code once it expired), and opted out when the phone texted STOP.
 */
export function SettingsPhoneNumberItem({
  number,
  verifying,
  onEnterCode,
  onCodeSent,
  onVerified,
  onRemove,
}: {
  number: UserPhoneNumber;
  /** whether the code field is open */
  verifying: boolean;
  onEnterCode: () => void;
  onCodeSent: (phoneNumber: string) => void;
  onVerified: () => void;
  onRemove: () => void;
}) {
  const queryClient = useQueryClient();
  const resend = useMutation({
    mutationFn: () =>
      unwrapWithStatus(client.POST("/v1/phone-numbers", { body: { phone_number: number.phone_number } })),
    onSuccess: ({ status }) => {
      if (status === 202) onCodeSent(number.phone_number);
      else onVerified();
      return queryClient.invalidateQueries({ queryKey: settingsKeys.phoneNumbers, exact: true });
    },
  });
  const headingId = `phone-${number.phone_number}`;
  const pending = number.status === "pending";
  const expired =
    pending && (number.code_expires_at === null || Date.parse(number.code_expires_at) <= Date.now());

  return (
    <li className="card settings-item">
      <div className="settings-item-header">
        <h3 id={headingId}>{number.phone_number}</h3>
        <span className={`badge ${pending ? "badge-warning" : "badge-accent"}`}>
          {pending ? "Waiting for the code" : "Verified"}
        </span>
        {number.opted_out && <span className="badge badge-danger">Opted out</span>}
      </div>
      <p className="settings-description">
        {!pending
          ? `Verified ${formatDateTime(number.verified_at)}.`
          : expired
            ? "The code we texted has expired: ask for a new one."
            : `The code we texted works until ${formatDateTime(number.code_expires_at)}.`}
      </p>
      {number.opted_out && (
        <p className="settings-description">
          This phone texted STOP, so nothing is texted to it: no replies, codes or messages from personas.
          Text START to a persona&apos;s number to get texts again.
        </p>
      )}
      {pending && verifying && !expired && (
        <SettingsPhoneNumberCodeForm phoneNumber={number.phone_number} onVerified={onVerified} />
      )}
      {/* A refused new code no longer matters once the number is verified. */}
      {pending && <ErrorNotice error={resend.error} />}
      <div className="button-row">
        {pending && !verifying && !expired && (
          <button type="button" className="button-small" onClick={onEnterCode} aria-describedby={headingId}>
            Enter code
          </button>
        )}
        {pending && (
          <button
            type="button"
            className="button-small"
            onClick={() => resend.mutate()}
            disabled={resend.isPending}
            aria-describedby={headingId}
          >
            {resend.isPending ? "Texting…" : "Text a new code"}
          </button>
        )}
        <button
          type="button"
          className="button-small button-danger"
          onClick={onRemove}
          aria-describedby={headingId}
        >
          Remove
        </button>
      </div>
    </li>
  );
}
