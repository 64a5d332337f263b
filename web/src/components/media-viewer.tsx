import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { useLiveMedia } from "./media-live.ts";
import {
  downloadUrl,
  formatMediaTime,
  isPendingMedia,
  mediaNoun,
  type Media,
  playsAsVideo,
} from "./media-requests.ts";
import { MediaStatus } from "./media-status.tsx";
import "./media.css";

/** How close to the end of the loaded items the next page is asked for. */
const LOAD_AHEAD = 3;

/**
 * The full-screen viewer of the gallery and the chat: one picture or video at a time (videos play muted,
 * looping), Previous/Next and the arrow keys through `items` (asking for more near the end when
 * `onLoadMore` is given), Escape to close, who made it and when, what was asked, Download and, with
 * `onDelete`, Delete after a confirmation (then the next item shows).
 */
export function MediaViewer({
  items,
  initialId,
  onClose,
  onDelete,
  hasMore = false,
  onLoadMore,
}: {
  items: readonly Media[];
  initialId: string;
  onClose: () => void;
  /** Deletes the item and takes it out of `items`; rejects with what to tell the user. */
  onDelete?: (item: Media) => Promise<void>;
  /** More items follow those loaded (the gallery's next page). */
  hasMore?: boolean;
  onLoadMore?: () => void;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [currentId, setCurrentId] = useState(initialId);
  // Where the shown item was, for when it leaves the list (deleted elsewhere, filtered out).
  const lastIndex = useRef(0);
  const [wantNext, setWantNext] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const found = items.findIndex((item) => item.id === currentId);
  const index = found >= 0 ? found : Math.min(lastIndex.current, items.length - 1);
  lastIndex.current = Math.max(0, index);
  const current = index >= 0 ? items[index] : undefined;
  const atEnd = index >= items.length - 1;

  useEffect(() => {
    const dialog = dialogRef.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    // The dialog itself takes the focus: the arrow keys work at once and no button looks pressed.
    dialog?.focus();
    return () => {
      if (opener?.isConnected) opener.focus();
      else document.getElementById("main")?.focus();
    };
  }, []);

  useEffect(() => {
    if (items.length === 0) onClose();
  }, [items.length, onClose]);

  // Near the end of what is loaded, the next page is asked for before the user gets there.
  useEffect(() => {
    if (onLoadMore && hasMore && index >= items.length - LOAD_AHEAD) onLoadMore();
  }, [index, items.length, hasMore, onLoadMore]);

  // "Next" pressed on the last loaded item: move on once the next page has arrived.
  useEffect(() => {
    if (!wantNext) return;
    const next = items[index + 1];
    if (next) {
      setWantNext(false);
      setCurrentId(next.id);
    } else if (!hasMore) setWantNext(false);
  }, [wantNext, items, index, hasMore]);

  function move(step: -1 | 1) {
    const target = items[index + step];
    if (target) setCurrentId(target.id);
    else if (step === 1 && hasMore) {
      setWantNext(true);
      onLoadMore?.();
    }
  }

  function keyDown(event: KeyboardEvent<HTMLDialogElement>) {
    // Keys in the delete confirmation (a dialog of its own) are not for moving.
    if ((event.target as Element).closest("dialog") !== dialogRef.current) return;
    if (event.key === "ArrowLeft") move(-1);
    else if (event.key === "ArrowRight") move(1);
    else return;
    event.preventDefault();
  }

  async function remove(item: Media) {
    const neighbour = items[index + 1] ?? items[index - 1];
    await onDelete?.(item);
    if (neighbour) setCurrentId(neighbour.id);
    else onClose();
  }

  return (
    <dialog
      ref={dialogRef}
      className="media-viewer"
      aria-label="Media viewer"
      tabIndex={-1}
      onKeyDown={keyDown}
      // A nested dialog's close event reaches this one through React's tree: only its own closes it.
      onClose={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div className="media-viewer-stage">
        <button
          type="button"
          className="media-viewer-move"
          aria-label="Previous"
          disabled={index <= 0}
          onClick={() => move(-1)}
        >
          ‹
        </button>
        {current && <ViewedMedia key={current.id} item={current} />}
        <button
          type="button"
          className="media-viewer-move"
          aria-label="Next"
          disabled={atEnd && !hasMore}
          onClick={() => move(1)}
        >
          {wantNext ? "…" : "›"}
        </button>
      </div>
      {current && (
        <ViewerDetails
          item={current}
          position={`${index + 1} of ${items.length}${hasMore ? "+" : ""}`}
          onDelete={onDelete ? () => setConfirming(true) : undefined}
          onClose={onClose}
        />
      )}
      <ConfirmDialog
        open={confirming && current !== undefined}
        title={`Delete this ${current ? mediaNoun(current).toLowerCase() : "item"}?`}
        confirmLabel="Delete"
        onConfirm={() => (current ? remove(current) : undefined)}
        onClose={() => setConfirming(false)}
      >
        <p>It goes from the gallery and from its conversation. This cannot be undone.</p>
      </ConfirmDialog>
    </dialog>
  );
}

/** The picture or video itself, or where its making stands. */
function ViewedMedia({ item: given }: { item: Media }) {
  const item = useLiveMedia(given);
  const description = item.request || `${mediaNoun(item)} by ${item.persona_name ?? "a persona"}`;
  return (
    <figure className="media-viewer-figure">
      {item.status !== "ready" || !item.url ? (
        <MediaStatus item={item} />
      ) : playsAsVideo(item) ? (
        <video src={item.url} autoPlay muted loop controls playsInline aria-label={description} />
      ) : (
        <img src={item.url} alt={description} />
      )}
    </figure>
  );
}

function ViewerDetails({
  item: given,
  position,
  onDelete,
  onClose,
}: {
  item: Media;
  position: string;
  onDelete: (() => void) | undefined;
  onClose: () => void;
}) {
  const item = useLiveMedia(given);
  const download = downloadUrl(item);
  return (
    <div className="media-viewer-details">
      <div className="media-viewer-meta">
        <strong>{item.persona_name ?? (item.source === "upload" ? "You" : "A deleted persona")}</strong>
        <time dateTime={item.created_at}>{formatMediaTime(item.created_at)}</time>
        <span className="badge">{item.source === "upload" ? "Photo you sent" : mediaNoun(item)}</span>
        {item.offline && <span className="badge badge-warning">Placeholder</span>}
        <span className="muted media-viewer-position">{position}</span>
      </div>
      {item.request && <p className="media-viewer-request">{item.request}</p>}
      <div className="button-row">
        {download && !isPendingMedia(item) && (
          <a className="button" href={download} download>
            Download
          </a>
        )}
        {onDelete && (
          <button type="button" className="button-danger" onClick={onDelete}>
            Delete
          </button>
        )}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
