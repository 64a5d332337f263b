import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { navigate } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { PersonaCard } from "../components/persona-card.tsx";
import { PersonaCardImport } from "../components/persona-card-import.tsx";
import { PersonaJoinForm } from "../components/persona-join-form.tsx";
import { PersonaSeedDialog } from "../components/persona-seed-dialog.tsx";
import { PersonaTemplateCard } from "../components/persona-template-card.tsx";
import "./persona-library.css";

type Persona = Schema<"Persona">;
type PersonaTemplate = Schema<"PersonaTemplate">;

function openBuilder(persona: Persona): void {
  navigate(`/personas/${encodeURIComponent(persona.id)}`);
}

/** /personas: the user's personas, ways to add one (new, template, join code, card, seed) and the presets. */
export function PersonaLibraryPage() {
  const [filter, setFilter] = useState("");
  // The server searches names (`?q=`), so a match on a page not loaded yet is still found.
  const needle = useDeferredValue(filter.trim());
  const [includeGenerated, setIncludeGenerated] = useState(false);
  const queryClient = useQueryClient();
  const ownPages = useInfiniteQuery({
    queryKey: personaKeys.list({ kind: "persona", q: needle, includeGenerated }),
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        client.GET("/v1/personas", {
          params: {
            query: {
              kind: "persona",
              limit: 100,
              after: pageParam,
              ...(needle ? { q: needle } : {}),
              include_generated: includeGenerated ? "true" : "false",
            },
          },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const own = {
    data: ownPages.data && {
      personas: ownPages.data.pages.flatMap((page) => page.data),
      next: ownPages.hasNextPage,
    },
    error: ownPages.error,
    loading: ownPages.isFetching,
  };
  const presets = useQuery({
    queryKey: personaKeys.list({ kind: "preset" }),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/personas", { params: { query: { kind: "preset", limit: 200 } }, signal })),
  });
  const templates = useQuery({
    queryKey: personaKeys.templates(),
    queryFn: ({ signal }) => unwrap(client.GET("/v1/persona-templates", { signal })),
  });
  const [usingTemplate, setUsingTemplate] = useState<string | undefined>(undefined);
  const [copyingPreset, setCopyingPreset] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);

  const startFromTemplate = async (template: PersonaTemplate) => {
    setUsingTemplate(template.id);
    setActionError(undefined);
    try {
      openBuilder(await unwrap(client.POST("/v1/personas", { body: { template_id: template.id } })));
      void queryClient.invalidateQueries({ queryKey: personaKeys.lists() });
    } catch (failure) {
      setActionError(failure);
      setUsingTemplate(undefined);
    }
  };

  const copyPreset = async (preset: Persona) => {
    setCopyingPreset(preset.id);
    setActionError(undefined);
    try {
      openBuilder(await unwrap(client.POST("/v1/personas/join", { body: { code: preset.join_code } })));
      void queryClient.invalidateQueries({ queryKey: personaKeys.lists() });
    } catch (failure) {
      setActionError(failure);
      setCopyingPreset(undefined);
    }
  };

  const visible = own.data?.personas ?? [];
  const searching = needle !== "" || includeGenerated;

  return (
    <section className="page persona-library">
      <div className="page-header">
        <h1>Personas</h1>
        <div className="button-row">
          <PersonaSeedDialog onGenerated={openBuilder} />
          <button type="button" className="button-primary" onClick={() => navigate("/personas/new")}>
            New persona
          </button>
        </div>
      </div>
      <ErrorNotice error={actionError} />

      <section aria-labelledby="your-personas-heading" className="persona-library-section">
        <div className="persona-section-header">
          <h2 id="your-personas-heading">Your personas</h2>
          {own.data && (own.data.personas.length > 0 || searching) && (
            <div className="persona-filter">
              <label htmlFor="persona-filter" className="visually-hidden">
                Search your personas by name
              </label>
              <input
                id="persona-filter"
                type="search"
                placeholder="Search by name"
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
              />
              <label className="persona-filter-generated">
                <input
                  type="checkbox"
                  checked={includeGenerated}
                  onChange={(event) => setIncludeGenerated(event.target.checked)}
                />{" "}
                Include personas generated for research populations
              </label>
            </div>
          )}
        </div>
        {own.error && <ErrorNotice error={own.error} />}
        {ownPages.isPending && <Loading label="Loading your personas…" />}
        {own.data && own.data.personas.length === 0 && !searching && (
          <div className="card persona-empty">
            <p>
              <strong>You have no personas yet.</strong> Start from a template below, generate one from a
              seed, join one by code, import a Character Card, or press “New persona” to write one from
              scratch.
            </p>
          </div>
        )}
        {own.data && searching && visible.length === 0 && (
          <p className="muted" role="status">
            No persona matches “{needle}”.
          </p>
        )}
        {visible.length > 0 && (
          <div className="card-grid">
            {visible.map((persona) => (
              <PersonaCard key={persona.id} persona={persona} />
            ))}
          </div>
        )}
        {own.data?.next && (
          <div className="button-row persona-more">
            <button type="button" disabled={own.loading} onClick={() => void ownPages.fetchNextPage()}>
              {ownPages.isFetchingNextPage ? "Loading…" : "Show more"}
            </button>
          </div>
        )}
      </section>

      <div className="persona-tools">
        <PersonaJoinForm onJoined={openBuilder} />
        <PersonaCardImport />
      </div>

      <section aria-labelledby="templates-heading" className="persona-library-section">
        <h2 id="templates-heading">Templates</h2>
        <p className="muted">Starting points: a copy opens in the builder for you to make it your own.</p>
        {templates.error && <ErrorNotice error={templates.error} />}
        {templates.isPending && <Loading label="Loading templates…" />}
        {templates.data && templates.data.data.length === 0 && <p className="muted">No templates.</p>}
        {templates.data && templates.data.data.length > 0 && (
          <div className="card-grid">
            {templates.data.data.map((template) => (
              <PersonaTemplateCard
                key={template.id}
                template={template}
                busy={usingTemplate === template.id}
                disabled={usingTemplate !== undefined}
                onUse={(chosen) => void startFromTemplate(chosen)}
              />
            ))}
          </div>
        )}
      </section>

      <section aria-labelledby="presets-heading" className="persona-library-section">
        <h2 id="presets-heading">Presets</h2>
        <p className="muted">Ready to chat with, shared by everyone on this server and read-only.</p>
        {presets.error && <ErrorNotice error={presets.error} />}
        {presets.isPending && <Loading label="Loading presets…" />}
        {presets.data && presets.data.data.length === 0 && <p className="muted">No presets.</p>}
        {presets.data && presets.data.data.length > 0 && (
          <div className="card-grid">
            {presets.data.data.map((preset) => (
              <PersonaCard
                key={preset.id}
                persona={preset}
                copying={copyingPreset === preset.id}
                onCopy={(chosen) => void copyPreset(chosen)}
              />
            ))}
          </div>
        )}
      </section>
    </section>
  );
}
