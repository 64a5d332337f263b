import { useCallback, useState } from "react";

export interface Action {
  busy: boolean;
  error: unknown;
  /** Runs `work` once at a time, keeping its error; resolves true when it succeeded. */
  run: (work: () => Promise<void>) => Promise<boolean>;
  clearError: () => void;
}

/** Busy and error state for a form submission or a button that calls the server. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(undefined), []);
  return { busy, error, run, clearError };
}
