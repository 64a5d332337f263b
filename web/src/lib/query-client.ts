import { QueryClient } from "@tanstack/react-query";
import { isTransient } from "./api.ts";

/**
 * The app's one query cache. Screens read with useQuery (keys in query-keys.ts) and change with
 * useMutation, invalidating the keys a change affects, so no screen reloads by hand.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx (404, 403, 422) is an answer, not a glitch: show it at once.
      retry: (failureCount, error) => failureCount < 2 && isTransient(error),
      staleTime: 5_000,
      refetchOnWindowFocus: true,
    },
    mutations: { retry: false },
  },
});
