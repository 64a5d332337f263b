import { useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";

type MemoryUsage = Schema<"MemoryUsage">;

/** "Clear relationship memory": forgets everything the persona knows about the signed-in user. */
export function MemoryClear({
  personaId,
  personaName,
  usage,
  onCleared,
}: {
  personaId: string;
  personaName: string;
  usage: MemoryUsage | undefined;
  onCleared: (deleted: number) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  return (
    <section className="card memory-side-card memory-danger" aria-labelledby="memory-clear-heading">
      <h2 id="memory-clear-heading">Start over with {personaName}</h2>
      <p className="field-hint">
        Forget what {personaName} has learned about you. Its own timeline stays as it is.
      </p>
      <button type="button" className="button-danger" onClick={() => setConfirming(true)}>
        Clear relationship memory
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Clear ${personaName}'s memory of you?`}
        confirmLabel="Forget everything about me"
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          const result = await unwrap(
            client.DELETE("/v1/personas/{id}/memories", { params: { path: { id: personaId } } }),
          );
          onCleared(result.deleted);
        }}
      >
        <p>
          {personaName} will forget{" "}
          <strong>
            {usage
              ? `all ${usage.relationship.toLocaleString()} ${usage.relationship === 1 ? "memory" : "memories"} about you`
              : "every memory about you"}
          </strong>
          : what you told it, the moments you shared and the preferences it picked up in your conversations.
          Its behaviour towards you changes: it will treat you like someone it has just met.
        </p>
        <p>
          <strong>This cannot be undone.</strong> Your conversations themselves are not deleted, and{" "}
          {personaName}&apos;s own timeline
          {usage
            ? ` (${usage.timeline.toLocaleString()} ${usage.timeline === 1 ? "memory" : "memories"})`
            : ""}{" "}
          is kept.
        </p>
      </ConfirmDialog>
    </section>
  );
}
