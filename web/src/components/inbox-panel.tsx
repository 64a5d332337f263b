import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { client, unwrap } from "../lib/api.ts";
import { scheduledKeys } from "../lib/query-keys-studies.ts";
import { Link } from "../lib/router.tsx";
import { useInbox } from "./inbox-provider.tsx";
import { ErrorNotice, Loading } from "./notice.tsx";
import { KIND_LABELS, formatDateTime, summarise } from "./scheduled-format.ts";

/** The newest messages the panel shows; the Scheduled page has them all. */
const PANEL_LIMIT = 20;

/**
 * The inbox opened from the bell: the newest messages personas sent on their own, each linking to its
 * conversation. Being open means they are seen, so it marks everything read when it opens and again
 * whenever it loads anew (the inbox stream invalidates it when a message arrives).
 */
export function InboxPanel({ id }: { id: string }) {
  const { markRead } = useInbox();
  const headingId = useId();
  const [readError, setReadError] = useState<unknown>(undefined);
  const inbox = useQuery({
    queryKey: scheduledKeys.inbox(PANEL_LIMIT),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/inbox", { params: { query: { limit: PANEL_LIMIT } }, signal })),
  });

  useEffect(() => {
    markRead().then(
      () => setReadError(undefined),
      (failure: unknown) => setReadError(failure),
    );
  }, [inbox.dataUpdatedAt, markRead]);

  return (
    <section id={id} className="inbox-panel" aria-labelledby={headingId}>
      <header className="inbox-panel-header">
        <h2 id={headingId}>Inbox</h2>
        <Link to="/scheduled">Scheduled messages</Link>
      </header>
      <ErrorNotice error={inbox.error ?? readError} />
      {inbox.isPending && <Loading label="Loading the inbox…" />}
      {inbox.data && inbox.data.data.length === 0 && (
        <p className="muted inbox-panel-empty">
          Nothing yet. Good mornings, good nights and check-ins your personas send on their own appear here.
        </p>
      )}
      {inbox.data && inbox.data.data.length > 0 && (
        <ul className="inbox-list">
          {inbox.data.data.map((item) => (
            <li key={item.scheduled_message_id}>
              <Link to={`/chat/${encodeURIComponent(item.conversation_id)}`} className="inbox-item">
                <span className="inbox-item-heading">
                  <strong>{item.persona_name || "A persona"}</strong>
                  <span className="muted">
                    {KIND_LABELS[item.kind]} ·{" "}
                    <time dateTime={item.message.created_at}>{formatDateTime(item.message.created_at)}</time>
                  </span>
                </span>
                <span className="inbox-item-text">{summarise(item.message.content, 140)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
