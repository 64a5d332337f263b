import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { ErrorNotice } from "./notice.tsx";

/**
 * The chat controls under a stored message: on the latest reply, the swipe between its alternatives
 * ("‹ 2/3 ›"), Regenerate and Continue; on every message, Edit and Delete. While a reply streams they
 * are disabled, as the server would refuse a second generation.
 */
export function ChatMessageControls({
  speaker,
  alternativeIndex,
  alternativeCount,
  canRegenerate,
  canContinue,
  busy,
  onChoose,
  onRegenerate,
  onContinue,
  onEdit,
  onDelete,
}: {
  /** Who wrote the message, so each button names what it acts on for screen readers. */
  speaker: string;
  alternativeIndex: number;
  alternativeCount: number;
  canRegenerate: boolean;
  canContinue: boolean;
  busy: boolean;
  onChoose: (index: number) => void;
  onRegenerate: () => void;
  onContinue: () => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  return (
    <div className="chat-message-controls" role="group" aria-label={`Actions for ${speaker}'s message`}>
      {canRegenerate && alternativeCount > 1 && (
        <span className="chat-swipe">
          <button
            type="button"
            className="button-link button-small"
            aria-label="Previous alternative"
            disabled={busy || alternativeIndex <= 0}
            onClick={() => onChoose(alternativeIndex - 1)}
          >
            ‹
          </button>
          <span
            className="chat-swipe-count"
            title={`Alternative ${alternativeIndex + 1} of ${alternativeCount}`}
          >
            {alternativeIndex + 1}/{alternativeCount}
          </span>
          <button
            type="button"
            className="button-link button-small"
            aria-label="Next alternative"
            disabled={busy || alternativeIndex >= alternativeCount - 1}
            onClick={() => onChoose(alternativeIndex + 1)}
          >
            ›
          </button>
        </span>
      )}
      {canRegenerate && (
        <button type="button" className="button-link button-small" disabled={busy} onClick={onRegenerate}>
          Regenerate
        </button>
      )}
      {canContinue && (
        <button type="button" className="button-link button-small" disabled={busy} onClick={onContinue}>
          Continue
        </button>
      )}
      <button type="button" className="button-link button-small" disabled={busy} onClick={onEdit}>
        Edit
      </button>
      <button type="button" className="button-link button-small" disabled={busy} onClick={onDelete}>
        Delete
      </button>
    </div>
  );
}

/**
 * A message's text being edited in place: Save (or Ctrl/⌘+Enter) stores it, Cancel (or Escape) leaves it
 * as it was. A failed save keeps the text and shows the server's reason.
 */
export function ChatMessageEditor({
  initial,
  onSave,
  onCancel,
}: {
  initial: string;
  onSave: (content: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const textareaRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const textarea = textareaRef.current;
    textarea?.focus();
    textarea?.setSelectionRange(textarea.value.length, textarea.value.length);
  }, []);

  async function save() {
    if (busy || text.trim() === "") return;
    setBusy(true);
    setError(undefined);
    try {
      await onSave(text);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void save();
    }
  }

  return (
    <div className="chat-message-editor">
      <textarea
        ref={textareaRef}
        aria-label="Edit message"
        value={text}
        rows={Math.min(10, Math.max(2, text.split("\n").length))}
        maxLength={32000}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={keyDown}
        disabled={busy}
      />
      <ErrorNotice error={error} />
      <div className="button-row">
        <button
          type="button"
          className="button-primary button-small"
          disabled={busy || text.trim() === ""}
          onClick={() => void save()}
        >
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" className="button-small" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
