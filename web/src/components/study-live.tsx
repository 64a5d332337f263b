import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { watchStudy } from "@dramatis/sdk";
import { ApiError, client, unwrap } from "../lib/api.ts";
import { studyKeys } from "../lib/query-keys-studies.ts";
import type { Study } from "./study-format.ts";

/** Pause before opening the stream again after it ended early or failed. */
const RECONNECT_MS = 2000;

export interface LiveStudy {
  study: Study | undefined;
  /** Why the study could not be read or followed (a 404 for another tenant's study, say). */
  error: unknown;
  /** Shows a study the server returned (after Cancel or Resume) without waiting for the stream. */
  replace: (study: Study) => void;
  /** Opens the stream again: after Resume, since a stream ends once the study stops. */
  reconnect: () => void;
}

/**
 * The study, live: read once into the query cache, then kept there by watchStudy (GET
 * /v1/studies/{id}/events sends a snapshot at once and then about once a second while something
 * changed, ending after the study completes or is cancelled). A stream that ends while the study still
 * runs (a restart, a proxy timeout) is opened again.
 */
export function useStudyLive(studyId: string): LiveStudy {
  const queryClient = useQueryClient();
  const loaded = useQuery({
    queryKey: studyKeys.detail(studyId),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/studies/{id}", { params: { path: { id: studyId } }, signal })),
  });
  const [streamError, setStreamError] = useState<unknown>(undefined);
  const [connection, setConnection] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    let latest: Study | undefined;
    let timer: number | undefined;
    const again = () => {
      timer = window.setTimeout(() => setConnection((value) => value + 1), RECONNECT_MS);
    };
    const follow = async () => {
      for await (const study of watchStudy(client, studyId, { signal: controller.signal })) {
        latest = study;
        queryClient.setQueryData(studyKeys.detail(studyId), study);
        setStreamError(undefined);
      }
    };
    follow().then(
      () => {
        if (controller.signal.aborted) return;
        if (!latest || latest.status === "running") again();
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setStreamError(failure);
        // A missing study or a refused request will not change by asking again; a dropped connection may.
        const final = failure instanceof ApiError && failure.status < 500 && failure.status !== 429;
        if (!final) again();
      },
    );
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [studyId, connection, queryClient]);

  const replace = useCallback(
    (next: Study) => queryClient.setQueryData(studyKeys.detail(studyId), next),
    [queryClient, studyId],
  );
  const reconnect = useCallback(() => setConnection((value) => value + 1), []);
  return { study: loaded.data, error: streamError ?? loaded.error ?? undefined, replace, reconnect };
}
