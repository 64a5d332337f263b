import { useLiveMedia } from "./media-live.ts";
import { mediaNoun, playsAsVideo, type Media } from "./media-requests.ts";
import { MediaStatus } from "./media-status.tsx";
import "./media.css";

/**
 * A message's pictures and videos: the photos the user sent, what the persona made (a picture opens the
 * full-screen viewer; a video plays here), and what it is still making, with its progress, until ready.
 */
export function ChatMessageMedia({
  media,
  onOpen,
}: {
  media: readonly Media[];
  onOpen: (item: Media) => void;
}) {
  if (media.length === 0) return null;
  return (
    <ul className="chat-media" aria-label="Pictures and videos">
      {media.map((item) => (
        <ChatMediaItem key={item.id} item={item} onOpen={onOpen} />
      ))}
    </ul>
  );
}

function ChatMediaItem({ item: given, onOpen }: { item: Media; onOpen: (item: Media) => void }) {
  const item = useLiveMedia(given);
  const description =
    item.source === "upload"
      ? `Photo you sent${item.file_name ? ` (${item.file_name})` : ""}`
      : item.request || `${mediaNoun(item)} by ${item.persona_name ?? "the persona"}`;
  if (item.kind === "file") {
    // A document: its name, as a download (the server never shows one inline).
    return (
      <li className="chat-media-item chat-media-file" data-status={item.status}>
        {item.url ? (
          <a href={`${item.url}?download=true`} download={item.file_name ?? undefined}>
            📄 {item.file_name ?? "File"}
          </a>
        ) : (
          <span>📄 {item.file_name ?? "File"}</span>
        )}
      </li>
    );
  }
  return (
    <li className="chat-media-item" data-status={item.status}>
      {item.status !== "ready" || !item.url ? (
        <MediaStatus item={item} />
      ) : playsAsVideo(item) ? (
        <video src={item.url} controls muted loop playsInline preload="metadata" aria-label={description} />
      ) : (
        <button
          type="button"
          className="chat-media-open"
          aria-label={`Open ${item.source === "upload" ? "the photo" : `the ${mediaNoun(item).toLowerCase()}`} full screen`}
          onClick={() => onOpen(item)}
        >
          <img
            src={item.url}
            alt={description}
            width={item.width ?? undefined}
            height={item.height ?? undefined}
            decoding="async"
          />
        </button>
      )}
      {item.offline && item.status === "ready" && <span className="badge badge-warning">Placeholder</span>}
    </li>
  );
}
