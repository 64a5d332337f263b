import { useEffect, useState } from "react";
import { Link } from "../lib/router.tsx";
import { summarise, type InboxItem } from "./scheduled-format.ts";
import "./inbox-styles.css";

export interface Toast {
  key: string;
  item: InboxItem;
}

/** How long a toast stays unless the pointer or focus is on it. */
const TOAST_MS = 10_000;

/**
 * The toasts for messages that just arrived, in one live region that is always in the page (a region
 * added together with its text is often not announced). They float above the page, so nothing moves.
 */
export function InboxToasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (key: string) => void }) {
  return (
    <div className="inbox-toasts" role="status" aria-atomic="false">
      {toasts.map((toast) => (
        <InboxToast key={toast.key} toast={toast} onDismiss={onDismiss} />
      ))}
    </div>
  );
}

function InboxToast({ toast, onDismiss }: { toast: Toast; onDismiss: (key: string) => void }) {
  const [held, setHeld] = useState({ pointer: false, focus: false });
  const paused = held.pointer || held.focus;
  const { key, item } = toast;
  useEffect(() => {
    if (paused) return;
    const timer = window.setTimeout(() => onDismiss(key), TOAST_MS);
    return () => window.clearTimeout(timer);
  }, [paused, onDismiss, key]);

  return (
    <div
      className="inbox-toast"
      onPointerEnter={() => setHeld((old) => ({ ...old, pointer: true }))}
      onPointerLeave={() => setHeld((old) => ({ ...old, pointer: false }))}
      onFocus={() => setHeld((old) => ({ ...old, focus: true }))}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null))
          setHeld((old) => ({ ...old, focus: false }));
      }}
    >
      <Link
        to={`/chat/${encodeURIComponent(item.conversation_id)}`}
        className="inbox-toast-link"
        onClick={() => onDismiss(key)}
      >
        <strong>{item.persona_name || "A persona"}:</strong> {summarise(item.message.content, 80)}
      </Link>
      <button
        type="button"
        className="button-link inbox-toast-dismiss"
        aria-label={`Dismiss the message from ${item.persona_name || "a persona"}`}
        onClick={() => onDismiss(key)}
      >
        ×
      </button>
    </div>
  );
}
