import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, streamEvents, type ServerSentEvent } from "../lib/api.ts";
import { InboxToasts, type Toast } from "./inbox-toasts.tsx";
import type { InboxItem } from "./scheduled-format.ts";

/**
 * In-app delivery: while someone is signed in, one server-sent event stream (/v1/inbox/events) tells the
 * app of every message a persona sends on its own and of the unread count. New messages pop up as toasts;
 * the bell in the top bar shows the count; screens listing scheduled messages reload when one arrives.
 */

export interface InboxContextValue {
  /** what the server last said is unread; null until it has said */
  unread: number | null;
  /**
   * Moves whenever messages may have arrived (a `message` event, or a reconnect after a drop), so the
   * inbox panel and the Scheduled page know to load again.
   */
  revision: number;
  /** Marks every message read (POST /v1/inbox/read). */
  markRead: () => Promise<void>;
}

const InboxContext = createContext<InboxContextValue | undefined>(undefined);

export function useInbox(): InboxContextValue {
  const value = useContext(InboxContext);
  if (!value) throw new Error("useInbox outside InboxProvider");
  return value;
}

/** At most this many toasts show at once; older ones make way. */
const MAX_TOASTS = 3;
/** Waits before reconnecting after a drop: doubling from the first, up to the last. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = window.setTimeout(resolve, milliseconds);
    signal.addEventListener(
      "abort",
      () => {
        window.clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * Keeps the stream open for as long as it is mounted (the signed-in shell), reconnecting after a drop.
 * A reconnect sends the last message event's id as Last-Event-ID, so the messages sent while the stream
 * was down arrive (as toasts) on the new connection; it also bumps `revision`, so lists load again (the
 * unread count comes with the first event of every connection).
 */
function useInboxStream(handlers: {
  onMessage: (item: InboxItem) => void;
  onUnread: (count: number) => void;
  onReconnect: () => void;
}): void {
  const { onMessage, onUnread, onReconnect } = handlers;
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const handle = (event: ServerSentEvent) => {
      try {
        if (event.event === "message") onMessage(JSON.parse(event.data) as InboxItem);
        else if (event.event === "unread") onUnread((JSON.parse(event.data) as { count: number }).count);
      } catch {
        // A malformed event is dropped; the next count or reload puts things right.
      }
    };
    void (async () => {
      let retryMs = FIRST_RETRY_MS;
      let lastEventId: string | undefined;
      for (let connection = 0; !signal.aborted; connection++) {
        if (connection > 0) onReconnect();
        let heard = false;
        try {
          await streamEvents("GET", "/v1/inbox/events", {
            signal,
            headers: lastEventId === undefined ? {} : { "last-event-id": lastEventId },
            onEvent: (event) => {
              heard = true;
              if (event.id !== undefined) lastEventId = event.id;
              handle(event);
            },
          });
        } catch {
          // Dropped, refused or aborted: aborted ends the loop, anything else is retried below.
        }
        if (signal.aborted) return;
        // A connection that worked starts the back-off afresh; one that never did waits longer each time.
        retryMs = heard ? FIRST_RETRY_MS : Math.min(retryMs * 2, LAST_RETRY_MS);
        await sleep(heard ? FIRST_RETRY_MS : retryMs, signal);
      }
    })();
    return () => controller.abort();
  }, [onMessage, onUnread, onReconnect]);
}

export function InboxProvider({ children }: { children: ReactNode }) {
  const [unread, setUnread] = useState<number | null>(null);
  const [revision, setRevision] = useState(0);
  const [toasts, setToasts] = useState<Toast[]>([]);

  const onMessage = useCallback((item: InboxItem) => {
    setRevision((value) => value + 1);
    const key = item.scheduled_message_id;
    setToasts((old) => [...old.filter((toast) => toast.key !== key), { key, item }].slice(-MAX_TOASTS));
  }, []);
  const onReconnect = useCallback(() => setRevision((value) => value + 1), []);
  useInboxStream({ onMessage, onUnread: setUnread, onReconnect });

  const markRead = useCallback(async () => {
    const result = await api<{ unread: number }>("POST", "/v1/inbox/read");
    setUnread(result.unread);
  }, []);
  const dismiss = useCallback(
    (key: string) => setToasts((old) => old.filter((toast) => toast.key !== key)),
    [],
  );

  const value = useMemo(() => ({ unread, revision, markRead }), [unread, revision, markRead]);
  return (
    <InboxContext.Provider value={value}>
      {children}
      <InboxToasts toasts={toasts} onDismiss={dismiss} />
    </InboxContext.Provider>
  );
}
