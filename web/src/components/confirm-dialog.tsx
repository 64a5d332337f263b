import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { ErrorNotice } from "./notice.tsx";

/**
 * A modal confirmation before a destructive action. While `open`, it is shown with the native <dialog>
 * (focus moves in, Escape cancels, the page behind is inert). `onConfirm` may be async: the dialog stays
 * open and shows the server's error if it fails, and closes itself when it succeeds.
 *
 * Used by the memory screen and the settings screens; a candidate for web/src/components/confirm-dialog.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  /** The confirm button's text; name the action ("Revoke key"), never just "OK". */
  confirmLabel: string;
  children: ReactNode;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
}) {
  // Only an open dialog is in the page, so its text never doubles what the page shows.
  return props.open ? <OpenDialog {...props} /> : null;
}

function OpenDialog({
  title,
  confirmLabel,
  children,
  onConfirm,
  onClose,
}: {
  title: string;
  confirmLabel: string;
  children: ReactNode;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    // showModal() focuses the first button, the destructive one, where a second Enter would confirm;
    // React's autoFocus does not help, as it focuses before showModal() runs and sets no attribute.
    cancelRef.current?.focus();
    return () => {
      // Back to the button that opened it; if that is gone (the item was deleted), to the main region.
      if (opener?.isConnected) opener.focus();
      else document.getElementById("main")?.focus();
    };
  }, []);

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={dialogRef}
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onClose={onClose}
      onCancel={(event) => {
        if (busy) event.preventDefault();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div id={bodyId}>{children}</div>
      <ErrorNotice error={error} />
      <div className="button-row">
        <button type="button" className="button-danger" disabled={busy} onClick={confirm}>
          {busy ? "Working…" : confirmLabel}
        </button>
        <button type="button" ref={cancelRef} disabled={busy} onClick={onClose}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
