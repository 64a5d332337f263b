import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import type { Schema } from "../lib/api.ts";
import { getModelSetup, modelSetupKeys } from "../lib/model-setup-api.ts";
import { Link } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import "./persona-api-access.css";

type Persona = Schema<"Persona">;

/** The key as snippets show it: an environment variable, never a real key. */
const KEY_PLACEHOLDER = "$DRAMATIS_API_KEY";

const SNIPPETS = [
  { id: "curl", label: "curl" },
  { id: "javascript", label: "JavaScript" },
  { id: "python", label: "Python" },
  { id: "apps", label: "SillyTavern / Open WebUI" },
] as const;

type SnippetId = (typeof SNIPPETS)[number]["id"];

function curlSnippet(baseUrl: string, model: string): string {
  const body = JSON.stringify({ model, messages: [{ role: "user", content: "Hello!" }] });
  return [
    `curl ${baseUrl}/chat/completions \\`,
    `  -H "Authorization: Bearer ${KEY_PLACEHOLDER}" \\`,
    `  -H "X-Dramatis-User: alice" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '${body}'`,
  ].join("\n");
}

function javascriptSnippet(baseUrl: string, model: string): string {
  return `// npm install openai
import OpenAI from "openai";

const client = new OpenAI({
  baseURL: "${baseUrl}",
  apiKey: process.env.DRAMATIS_API_KEY,
  defaultHeaders: { "X-Dramatis-User": "alice" },
});

const reply = await client.chat.completions.create({
  model: "${model}",
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(reply.choices[0].message.content);`;
}

function pythonSnippet(baseUrl: string, model: string): string {
  return `# pip install openai
import os
from openai import OpenAI

client = OpenAI(
    base_url="${baseUrl}",
    api_key=os.environ["DRAMATIS_API_KEY"],
    default_headers={"X-Dramatis-User": "alice"},
)

reply = client.chat.completions.create(
    model="${model}",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`;
}

/** What "Copy" did: copied, or (no clipboard access, e.g. plain http on another host) selected the text. */
type CopyOutcome = "copied" | "selected" | undefined;

/**
 * Copies `text`, else selects `target`'s text so Ctrl+C copies it; says which in a status line. The
 * button keeps its name (e.g. "Copy model id"); the status says "Copied" for a few seconds.
 */
function CopyButton({
  text,
  label,
  target,
}: {
  text: string;
  label: string;
  target: RefObject<HTMLElement | null>;
}) {
  const [outcome, setOutcome] = useState<CopyOutcome>(undefined);
  useEffect(() => {
    if (outcome === undefined) return;
    const timer = setTimeout(() => setOutcome(undefined), 2500);
    return () => clearTimeout(timer);
  }, [outcome]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setOutcome("copied");
    } catch {
      const element = target.current;
      if (element instanceof HTMLInputElement) element.select();
      else if (element) window.getSelection()?.selectAllChildren(element);
      setOutcome("selected");
    }
  };

  return (
    <span className="persona-api-copy">
      <button type="button" className="button-small" onClick={() => void copy()}>
        {label}
      </button>
      <span className="field-hint" role="status">
        {outcome === "copied" && "Copied"}
        {outcome === "selected" && "Selected: press Ctrl+C (or ⌘C)"}
      </span>
    </span>
  );
}

/** A read-only value (base URL, model id) with its label and a copy button. */
function CopyField({
  id,
  label,
  value,
  copyLabel,
}: {
  id: string;
  label: string;
  value: string;
  copyLabel: string;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  return (
    <div className="field persona-api-field">
      <label htmlFor={id}>{label}</label>
      <div className="persona-api-copy-row">
        <input
          ref={inputRef}
          id={id}
          readOnly
          value={value}
          spellCheck={false}
          onFocus={(event) => event.target.select()}
        />
        <CopyButton text={value} label={copyLabel} target={inputRef} />
      </div>
    </div>
  );
}

/**
 * Tabs as the WAI-ARIA pattern has them: one tab in the Tab order, arrows (and Home, End) move between
 * tabs and show each one's panel.
 */
function SnippetTabs({
  id,
  selected,
  onSelect,
}: {
  id: string;
  selected: SnippetId;
  onSelect: (snippet: SnippetId) => void;
}) {
  const listRef = useRef<HTMLDivElement>(null);
  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = SNIPPETS.findIndex((snippet) => snippet.id === selected);
    const next =
      event.key === "ArrowRight"
        ? (index + 1) % SNIPPETS.length
        : event.key === "ArrowLeft"
          ? (index - 1 + SNIPPETS.length) % SNIPPETS.length
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? SNIPPETS.length - 1
              : undefined;
    if (next === undefined) return;
    event.preventDefault();
    const snippet = SNIPPETS[next]!;
    onSelect(snippet.id);
    listRef.current?.querySelector<HTMLElement>(`#${CSS.escape(`${id}-tab-${snippet.id}`)}`)?.focus();
  };
  return (
    <div ref={listRef} className="tabs persona-api-tabs" role="tablist" aria-label="Snippet" onKeyDown={move}>
      {SNIPPETS.map((snippet) => (
        <button
          key={snippet.id}
          type="button"
          role="tab"
          id={`${id}-tab-${snippet.id}`}
          aria-controls={`${id}-panel`}
          aria-selected={snippet.id === selected}
          tabIndex={snippet.id === selected ? 0 : -1}
          onClick={() => onSelect(snippet.id)}
        >
          {snippet.label}
        </button>
      ))}
    </div>
  );
}

function CodeSnippet({ code, copyLabel }: { code: string; copyLabel: string }) {
  const codeRef = useRef<HTMLElement>(null);
  return (
    <>
      <pre className="persona-api-snippet">
        <code ref={codeRef}>{code}</code>
      </pre>
      <CopyButton text={code} label={copyLabel} target={codeRef} />
    </>
  );
}

/** Where SillyTavern and Open WebUI take the base URL, key and model. */
function AppSteps({ baseUrl, model }: { baseUrl: string; model: string }) {
  return (
    <div className="persona-api-apps">
      <h4>SillyTavern</h4>
      <ol>
        <li>
          Open <strong>API Connections</strong> (the plug icon) and choose the API{" "}
          <strong>Chat Completion</strong>.
        </li>
        <li>
          Chat Completion Source: <strong>Custom (OpenAI-compatible)</strong>.
        </li>
        <li>
          Custom Endpoint (Base URL): <code>{baseUrl}</code>
        </li>
        <li>
          Custom API Key: your key (<code>{KEY_PLACEHOLDER}</code>).
        </li>
        <li>
          Enter a Model ID: <code>{model}</code>, then <strong>Connect</strong>.
        </li>
      </ol>
      <h4>Open WebUI</h4>
      <ol>
        <li>
          <strong>Admin Panel → Settings → Connections</strong>, and add an OpenAI API connection (+).
        </li>
        <li>
          URL: <code>{baseUrl}</code>; Key: your key (<code>{KEY_PLACEHOLDER}</code>).
        </li>
        <li>
          Save. Model IDs: add <code>{model}</code> (left empty, every persona is listed from{" "}
          <code>/v1/models</code>); pick it in a new chat.
        </li>
      </ol>
    </div>
  );
}

/**
 * "Use from other apps": how to reach this persona from OpenAI clients — the base URL and model id to
 * copy, snippets for curl, the `openai` packages and chat apps (the key only as `$DRAMATIS_API_KEY`),
 * and what the endpoint supports (docs/openai-compatibility.md).
 */
export function PersonaApiAccess({ persona }: { persona: Persona }) {
  const id = useId();
  const { session } = useSession();
  const [selected, setSelected] = useState<SnippetId>("curl");
  const setup = useQuery({ queryKey: modelSetupKeys.state, queryFn: ({ signal }) => getModelSetup(signal) });
  const baseUrl = `${window.location.origin}/v1`;
  const model = `persona/${persona.id}`;
  // The model that answers: the persona's own, else the workspace's default (undefined while loading).
  const answering = persona.model ?? setup.data?.effective_default_model;
  const offline = answering?.startsWith("offline/") ?? false;
  const tab = SNIPPETS.find((snippet) => snippet.id === selected)!;

  return (
    <section className="card persona-api-access" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Use from other apps</h2>
      <p className="field-hint">
        Any OpenAI-compatible client can talk to this persona: point it at the base URL, send an API key as{" "}
        <code>Authorization: Bearer</code>, and use the model id. <code>X-Dramatis-User</code> names the
        person talking, so the persona remembers each one apart (without it, requests share one anonymous
        user).
      </p>
      <div className="form-grid">
        <CopyField id={`${id}-base-url`} label="Base URL" value={baseUrl} copyLabel="Copy base URL" />
        <CopyField id={`${id}-model`} label="Model id" value={model} copyLabel="Copy model id" />
      </div>
      <h3 id={`${id}-snippets`}>Examples</h3>
      <SnippetTabs id={id} selected={selected} onSelect={setSelected} />
      <div
        id={`${id}-panel`}
        role="tabpanel"
        aria-labelledby={`${id}-tab-${tab.id}`}
        tabIndex={0}
        className="persona-api-panel"
      >
        {selected === "curl" && (
          <CodeSnippet code={curlSnippet(baseUrl, model)} copyLabel="Copy curl command" />
        )}
        {selected === "javascript" && (
          <CodeSnippet code={javascriptSnippet(baseUrl, model)} copyLabel="Copy JavaScript" />
        )}
        {selected === "python" && (
          <CodeSnippet code={pythonSnippet(baseUrl, model)} copyLabel="Copy Python" />
        )}
        {selected === "apps" && <AppSteps baseUrl={baseUrl} model={model} />}
      </div>
      <p className="field-hint">
        Replies can stream, call your tools, follow a JSON schema (<code>response_format</code>) and take
        images when the persona&apos;s model can see them
        {offline && " (the offline demo engine answering now takes none)"}.{" "}
        {session.account.role === "admin" ? (
          <>
            Create a key in <Link to="/settings/keys">Settings → API keys</Link>.
          </>
        ) : (
          <>
            An admin creates keys in <Link to="/settings/keys">Settings → API keys</Link>.
          </>
        )}{" "}
        Every field, honoured or refused: <code>docs/openai-compatibility.md</code>, and the{" "}
        <a href="/docs">API reference</a>.
      </p>
    </section>
  );
}
