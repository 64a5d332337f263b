import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { lorebookKeys } from "../lib/query-keys-lorebooks.ts";
import { Link, navigate } from "../lib/router.tsx";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import "./lorebooks.css";

type LorebookSummary = Schema<"LorebookSummary">;

function usePageTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Dramatis`;
    return () => {
      document.title = "Dramatis";
    };
  }, [title]);
}

/** Fetches the export with the session and hands it to the browser as a download. */
export async function downloadLorebook(
  book: { id: string; name: string },
  format: "sillytavern" | "character_book",
) {
  const request = client.GET("/v1/lorebooks/{id}/export", {
    params: { path: { id: book.id }, query: { format } },
    parseAs: "blob",
  });
  const response = (await request).response;
  const blob = (await unwrap(request)) as unknown as Blob;
  const disposition = response.headers.get("content-disposition") ?? "";
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? `${book.name || "lorebook"}.json`;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * /lorebooks: standalone lorebooks (world info). Create one, import a SillyTavern World Info file, a
 * character_book or a card JSON, export, delete; each opens in the editor.
 */
export function LorebooksPage() {
  usePageTitle("Lorebooks");
  const queryClient = useQueryClient();
  const books = useQuery({
    queryKey: lorebookKeys.list(),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/lorebooks", { params: { query: { limit: 200 } }, signal })),
  });
  const [name, setName] = useState("");
  const [deleting, setDeleting] = useState<LorebookSummary | undefined>();
  const fileInput = useRef<HTMLInputElement>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: lorebookKeys.all });

  const create = useMutation({
    mutationFn: (bookName: string) => unwrap(client.POST("/v1/lorebooks", { body: { name: bookName } })),
    onSuccess: (book) => {
      void refresh();
      navigate(`/lorebooks/${book.id}`);
    },
  });
  const importFile = useMutation({
    mutationFn: async (file: File) => {
      let document: unknown;
      try {
        document = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not a JSON file`);
      }
      return unwrap(client.POST("/v1/lorebooks/import", { body: document as Record<string, unknown> }));
    },
    onSuccess: (book) => {
      void refresh();
      navigate(`/lorebooks/${book.id}`);
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(client.DELETE("/v1/lorebooks/{id}", { params: { path: { id } } })),
    onSettled: () => {
      setDeleting(undefined);
      void refresh();
    },
  });
  const exportBook = useMutation({
    mutationFn: (book: LorebookSummary) => downloadLorebook(book, "sillytavern"),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };

  return (
    <section className="page">
      <div className="page-header">
        <h1>Lorebooks</h1>
      </div>
      <p className="muted">
        A lorebook (world info) holds entries that enter the prompt when their keys come up in the chat.
        Attach a book to a persona, a user persona or a conversation and its replies scan it, with the persona
        card&apos;s own book.
      </p>
      <div className="lorebook-toolbar">
        <form className="lorebook-create" onSubmit={submit}>
          <label className="field">
            <span>New lorebook name</span>
            <input value={name} onChange={(event) => setName(event.target.value)} maxLength={200} />
          </label>
          <button type="submit" className="button-primary" disabled={!name.trim() || create.isPending}>
            Create lorebook
          </button>
        </form>
        <div className="field">
          <label htmlFor="lorebook-import-file">Import a file</label>
          <input
            id="lorebook-import-file"
            ref={fileInput}
            type="file"
            accept="application/json,.json"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) importFile.mutate(file);
              event.target.value = "";
            }}
          />
          <span className="field-hint">SillyTavern World Info, a character_book, or a card JSON</span>
        </div>
      </div>
      <ErrorNotice error={create.error ?? importFile.error ?? remove.error ?? exportBook.error} />
      <ErrorNotice error={books.error} />
      {books.isPending && <Loading label="Loading lorebooks…" />}
      {books.data && books.data.data.length === 0 && (
        <div className="card">
          <p>No lorebooks yet: create one or import a file.</p>
        </div>
      )}
      <ul className="lorebook-list">
        {books.data?.data.map((book) => (
          <li key={book.id} className="card">
            <div className="lorebook-list-header">
              <h2 id={`lorebook-${book.id}`}>
                <Link to={`/lorebooks/${book.id}`}>{book.name}</Link>
              </h2>
              <span className="badge">{book.entry_count} entries</span>
              {book.visibility === "private" && <span className="badge">private</span>}
            </div>
            {book.description && <p>{book.description}</p>}
            <p className="muted">
              {book.attachments.length === 0
                ? "Not attached"
                : `Attached to ${book.attachments.length} ${book.attachments.length === 1 ? "target" : "targets"}`}
            </p>
            <div className="button-row">
              <Link
                className="button button-small"
                to={`/lorebooks/${book.id}`}
                aria-describedby={`lorebook-${book.id}`}
              >
                Edit
              </Link>
              <button
                type="button"
                className="button-small"
                aria-describedby={`lorebook-${book.id}`}
                onClick={() => exportBook.mutate(book)}
              >
                Export
              </button>
              <button
                type="button"
                className="button-small button-danger"
                aria-describedby={`lorebook-${book.id}`}
                onClick={() => setDeleting(book)}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete ${deleting?.name ?? ""}?`}
        confirmLabel="Delete lorebook"
        onConfirm={async () => {
          if (deleting) await remove.mutateAsync(deleting.id).catch(() => undefined);
        }}
        onClose={() => setDeleting(undefined)}
      >
        <p>Its entries and attachments go with it.</p>
      </ConfirmDialog>
    </section>
  );
}
