import { useLiveMedia } from "./media-live.ts";
import { formatMediaTime, mediaNoun, playsAsVideo, type Media } from "./media-requests.ts";
import { MediaStatus } from "./media-status.tsx";
import "./media.css";

/**
 * One gallery tile: the picture (or the video's first frame), its type, the persona and when it was made
 * in the viewer's time; placeholders from the offline renderer are labelled; an item being made shows
 * its progress, a failed one its error. Clicking opens the viewer.
 */
export function MediaTile({ item: given, onOpen }: { item: Media; onOpen: (item: Media) => void }) {
  const item = useLiveMedia(given);
  const who = item.persona_name ?? (item.source === "upload" ? "You" : "A deleted persona");
  const when = formatMediaTime(item.created_at);
  const kind = item.source === "upload" ? "Photo you sent" : mediaNoun(item);
  return (
    <li className="media-tile" data-status={item.status}>
      <button
        type="button"
        className="media-tile-open"
        aria-label={`${kind} ${item.source === "upload" ? "to" : "by"} ${who}, ${when}${item.offline ? ", placeholder" : ""}`}
        onClick={() => onOpen(item)}
      >
        <span className="media-tile-frame">
          {item.status === "ready" && item.url ? (
            playsAsVideo(item) ? (
              // The first frame stands for the video (no poster is stored); it plays in the viewer.
              <video src={item.url} muted preload="metadata" playsInline tabIndex={-1} aria-hidden="true" />
            ) : (
              <img src={`${item.url}?thumbnail=true`} alt="" loading="lazy" decoding="async" />
            )
          ) : (
            <MediaStatus item={item} />
          )}
          <span className="media-tile-badges">
            <span className="badge" title={kind}>
              {item.kind === "video" ? "▶ Video" : item.source === "upload" ? "Photo" : "Image"}
            </span>
            {item.offline && <span className="badge badge-warning">Placeholder</span>}
          </span>
        </span>
        <span className="media-tile-caption">
          <span className="media-tile-persona">{who}</span>
          <time dateTime={item.created_at}>{when}</time>
        </span>
      </button>
    </li>
  );
}
