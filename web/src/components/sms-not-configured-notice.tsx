import type { ReactNode } from "react";
import { Notice } from "./notice.tsx";

/**
 * Said instead of an error when the server has no Twilio account: every SMS route answers 404 then,
 * which is the operator's choice, not a fault. `children` says what it means for whoever reads it.
 */
export function SmsNotConfiguredNotice({ children }: { children: ReactNode }) {
  return (
    <Notice>
      SMS is not set up on this server. An operator turns it on with a Twilio account (
      <code>TWILIO_ACCOUNT_SID</code> and <code>TWILIO_AUTH_TOKEN</code>). {children}
    </Notice>
  );
}
