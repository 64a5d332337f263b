import type { Schema } from "../lib/api.ts";
import { statusOf } from "./persona-form-values.ts";

type Persona = Schema<"Persona">;

/**
 * Where a persona stands: Draft (never published), Production vN (its newest version answers) or
 * Published (a newer version exists but an older one is production, after a roll back), and whether the draft has unpublished edits.
 */
export function PersonaStatusBadges({ persona }: { persona: Persona }) {
  const status = statusOf(persona);
  if (persona.kind === "preset") {
    return (
      <span className="persona-badges">
        <span className="badge">Preset</span>
      </span>
    );
  }
  return (
    <span className="persona-badges">
      {persona.visibility === "private" && (
        <span className="badge" title="Only its creator and admins see this persona">
          Private
        </span>
      )}
      {status === "draft" && <span className="badge">Draft</span>}
      {status === "production" && (
        <span className="badge badge-accent">Production v{persona.production_version}</span>
      )}
      {status === "published" && (
        <>
          <span className="badge badge-accent" title="Rolled back: an older version answers conversations">
            Production v{persona.production_version}
          </span>
          <span className="badge" title={`Version ${persona.latest_version} is published but not production`}>
            Published v{persona.latest_version}
          </span>
        </>
      )}
      {status !== "draft" && persona.has_unpublished_changes && (
        <span className="badge badge-warning">Unpublished changes</span>
      )}
    </span>
  );
}
