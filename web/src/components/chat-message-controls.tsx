import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import { ErrorNotice } from "./notice.tsx";

/**
 * The chat controls under a stored message: on the latest reply, the swipe between its alternatives
 * ("‹ 2/3 ›"), Regenerate and Continue; on an opening message with several greetings (while nothing
 * follows it), the swipe between the greetings; on every message, Edit, Delete and Branch from here.
 * While a reply streams they do nothing, as the server would refuse a second generation.
 */
export function ChatMessageControls({
  label,
  alternativeIndex,
  alternativeCount,
  swipeNoun = "alternative",
  canSwipe,
  canRegenerate,
  canContinue,
  busy,
  focusEdit,
  onChoose,
  onRegenerate,
  onContinue,
  onEdit,
  onDelete,
  onBranch,
}: {
  /** Names the group for screen readers: whose message the buttons act on. */
  label: string;
  alternativeIndex: number;
  alternativeCount: number;
  /** What the swipe goes between: a reply's alternatives, an opening message's greetings. */
  swipeNoun?: "alternative" | "greeting";
  canSwipe: boolean;
  canRegenerate: boolean;
  canContinue: boolean;
  busy: boolean;
  /** Edit takes the focus when shown (its editor just closed). */
  focusEdit: boolean;
  onChoose: (index: number) => void;
  onRegenerate: () => void;
  onContinue: () => void;
  onEdit: () => void;
  onDelete: () => void;
  /** A new conversation copying this one up to this message. */
  onBranch: () => void;
}) {
  const editRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (focusEdit) editRef.current?.focus();
  }, [focusEdit]);
  return (
    <div className="chat-message-controls" role="group" aria-label={label}>
      {canSwipe && alternativeCount > 1 && (
        <span className="chat-swipe">
          <ControlButton
            label={`Previous ${swipeNoun}`}
            unavailable={busy || alternativeIndex <= 0}
            onClick={() => onChoose(alternativeIndex - 1)}
          >
            ‹
          </ControlButton>
          <span
            className="chat-swipe-count"
            title={`${swipeNoun === "greeting" ? "Greeting" : "Alternative"} ${alternativeIndex + 1} of ${alternativeCount}`}
          >
            {alternativeIndex + 1}/{alternativeCount}
          </span>
          <ControlButton
            label={`Next ${swipeNoun}`}
            unavailable={busy || alternativeIndex >= alternativeCount - 1}
            onClick={() => onChoose(alternativeIndex + 1)}
          >
            ›
          </ControlButton>
        </span>
      )}
      {canRegenerate && (
        <ControlButton unavailable={busy} onClick={onRegenerate}>
          Regenerate
        </ControlButton>
      )}
      {canContinue && (
        <ControlButton unavailable={busy} onClick={onContinue}>
          Continue
        </ControlButton>
      )}
      <ControlButton unavailable={busy} onClick={onEdit} buttonRef={editRef}>
        Edit
      </ControlButton>
      <ControlButton unavailable={busy} onClick={onDelete}>
        Delete
      </ControlButton>
      <ControlButton unavailable={busy} onClick={onBranch}>
        Branch from here
      </ControlButton>
    </div>
  );
}

/**
 * A control that, when unavailable, says so (aria-disabled) and ignores clicks but keeps the focus: a
 * keyboard user swiping to the last alternative, or regenerating, stays where they were.
 */
function ControlButton({
  label,
  unavailable,
  onClick,
  buttonRef,
  children,
}: {
  label?: string;
  unavailable: boolean;
  onClick: () => void;
  buttonRef?: RefObject<HTMLButtonElement | null>;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      ref={buttonRef}
      className="button-link button-small"
      aria-label={label}
      aria-disabled={unavailable || undefined}
      onClick={() => {
        if (!unavailable) onClick();
      }}
    >
      {children}
    </button>
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
