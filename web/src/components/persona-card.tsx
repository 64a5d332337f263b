import { useId } from "react";
import { Link } from "../lib/router.tsx";
import { Markdown } from "./markdown.tsx";
import { PersonaAvatar } from "./persona-avatar.tsx";
import { PersonaExportButtons } from "./persona-export-buttons.tsx";
import type { Schema } from "../lib/api.ts";
import { PersonaStatusBadges } from "./persona-status-badges.tsx";

type Persona = Schema<"Persona">;

/**
 * One persona in the library: picture, name, status and tags, with the ways to use it. A preset is
 * read-only, so instead of "Edit" it offers a copy the user can edit (`onCopy`).
 */
export function PersonaCard({
  persona,
  onCopy,
  copying = false,
}: {
  persona: Persona;
  onCopy?: (persona: Persona) => void;
  copying?: boolean;
}) {
  const headingId = useId();
  const encoded = encodeURIComponent(persona.id);
  const blurb = persona.identity.summary || persona.personality || persona.scenario || persona.system_message;
  // A card's notes from its author to its users (how to play it, which model suits it): shown here, and
  // never sent to the model.
  const creatorNotes =
    typeof persona.card.creator_notes === "string" ? persona.card.creator_notes.trim() : "";
  return (
    <article className="card persona-card" aria-labelledby={headingId}>
      <div className="persona-card-header">
        <PersonaAvatar personaId={persona.id} name={persona.name} revision={persona.updated_at} />
        <div className="persona-card-title">
          <h3 id={headingId}>
            {persona.kind === "persona" ? (
              <Link to={`/personas/${encoded}`}>{persona.name}</Link>
            ) : (
              persona.name
            )}
          </h3>
          <PersonaStatusBadges persona={persona} />
        </div>
      </div>
      {blurb && <p className="persona-card-blurb muted">{blurb}</p>}
      {creatorNotes && (
        <details className="persona-card-notes">
          <summary>Creator&apos;s notes</summary>
          <Markdown>{creatorNotes}</Markdown>
        </details>
      )}
      {persona.tags.length > 0 && (
        <ul className="persona-tags" aria-label="Tags">
          {persona.tags.map((tag) => (
            <li key={tag} className="badge">
              {tag}
            </li>
          ))}
        </ul>
      )}
      <div className="button-row persona-card-actions">
        {persona.kind === "persona" ? (
          <Link
            className="button button-small"
            to={`/personas/${encoded}`}
            aria-label={`Edit ${persona.name}`}
          >
            Edit
          </Link>
        ) : (
          onCopy && (
            <button
              type="button"
              className="button-small"
              disabled={copying}
              onClick={() => onCopy(persona)}
              aria-label={`Copy ${persona.name} to my personas`}
            >
              {copying ? "Copying…" : "Copy to my personas"}
            </button>
          )
        )}
        <Link
          className="button button-small"
          to={`/chat?persona=${encoded}`}
          aria-label={`Chat with ${persona.name}`}
        >
          Chat
        </Link>
        <Link
          className="button button-small"
          to={`/personas/${encoded}/memory`}
          aria-label={`Memory of ${persona.name}`}
        >
          Memory
        </Link>
      </div>
      <PersonaExportButtons personaId={persona.id} personaName={persona.name} version="production" />
    </article>
  );
}
