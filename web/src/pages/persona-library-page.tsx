import { useState } from "react";
import { api, query, type Schema } from "../lib/api.ts";
import { navigate } from "../lib/router.tsx";
import { useResource } from "../lib/use-resource.ts";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { PersonaCard } from "../components/persona-card.tsx";
import { PersonaCardImport } from "../components/persona-card-import.tsx";
import { PersonaJoinForm } from "../components/persona-join-form.tsx";
import { PersonaSeedDialog } from "../components/persona-seed-dialog.tsx";
import { PersonaTemplateCard } from "../components/persona-template-card.tsx";
import "./persona-library.css";

type Persona = Schema<"Persona">;
type PersonaPage = Schema<"PersonaPage">;
type PersonaTemplate = Schema<"PersonaTemplate">;

function openBuilder(persona: Persona): void {
  navigate(`/personas/${encodeURIComponent(persona.id)}`);
}

function matches(persona: Persona, filter: string): boolean {
  if (!filter) return true;
  const needle = filter.toLowerCase();
  return (
    persona.name.toLowerCase().includes(needle) ||
    persona.tags.some((tag) => tag.toLowerCase().includes(needle)) ||
    (persona.identity.occupation ?? "").toLowerCase().includes(needle)
  );
}

/** /personas: the user's personas, ways to add one (new, template, join code, card, seed) and the presets. */
export function PersonaLibraryPage() {
  const [pages, setPages] = useState<string[]>([""]);
  const [filter, setFilter] = useState("");
  const own = useResource(`own:${pages.join(",")}`, async () => {
    const personas: Persona[] = [];
    let next: string | null = null;
    for (const after of pages) {
      const page = await api<PersonaPage>(
        "GET",
        `/v1/personas${query({ kind: "persona", limit: 100, after })}`,
      );
      personas.push(...page.data);
      next = page.next_cursor;
    }
    return { personas, next };
  });
  const presets = useResource("presets", () =>
    api<PersonaPage>("GET", `/v1/personas${query({ kind: "preset", limit: 200 })}`),
  );
  const templates = useResource("templates", () =>
    api<{ data: PersonaTemplate[] }>("GET", "/v1/persona-templates"),
  );
  const [usingTemplate, setUsingTemplate] = useState<string | undefined>(undefined);
  const [copyingPreset, setCopyingPreset] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);

  const startFromTemplate = async (template: PersonaTemplate) => {
    setUsingTemplate(template.id);
    setActionError(undefined);
    try {
      openBuilder(await api<Persona>("POST", "/v1/personas", { body: { template_id: template.id } }));
    } catch (failure) {
      setActionError(failure);
      setUsingTemplate(undefined);
    }
  };

  const copyPreset = async (preset: Persona) => {
    setCopyingPreset(preset.id);
    setActionError(undefined);
    try {
      openBuilder(await api<Persona>("POST", "/v1/personas/join", { body: { code: preset.join_code } }));
    } catch (failure) {
      setActionError(failure);
      setCopyingPreset(undefined);
    }
  };

  const visible = own.data?.personas.filter((persona) => matches(persona, filter.trim())) ?? [];

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
          {own.data && own.data.personas.length > 0 && (
            <div className="persona-filter">
              <label htmlFor="persona-filter" className="visually-hidden">
                Filter your personas
              </label>
              <input
                id="persona-filter"
                type="search"
                placeholder="Filter by name, tag or occupation"
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
              />
            </div>
          )}
        </div>
        {own.error && <ErrorNotice error={own.error} />}
        {own.loading && !own.data && <Loading label="Loading your personas…" />}
        {own.data && own.data.personas.length === 0 && (
          <div className="card persona-empty">
            <p>
              <strong>You have no personas yet.</strong> Start from a template below, generate one from a
              seed, join one by code, import a Character Card, or press “New persona” to write one from
              scratch.
            </p>
          </div>
        )}
        {own.data && own.data.personas.length > 0 && visible.length === 0 && (
          <p className="muted" role="status">
            No persona matches “{filter}”.
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
            <button
              type="button"
              disabled={own.loading}
              onClick={() => own.data?.next && setPages([...pages, own.data.next])}
            >
              {own.loading ? "Loading…" : "Show more"}
            </button>
          </div>
        )}
      </section>

      <div className="persona-tools">
        <PersonaJoinForm onJoined={openBuilder} />
        <PersonaCardImport onImported={() => own.reload()} />
      </div>

      <section aria-labelledby="templates-heading" className="persona-library-section">
        <h2 id="templates-heading">Templates</h2>
        <p className="muted">Starting points: a copy opens in the builder for you to make it your own.</p>
        {templates.error && <ErrorNotice error={templates.error} />}
        {templates.loading && !templates.data && <Loading label="Loading templates…" />}
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
        {presets.loading && !presets.data && <Loading label="Loading presets…" />}
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
