import { Link } from "../lib/router.tsx";
import { Markdown } from "./markdown.tsx";
import { ErrorNotice } from "./notice.tsx";
import { KIND_LABELS, formatDateTime, type ScheduledMessage } from "./scheduled-format.ts";
import { ScheduledStatusBadge } from "./scheduled-status-badge.tsx";

/**
 * Scheduled messages, soonest first: who, what kind, when, its fate, what was sent or why not, and
 * Cancel while it is still pending (a failed cancel shows the server's answer on the message itself).
 */
export function ScheduledList({
  messages,
  cancelling,
  cancelErrors,
  onCancel,
}: {
  messages: ScheduledMessage[];
  /** the id being cancelled, if any */
  cancelling: string | undefined;
  cancelErrors: Record<string, unknown>;
  onCancel: (message: ScheduledMessage) => void;
}) {
  return (
    <ul className="scheduled-list">
      {messages.map((message) => (
        <ScheduledItem
          key={message.id}
          message={message}
          busy={cancelling === message.id}
          cancelError={cancelErrors[message.id]}
          onCancel={() => onCancel(message)}
        />
      ))}
    </ul>
  );
}

function ScheduledItem({
  message,
  busy,
  cancelError,
  onCancel,
}: {
  message: ScheduledMessage;
  busy: boolean;
  cancelError: unknown;
  onCancel: () => void;
}) {
  const kind = KIND_LABELS[message.kind];
  const persona = message.persona_name || "A deleted persona";
  const due = formatDateTime(message.due_at);
  const showsReason = (message.status === "skipped" || message.status === "failed") && message.error;
  return (
    <li className="card scheduled-item" data-status={message.status}>
      <div className="scheduled-item-top">
        <span className="scheduled-item-title">
          <Link
            to={`/chat/${encodeURIComponent(message.conversation_id)}`}
            className="scheduled-item-persona"
          >
            {persona}
          </Link>
          <span className="badge">{kind}</span>
        </span>
        <ScheduledStatusBadge status={message.status} />
      </div>
      <p className="scheduled-item-when muted">
        Due <time dateTime={message.due_at}>{due}</time>
        {message.sent_at && (
          <>
            {" "}
            · sent <time dateTime={message.sent_at}>{formatDateTime(message.sent_at)}</time>
          </>
        )}
      </p>
      {message.status === "sent" && message.content && (
        <div className="scheduled-item-content">
          <Markdown>{message.content}</Markdown>
        </div>
      )}
      {showsReason && (
        <p className="scheduled-item-reason">
          <strong>{message.status === "failed" ? "Failed:" : "Skipped:"}</strong> {message.error}
        </p>
      )}
      {message.status === "pending" && (
        <div className="button-row">
          <button
            type="button"
            className="button-small"
            disabled={busy}
            aria-label={`Cancel the ${kind.toLowerCase()} from ${persona} due ${due}`}
            onClick={onCancel}
          >
            {busy ? "Cancelling…" : "Cancel"}
          </button>
        </div>
      )}
      <ErrorNotice error={cancelError} />
    </li>
  );
}
