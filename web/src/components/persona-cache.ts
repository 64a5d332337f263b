import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import type { Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";

/**
 * After a write answered with the persona (save, publish, roll back): the answer becomes the cached
 * copy, and what it may have changed (lists, versions, diffs) is read again when next shown.
 */
export function usePersonaChanged(): (persona: Schema<"Persona">) => void {
  const queryClient = useQueryClient();
  return useCallback(
    (persona) => {
      queryClient.setQueryData(personaKeys.detail(persona.id), persona);
      void queryClient.invalidateQueries({ queryKey: personaKeys.lists() });
      void queryClient.invalidateQueries({
        queryKey: personaKeys.detail(persona.id),
        // the detail itself is the answer just stored; only what hangs beneath it is stale
        predicate: (query) => query.queryKey.length > personaKeys.detail(persona.id).length,
      });
    },
    [queryClient],
  );
}
