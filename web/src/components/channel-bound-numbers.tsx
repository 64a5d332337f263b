import { useState, type ReactNode } from "react";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { ErrorNotice, Loading } from "./notice.tsx";

/** The numbers bound to a persona on one channel, each with an Unbind button behind a confirmation. */
export function ChannelBoundNumbers({
  loading,
  error,
  empty,
  items,
  removeTitle,
  onRemove,
}: {
  loading: boolean;
  error: unknown;
  empty: ReactNode;
  items: { key: string; label: string }[];
  removeTitle: (label: string) => string;
  onRemove: (key: string) => Promise<void>;
}) {
  const [removing, setRemoving] = useState<{ key: string; label: string } | undefined>();
  return (
    <>
      <ErrorNotice error={error} />
      {loading && <Loading />}
      {!loading && !error && items.length === 0 && <p className="muted">{empty}</p>}
      <ul className="channel-list">
        {items.map((item) => (
          <li key={item.key}>
            <span>{item.label}</span>
            <button
              type="button"
              className="button-small button-danger"
              onClick={() => setRemoving(item)}
              aria-label={`Unbind ${item.label}`}
            >
              Unbind
            </button>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={removing !== undefined}
        title={removing ? removeTitle(removing.label) : ""}
        confirmLabel="Unbind"
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (removing) await onRemove(removing.key);
        }}
      >
        <p>Messages to it are no longer answered by this persona. Conversations keep their messages.</p>
      </ConfirmDialog>
    </>
  );
}
