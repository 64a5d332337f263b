import { useQuery, type QueryClient } from "@tanstack/react-query";
import { mediaKeys } from "../lib/query-keys-media.ts";
import { isPendingMedia, loadMedia, type Media } from "./media-requests.ts";

/** How often an item still being made is read again. */
const POLL_MS = 1_000;

/**
 * The item as it stands now: while it is queued or running it is read again every second (its progress,
 * then the finished picture), so the chat and the gallery show it without a reload. Polling, not the
 * job's event stream: one small read per item, and nothing to reconnect after a network hiccup.
 */
export function useLiveMedia(item: Media): Media {
  const pending = isPendingMedia(item);
  const polled = useQuery({
    queryKey: mediaKeys.detail(item.id),
    queryFn: ({ signal }) => loadMedia(item.id, signal),
    enabled: pending,
    refetchInterval: (query) => (query.state.data && !isPendingMedia(query.state.data) ? false : POLL_MS),
    // A failed read (a blip) is tried again on the next tick rather than shown.
    retry: false,
  });
  if (!pending) return item;
  return polled.data ?? item;
}

/** The freshest copy of `item` the cache holds (what useLiveMedia read last), for lists built on demand. */
export function latestMedia(queryClient: QueryClient, item: Media): Media {
  if (!isPendingMedia(item)) return item;
  return queryClient.getQueryData<Media>(mediaKeys.detail(item.id)) ?? item;
}
