import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { lorebookKeys } from "../lib/query-keys-lorebooks.ts";
import { Link } from "../lib/router.tsx";
import { LorebookAttachments } from "../components/lorebook-attachments.tsx";
import {
  LorebookEntryEditor,
  newLorebookEntry,
  type LorebookEntry,
} from "../components/lorebook-entry-editor.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { downloadLorebook } from "./lorebooks-page.tsx";
import "./lorebooks.css";

type Lorebook = Schema<"Lorebook">;

interface Draft {
  name: string;
  description: string;
  scan_depth: number | null;
  token_budget: number | null;
  recursive_scanning: boolean | null;
  visibility: Lorebook["visibility"];
  entries: LorebookEntry[];
}

function draftOf(book: Lorebook): Draft {
  return {
    name: book.name,
    description: book.description,
    scan_depth: book.scan_depth,
    token_budget: book.token_budget,
    recursive_scanning: book.recursive_scanning,
    visibility: book.visibility,
    entries: book.entries,
  };
}

function optionalWholeNumber(text: string): number | null {
  if (text.trim() === "" || Number.isNaN(Number(text))) return null;
  return Math.max(0, Math.trunc(Number(text)));
}

/** The next entry id not taken: one more than the largest numeric id. */
function nextEntryId(entries: readonly LorebookEntry[]): string {
  const numbers = entries.map((entry) => Number(entry.id)).filter((id) => Number.isInteger(id));
  let next = numbers.length ? Math.max(...numbers) + 1 : 0;
  while (entries.some((entry) => entry.id === String(next))) next++;
  return String(next);
}

/**
 * /lorebooks/:id: the book's settings, every field of every entry, Save (one PATCH of the whole book),
 * Export, and where it is attached.
 */
export function LorebookEditorPage({ lorebookId }: { lorebookId: string }) {
  const queryClient = useQueryClient();
  const book = useQuery({
    queryKey: lorebookKeys.detail(lorebookId),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/lorebooks/{id}", { params: { path: { id: lorebookId } }, signal })),
  });
  const [draft, setDraft] = useState<Draft | undefined>();
  const [saved, setSaved] = useState(false);
  // Each entry's editor keeps its own text while typing; a new key remounts them after a reload.
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    if (book.data && draft === undefined) setDraft(draftOf(book.data));
  }, [book.data, draft]);
  useEffect(() => {
    document.title = `${book.data?.name ?? "Lorebook"} · Dramatis`;
    return () => {
      document.title = "Dramatis";
    };
  }, [book.data?.name]);

  const save = useMutation({
    mutationFn: (changes: Draft) =>
      unwrap(client.PATCH("/v1/lorebooks/{id}", { params: { path: { id: lorebookId } }, body: changes })),
    onSuccess: (updated) => {
      queryClient.setQueryData(lorebookKeys.detail(lorebookId), updated);
      void queryClient.invalidateQueries({ queryKey: lorebookKeys.list() });
      setDraft(draftOf(updated));
      setRevision((value) => value + 1);
      setSaved(true);
    },
  });
  const exportBook = useMutation({
    mutationFn: (format: "sillytavern" | "character_book") =>
      downloadLorebook({ id: lorebookId, name: draft?.name ?? "lorebook" }, format),
  });

  if (book.isPending) return <Loading label="Loading the lorebook…" />;
  if (book.error || !book.data)
    return (
      <section className="page">
        <ErrorNotice error={book.error} />
        <Link to="/lorebooks">Back to lorebooks</Link>
      </section>
    );
  if (!draft) return <Loading />;

  const change = (fields: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...draft, ...fields });
  };
  const setEntry = (index: number, entry: LorebookEntry) =>
    change({ entries: draft.entries.map((existing, at) => (at === index ? entry : existing)) });

  return (
    <section className="page lorebook-editor">
      <div className="page-header">
        <h1>{draft.name || "Lorebook"}</h1>
        <div className="button-row">
          <Link to="/lorebooks">All lorebooks</Link>
          <button type="button" onClick={() => exportBook.mutate("sillytavern")}>
            Export (SillyTavern)
          </button>
          <button type="button" onClick={() => exportBook.mutate("character_book")}>
            Export (character_book)
          </button>
        </div>
      </div>
      <ErrorNotice error={exportBook.error} />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate(draft);
        }}
      >
        <fieldset className="card">
          <legend>Book settings</legend>
          <div className="lorebook-grid">
            <label className="field">
              <span>Name</span>
              <input value={draft.name} onChange={(event) => change({ name: event.target.value })} required />
            </label>
            <label className="field">
              <span>Visibility</span>
              <select
                value={draft.visibility}
                onChange={(event) => change({ visibility: event.target.value as Draft["visibility"] })}
              >
                <option value="tenant">Shared with the workspace</option>
                <option value="private">Private to me</option>
              </select>
            </label>
          </div>
          <label className="field">
            <span>Description</span>
            <textarea
              value={draft.description}
              rows={2}
              onChange={(event) => change({ description: event.target.value })}
            />
          </label>
          <div className="lorebook-grid">
            <label className="field">
              <span>Book scan depth</span>
              <input
                type="number"
                min={0}
                value={draft.scan_depth ?? ""}
                placeholder="2 (default)"
                onChange={(event) => change({ scan_depth: optionalWholeNumber(event.target.value) })}
              />
            </label>
            <label className="field">
              <span>Token budget</span>
              <input
                type="number"
                min={0}
                value={draft.token_budget ?? ""}
                placeholder="shared budget only"
                onChange={(event) => change({ token_budget: optionalWholeNumber(event.target.value) })}
              />
            </label>
            <label className="field">
              <span>Recursive scanning</span>
              <select
                value={draft.recursive_scanning === null ? "" : draft.recursive_scanning ? "yes" : "no"}
                onChange={(event) =>
                  change({
                    recursive_scanning: event.target.value === "" ? null : event.target.value === "yes",
                  })
                }
              >
                <option value="">Default (on)</option>
                <option value="yes">On</option>
                <option value="no">Off</option>
              </select>
            </label>
          </div>
        </fieldset>

        <h2>Entries ({draft.entries.length})</h2>
        {draft.entries.length === 0 && <p className="muted">No entries yet.</p>}
        {draft.entries.map((entry, index) => (
          <LorebookEntryEditor
            key={`${revision}-${entry.id}`}
            entry={entry}
            number={index + 1}
            onChange={(updated) => setEntry(index, updated)}
            onRemove={() => change({ entries: draft.entries.filter((_, at) => at !== index) })}
          />
        ))}
        <div className="button-row lorebook-save-row">
          <button
            type="button"
            onClick={() =>
              change({ entries: [...draft.entries, newLorebookEntry(nextEntryId(draft.entries))] })
            }
          >
            Add entry
          </button>
          <button type="submit" className="button-primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save lorebook"}
          </button>
          {saved && <span role="status">Saved.</span>}
        </div>
        <ErrorNotice error={save.error} />
      </form>
      <LorebookAttachments book={book.data} />
    </section>
  );
}
