import { useEffect, useState } from "react";
import { ApiError, api } from "../lib/api.ts";
import type { Population } from "./study-model.tsx";

const POLL_MS = 1000;

/**
 * The population, refreshed from GET /v1/populations/{id} every second while it is `generating`, so a
 * screen shows generation progress until it is `ready` or `failed`. `onSettled` runs once when it stops.
 */
export function usePopulationPoll(
  initial: Population | undefined,
  onSettled?: (population: Population) => void,
): { population: Population | undefined; error: unknown } {
  const [population, setPopulation] = useState(initial);
  const [error, setError] = useState<unknown>(undefined);

  // A newer copy from the caller (after a reload) replaces ours.
  useEffect(() => setPopulation(initial), [initial]);

  const generating = population?.status === "generating";
  const id = population?.id;
  useEffect(() => {
    if (!generating || !id) return;
    let current = true;
    let timer: number | undefined;
    const poll = () => {
      timer = window.setTimeout(async () => {
        try {
          const next = await api<Population>("GET", `/v1/populations/${encodeURIComponent(id)}`);
          if (!current) return;
          setError(undefined);
          setPopulation(next);
          if (next.status === "generating") poll();
          else onSettled?.(next);
        } catch (failure) {
          if (!current) return;
          setError(failure);
          // A gone or forbidden population will not come back; a network hiccup or busy server may.
          const final = failure instanceof ApiError && failure.status < 500 && failure.status !== 429;
          if (!final) poll();
        }
      }, POLL_MS);
    };
    poll();
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
    // `onSettled` is a fresh function each render; the poll restarts only for another population.
  }, [generating, id]);

  return { population, error };
}
