import { useEffect, useId, useRef, useState } from "react";
import { useLocation } from "../lib/router.tsx";
import { useInbox } from "./inbox-provider.tsx";
import { InboxPanel } from "./inbox-panel.tsx";
import "./inbox-styles.css";

/** What the bell says to a screen reader, count included. */
export function bellLabel(unread: number | null): string {
  if (unread === null) return "Inbox";
  if (unread === 0) return "Inbox, no unread messages";
  return `Inbox, ${unread} unread`;
}

/**
 * The top bar's bell: the unread count from the inbox stream, and the inbox panel it opens (a
 * disclosure: Escape, a click elsewhere or moving to another screen closes it). The count sits over the
 * bell's corner, so its appearing moves nothing.
 */
export function InboxBell() {
  const { unread } = useInbox();
  const [open, setOpen] = useState(false);
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const { path } = useLocation();

  useEffect(() => setOpen(false), [path]);

  useEffect(() => {
    if (!open) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointerDown = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("pointerdown", onPointerDown);
    return () => {
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("pointerdown", onPointerDown);
    };
  }, [open]);

  const label = bellLabel(unread);
  return (
    <div className="inbox-bell" ref={wrapper}>
      <button
        ref={button}
        type="button"
        className="inbox-bell-button"
        aria-label={label}
        title={label}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((value) => !value)}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <path
            d="M12 2a6 6 0 0 0-6 6v3.6l-1.7 3.4A1 1 0 0 0 5.2 16.5h13.6a1 1 0 0 0 .9-1.5L18 11.6V8a6 6 0 0 0-6-6Zm0 20a3 3 0 0 0 2.8-2h-5.6a3 3 0 0 0 2.8 2Z"
            fill="currentColor"
          />
        </svg>
        {unread !== null && unread > 0 && (
          <span className="inbox-bell-count" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {open && <InboxPanel id={panelId} />}
    </div>
  );
}
