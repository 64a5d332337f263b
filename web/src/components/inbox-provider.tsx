import { useQueryClient } from "@tanstack/react-query";
import { watchInbox } from "@dramatis/sdk";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { client, unwrap } from "../lib/api.ts";
import { scheduledKeys } from "../lib/query-keys-studies.ts";
import { InboxToasts, type Toast } from "./inbox-toasts.tsx";
import type { InboxItem } from "./scheduled-format.ts";

/**
 * In-app delivery: while someone is signed in, one server-sent event stream (/v1/inbox/events) tells the
 * app of every message a persona sends on its own and of the unread count. New messages pop up as toasts;
 * the bell in the top bar shows the count; the inbox panel and the Scheduled page load again when one
 * arrives (their queries are invalidated).
 */

export interface InboxContextValue {
  /** what the server last said is unread; null until it has said */
  unread: number | null;
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
 * was down arrive (as toasts) on the new connection; it also calls `onReconnect`, so lists load again
 * (the unread count comes with the first event of every connection).
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
    void (async () => {
      let retryMs = FIRST_RETRY_MS;
      let lastEventId: string | undefined;
      for (let connection = 0; !signal.aborted; connection++) {
        if (connection > 0) onReconnect();
        let heard = false;
        try {
          const events = watchInbox(client, {
            signal,
            ...(lastEventId === undefined ? {} : { lastEventId }),
          });
          for await (const event of events) {
            heard = true;
            if (event.type === "unread") {
              onUnread(event.count);
              continue;
            }
            if (event.id !== undefined) lastEventId = event.id;
            onMessage(event.item);
          }
        } catch {
          // Dropped, refused, malformed or aborted: aborted ends the loop, anything else is retried below.
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
  const queryClient = useQueryClient();
  const [unread, setUnread] = useState<number | null>(null);
  const [toasts, setToasts] = useState<Toast[]>([]);

  // Messages may have arrived: the inbox panel and the Scheduled page's lists and counts are stale.
  const messagesChanged = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: scheduledKeys.all }),
    [queryClient],
  );
  const onMessage = useCallback(
    (item: InboxItem) => {
      messagesChanged();
      const key = item.scheduled_message_id;
      setToasts((old) => [...old.filter((toast) => toast.key !== key), { key, item }].slice(-MAX_TOASTS));
    },
    [messagesChanged],
  );
  useInboxStream({ onMessage, onUnread: setUnread, onReconnect: messagesChanged });

  const markRead = useCallback(async () => {
    const result = await unwrap(client.POST("/v1/inbox/read"));
    setUnread(result.unread);
  }, []);
  const dismiss = useCallback(
    (key: string) => setToasts((old) => old.filter((toast) => toast.key !== key)),
    [],
  );

  const value = useMemo(() => ({ unread, markRead }), [unread, markRead]);
  return (
    <InboxContext.Provider value={value}>
      {children}
      <InboxToasts toasts={toasts} onDismiss={dismiss} />
    </InboxContext.Provider>
  );
}
