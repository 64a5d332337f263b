import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { lorebookKeys } from "../lib/query-keys-lorebooks.ts";
import { Link } from "../lib/router.tsx";
import { ErrorNotice } from "./notice.tsx";

/**
 * The standalone lorebooks attached to this persona (its replies scan them with the card's own book),
 * each linking to its editor, where books are attached and detached.
 */
export function PersonaLorebooks({ persona }: { persona: Schema<"Persona"> }) {
  const id = useId();
  const books = useQuery({
    queryKey: lorebookKeys.list(),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/lorebooks", { params: { query: { limit: 200 } }, signal })),
  });
  const attached = (books.data?.data ?? []).filter((book) =>
    book.attachments.some(
      (attachment) => attachment.kind === "persona" && attachment.target_id === persona.id,
    ),
  );
  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Lorebooks</h2>
      <ErrorNotice error={books.error} />
      {books.data && attached.length === 0 && (
        <p className="muted">No lorebook is attached to this persona.</p>
      )}
      {attached.length > 0 && (
        <ul>
          {attached.map((book) => (
            <li key={book.id}>
              <Link to={`/lorebooks/${book.id}`}>{book.name}</Link>{" "}
              <span className="muted">({book.entry_count} entries)</span>
            </li>
          ))}
        </ul>
      )}
      <p className="field-hint">
        <Link to="/lorebooks">Lorebooks</Link>: attach a book to this persona from the book&apos;s editor.
      </p>
    </section>
  );
}
