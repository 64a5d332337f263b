import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { client, unwrap } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { scheduledKeys } from "../lib/query-keys-studies.ts";
import { Link, navigate, useLocation } from "../lib/router.tsx";
import { loadPersonas } from "../components/chat-loaders.ts";
import { PersonaFilterSelect } from "../components/persona-filter-select.tsx";
import { ErrorNotice, Loading, Notice } from "../components/notice.tsx";
import { ScheduledList } from "../components/scheduled-list.tsx";
import {
  KIND_LABELS,
  SCHEDULED_KINDS,
  type ScheduledKind,
  type ScheduledMessage,
} from "../components/scheduled-format.ts";
import { ScheduledStatisticsTiles } from "../components/scheduled-statistics.tsx";
import "./scheduled-messages.css";

const PAGE_LIMIT = 50;

interface Filters {
  personaId: string;
  kind: ScheduledKind | "";
  includeSent: boolean;
}

/** The filters live in the address (/scheduled?persona=…&kind=…&include_sent=true), so they can be shared. */
function readFilters(search: URLSearchParams): Filters {
  const kind = search.get("kind") ?? "";
  return {
    personaId: search.get("persona") ?? "",
    kind: (SCHEDULED_KINDS as readonly string[]).includes(kind) ? (kind as ScheduledKind) : "",
    includeSent: search.get("include_sent") === "true",
  };
}

function filtersPath(filters: Filters): string {
  const search = new URLSearchParams();
  if (filters.personaId) search.set("persona", filters.personaId);
  if (filters.kind) search.set("kind", filters.kind);
  if (filters.includeSent) search.set("include_sent", "true");
  const text = search.toString();
  return text ? `/scheduled?${text}` : "/scheduled";
}

/**
 * /scheduled: the good mornings, good nights and check-ins personas plan to send the signed-in user, with
 * their counts, what became of each, and Cancel for the pending ones. It reloads by itself when a
 * persona's message arrives (the inbox stream invalidates its queries), and with Refresh.
 */
export function ScheduledMessagesPage() {
  const { search } = useLocation();
  const filters = readFilters(search);
  const queryClient = useQueryClient();
  const [cancelErrors, setCancelErrors] = useState<Record<string, unknown>>({});
  const [cancelled, setCancelled] = useState<string | undefined>(undefined);

  useEffect(() => {
    document.title = "Scheduled messages · Dramatis";
    return () => {
      document.title = "Dramatis";
    };
  }, []);

  const personas = useQuery({
    queryKey: personaKeys.summaries(),
    queryFn: ({ signal }) => loadPersonas(signal),
  });
  const personaId = filters.personaId || undefined;
  const statistics = useQuery({
    queryKey: scheduledKeys.statistics(filters.personaId),
    queryFn: ({ signal }) =>
      unwrap(
        client.GET("/v1/scheduled-messages/statistics", {
          params: { query: { persona_id: personaId } },
          signal,
        }),
      ),
  });
  // Pages loaded so far (Load more); other filters start again at the first.
  const list = useInfiniteQuery({
    queryKey: scheduledKeys.list({ ...filters }),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        client.GET("/v1/scheduled-messages", {
          params: {
            query: {
              include_sent: filters.includeSent ? "true" : undefined,
              persona_id: personaId,
              kind: filters.kind || undefined,
              limit: PAGE_LIMIT,
              after: pageParam,
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const changed = () => queryClient.invalidateQueries({ queryKey: scheduledKeys.all });

  const changeFilters = (change: Partial<Filters>) => {
    setCancelled(undefined);
    // What a cancel said belongs to the list it was said about.
    setCancelErrors({});
    navigate(filtersPath({ ...filters, ...change }), { replace: true });
  };

  const refresh = () => {
    setCancelled(undefined);
    setCancelErrors({});
    void changed();
  };

  const cancel = useMutation({
    mutationFn: (message: ScheduledMessage) =>
      unwrap(client.POST("/v1/scheduled-messages/{id}/cancel", { params: { path: { id: message.id } } })),
    onMutate: (message) => {
      setCancelled(undefined);
      setCancelErrors((old) => ({ ...old, [message.id]: undefined }));
    },
    onSuccess: (_answer, message) => {
      setCancelled(
        `Cancelled the ${KIND_LABELS[message.kind].toLowerCase()} from ${message.persona_name || "a deleted persona"}.`,
      );
      setCancelErrors({});
      return changed();
    },
    // Typically a 409: it was sent (or skipped) meanwhile. The server's words stay on the message.
    onError: (failure, message) => setCancelErrors((old) => ({ ...old, [message.id]: failure })),
  });
  const cancelling = cancel.isPending ? cancel.variables.id : undefined;
  const refreshing = list.isFetching || statistics.isFetching;

  const personaName = personas.data?.find((persona) => persona.id === filters.personaId)?.name;
  const messages = list.data?.pages.flatMap((page) => page.data) ?? [];
  const nothingPlannedYet = statistics.data?.total === 0 && !filters.personaId;

  return (
    <section className="page scheduled-page">
      <header className="page-header">
        <h1>Scheduled messages</h1>
        <button type="button" onClick={refresh} disabled={refreshing}>
          {refreshing ? "Refreshing…" : "Refresh"}
        </button>
      </header>
      <p className="muted scheduled-intro">
        Good mornings, good nights and check-ins your personas plan to send you, and what became of each.
      </p>

      <ErrorNotice error={statistics.error} />
      {statistics.data && (
        <ScheduledStatisticsTiles
          statistics={statistics.data}
          caption={filters.personaId ? `Counts for ${personaName ?? "the chosen persona"}` : "Counts"}
        />
      )}

      <div className="scheduled-filters">
        <PersonaFilterSelect
          id="scheduled-persona"
          personas={personas.data}
          value={filters.personaId}
          onChange={(personaId) => changeFilters({ personaId })}
        />
        <div className="field">
          <label htmlFor="scheduled-kind">Kind</label>
          <select
            id="scheduled-kind"
            value={filters.kind}
            onChange={(event) => changeFilters({ kind: event.target.value as ScheduledKind | "" })}
          >
            <option value="">All kinds</option>
            {SCHEDULED_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {KIND_LABELS[kind]}
              </option>
            ))}
          </select>
        </div>
        <label className="scheduled-include-sent">
          <input
            type="checkbox"
            checked={filters.includeSent}
            onChange={(event) => changeFilters({ includeSent: event.target.checked })}
          />
          Include sent
        </label>
      </div>
      <ErrorNotice error={personas.error} />

      {cancelled && <Notice kind="success">{cancelled}</Notice>}
      <ErrorNotice error={list.error} />
      {list.isPending && <Loading label="Loading scheduled messages…" />}
      {list.data && messages.length === 0 && nothingPlannedYet && <NothingPlanned />}
      {list.data && messages.length === 0 && !nothingPlannedYet && statistics.data && (
        <div className="card scheduled-empty">
          <p>
            {filters.includeSent
              ? "No scheduled messages match these filters."
              : "Nothing pending matches these filters."}
            {!filters.includeSent &&
              " Tick “Include sent” to see the ones already sent, skipped or cancelled."}
          </p>
        </div>
      )}
      {messages.length > 0 && (
        <ScheduledList
          messages={messages}
          cancelling={cancelling}
          cancelErrors={cancelErrors}
          onCancel={(message) => cancel.mutate(message)}
        />
      )}
      {list.hasNextPage && (
        <button
          type="button"
          className="scheduled-more"
          disabled={list.isFetching}
          onClick={() => void list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}

/** The empty state: why there is nothing, and where to change that. */
function NothingPlanned() {
  return (
    <div className="card scheduled-empty">
      <p>
        <strong>No scheduled messages yet.</strong>
      </p>
      <p>
        Personas with an initiative of 3 or more plan good mornings, good nights and check-ins inside their
        active hours, for people who chatted with them in the last 14 days. Raise a persona’s initiative and
        set its active hours in the <Link to="/personas/new">persona builder</Link> (or open one of{" "}
        <Link to="/personas">your personas</Link>), then chat with it.
      </p>
    </div>
  );
}
