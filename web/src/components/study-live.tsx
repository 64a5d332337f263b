import { useCallback, useEffect, useState } from "react";
import { ApiError, streamEvents } from "../lib/api.ts";
import type { Study } from "./study-model.tsx";

/** Pause before opening the stream again after it ended early or failed. */
const RECONNECT_MS = 2000;

export interface LiveStudy {
  study: Study | undefined;
  /** Why the stream could not be opened (a 404 for another tenant's study, say). */
  error: unknown;
  /** Shows a study the server returned (after Cancel or Resume) without waiting for the stream. */
  replace: (study: Study) => void;
  /** Opens the stream again: after Resume, since a stream ends once the study stops. */
  reconnect: () => void;
}

/**
 * The study, live: GET /v1/studies/{id}/events sends `progress` ({study}) at once and then about once a
 * second while something changed, ending after the study completes or is cancelled. A stream that ends
 * while the study still runs (a restart, a proxy timeout) is opened again.
 */
export function useStudyLive(studyId: string): LiveStudy {
  const [study, setStudy] = useState<Study | undefined>();
  const [error, setError] = useState<unknown>(undefined);
  const [connection, setConnection] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    let latest: Study | undefined;
    let timer: number | undefined;
    const again = () => {
      timer = window.setTimeout(() => setConnection((value) => value + 1), RECONNECT_MS);
    };
    streamEvents("GET", `/v1/studies/${encodeURIComponent(studyId)}/events`, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.event !== "progress") return;
        const payload = JSON.parse(event.data) as { study: Study };
        latest = payload.study;
        setStudy(payload.study);
        setError(undefined);
      },
    }).then(
      () => {
        if (controller.signal.aborted) return;
        if (!latest || latest.status === "running") again();
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        // A missing study or a refused request will not change by asking again; a dropped connection may.
        const final = failure instanceof ApiError && failure.status < 500 && failure.status !== 429;
        if (!final) again();
      },
    );
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [studyId, connection]);

  const replace = useCallback((next: Study) => setStudy(next), []);
  const reconnect = useCallback(() => setConnection((value) => value + 1), []);
  return { study, error, replace, reconnect };
}
