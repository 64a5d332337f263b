import { useMutation, useQueryClient } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { navigate } from "../lib/router.tsx";
import { ErrorNotice } from "./notice.tsx";

type Persona = Schema<"Persona">;

/** Deletes the persona with all its versions, after a confirmation. */
export function PersonaDeleteButton({ persona }: { persona: Persona }) {
  const queryClient = useQueryClient();
  const deletion = useMutation({
    mutationFn: () => unwrap(client.DELETE("/v1/personas/{id}", { params: { path: { id: persona.id } } })),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: personaKeys.detail(persona.id) });
      navigate("/personas", { replace: true });
      return queryClient.invalidateQueries({ queryKey: personaKeys.lists() });
    },
  });
  const busy = deletion.isPending || deletion.isSuccess;

  const remove = async () => {
    const confirmed = window.confirm(
      `Delete ${persona.name || "this persona"} with all its versions? This cannot be undone.`,
    );
    if (!confirmed) return;
    deletion.mutate();
  };

  return (
    <section className="card persona-danger" aria-labelledby="persona-danger-heading">
      <h2 id="persona-danger-heading">Delete persona</h2>
      <p className="field-hint">Removes the persona, its draft and every published version.</p>
      <ErrorNotice error={deletion.error ?? undefined} />
      <button type="button" className="button-danger" disabled={busy} onClick={() => void remove()}>
        {busy ? "Deleting…" : "Delete persona"}
      </button>
    </section>
  );
}
