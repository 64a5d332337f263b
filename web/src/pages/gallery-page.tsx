import { useInfiniteQuery, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { mediaKeys } from "../lib/query-keys-media.ts";
import { navigate, useLocation } from "../lib/router.tsx";
import { loadPersonas } from "../components/chat-loaders.ts";
import { PersonaFilterSelect } from "../components/persona-filter-select.tsx";
import { latestMedia } from "../components/media-live.ts";
import { deleteMedia, loadMediaPage, type Media } from "../components/media-requests.ts";
import { MediaTile } from "../components/media-tile.tsx";
import { MediaViewer } from "../components/media-viewer.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import "./gallery.css";

type MediaPage = Schema<"MediaPage">;
type KindFilter = "" | "image" | "video";

interface Filters {
  personaId: string;
  kind: KindFilter;
  /** Also the photos the user sent in chats (source upload), not only what personas made. */
  includeUploads: boolean;
}

/** The filters live in the address (/gallery?persona=…&kind=video&photos=true), so they can be shared. */
function readFilters(search: URLSearchParams): Filters {
  const kind = search.get("kind");
  return {
    personaId: search.get("persona") ?? "",
    kind: kind === "image" || kind === "video" ? kind : "",
    includeUploads: search.get("photos") === "true",
  };
}

function filtersPath(filters: Filters): string {
  const search = new URLSearchParams();
  if (filters.personaId) search.set("persona", filters.personaId);
  if (filters.kind) search.set("kind", filters.kind);
  if (filters.includeUploads) search.set("photos", "true");
  const text = search.toString();
  return text ? `/gallery?${text}` : "/gallery";
}

/**
 * /gallery: every picture and video personas made for the user (and, on request, the photos they sent),
 * newest first, in a grid that loads the next page as it scrolls into view ("Load more" otherwise).
 * A tile opens the full-screen viewer, which moves through the loaded items, downloads and deletes.
 */
export function GalleryPage() {
  const { search } = useLocation();
  const filters = readFilters(search);
  const queryClient = useQueryClient();
  const [viewing, setViewing] = useState<string | undefined>(undefined);

  useEffect(() => {
    document.title = "Gallery · Dramatis";
    return () => {
      document.title = "Dramatis";
    };
  }, []);

  const personas = useQuery({
    queryKey: personaKeys.summaries(),
    queryFn: ({ signal }) => loadPersonas(signal),
  });
  const queryKey = mediaKeys.list(filters);
  const pages = useInfiniteQuery({
    queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      loadMediaPage(
        {
          personaId: filters.personaId || undefined,
          kind: filters.kind || undefined,
          source: filters.includeUploads ? undefined : "generated",
          after: pageParam,
        },
        signal,
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    // Reading every loaded page again on focus would cost one request per page; the tiles keep
    // themselves current while being made, and a deletion is applied here.
    refetchOnWindowFocus: false,
  });
  const items = useMemo(() => pages.data?.pages.flatMap((page) => page.data) ?? [], [pages.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  // The next page loads when the end of the grid comes into view.
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !hasNextPage || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) loadMore();
      },
      { rootMargin: "600px 0px" },
    );
    observer.observe(target);
    return () => observer.disconnect();
    // The observer is made again after each page, so a sentinel still in view asks for the next one.
  }, [hasNextPage, loadMore, items.length]);

  const changeFilters = (change: Partial<Filters>) => {
    setViewing(undefined);
    navigate(filtersPath({ ...filters, ...change }), { replace: true });
  };

  const remove = useCallback(
    async (item: Media) => {
      await deleteMedia(item.id);
      queryClient.removeQueries({ queryKey: mediaKeys.detail(item.id) });
      // Out of every list it is in (other filters too), without reading them again.
      queryClient.setQueriesData<InfiniteData<MediaPage, string | undefined>>(
        { queryKey: mediaKeys.lists() },
        (data) =>
          data && {
            ...data,
            pages: data.pages.map((page) => ({ ...page, data: page.data.filter((m) => m.id !== item.id) })),
          },
      );
    },
    [queryClient],
  );
  const closeViewer = useCallback(() => setViewing(undefined), []);

  const filtered = filters.personaId !== "" || filters.kind !== "";

  return (
    <section className="page gallery-page">
      <header className="page-header">
        <h1>Gallery</h1>
      </header>
      <p className="gallery-intro muted">
        The pictures and videos your personas made for you, newest first. Ask a persona with Media generation
        on for one in a chat (“send me a picture of you”).
      </p>
      <div className="gallery-filters">
        <PersonaFilterSelect
          id="gallery-persona"
          personas={personas.data}
          value={filters.personaId}
          onChange={(personaId) => changeFilters({ personaId })}
        />
        <div className="field">
          <label htmlFor="gallery-kind">Type</label>
          <select
            id="gallery-kind"
            value={filters.kind}
            onChange={(event) => changeFilters({ kind: event.target.value as KindFilter })}
          >
            <option value="">All</option>
            <option value="image">Images</option>
            <option value="video">Videos</option>
          </select>
        </div>
        <label className="gallery-include-uploads">
          <input
            type="checkbox"
            checked={filters.includeUploads}
            onChange={(event) => changeFilters({ includeUploads: event.target.checked })}
          />
          Include photos you sent
        </label>
      </div>
      <ErrorNotice error={personas.error} />
      <ErrorNotice error={pages.error} />
      {pages.isPending && <Loading label="Loading the gallery…" />}
      {pages.data && items.length === 0 && (
        <div className="card gallery-empty">
          <p>
            {filtered
              ? "Nothing here matches these filters."
              : filters.includeUploads
                ? "No pictures or videos yet."
                : "No pictures or videos yet. Turn on Media generation for a persona, then ask it for a picture in a chat."}
          </p>
        </div>
      )}
      {items.length > 0 && (
        <ul className="media-grid" aria-label="Pictures and videos" aria-busy={pages.isFetching || undefined}>
          {items.map((item) => (
            <MediaTile key={item.id} item={item} onOpen={(opened) => setViewing(opened.id)} />
          ))}
        </ul>
      )}
      <div ref={sentinel} className="gallery-end">
        {hasNextPage && (
          <button type="button" onClick={loadMore} disabled={isFetchingNextPage}>
            {isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        )}
        {pages.data && !hasNextPage && items.length > 0 && (
          <p className="muted">{items.length === 1 ? "1 item" : `${items.length} items`}, all shown.</p>
        )}
      </div>
      {viewing && (
        <MediaViewer
          items={items.map((item) => latestMedia(queryClient, item))}
          initialId={viewing}
          onClose={closeViewer}
          onDelete={remove}
          hasMore={hasNextPage}
          onLoadMore={loadMore}
        />
      )}
    </section>
  );
}
