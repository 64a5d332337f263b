import { useEffect, useRef } from "react";
import { useQuery } from "@tanstack/react-query";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { conversationKeys } from "../lib/query-keys-personas.ts";
import { ErrorNotice, Loading } from "./notice.tsx";
import type { ShownMessage } from "./chat-message.tsx";

type Exchange = Schema<"Exchange">;
type PromptSectionName = Schema<"PromptRecord">["sections"][number]["name"];

const SECTION_LABELS: Record<PromptSectionName, string> = {
  base_instructions: "Base instructions",
  identity: "Identity",
  communication_examples: "Communication examples",
  verbosity: "Verbosity",
  user_persona: "User persona",
  memories: "Memories",
  history: "Conversation history",
  post_history_instructions: "Post-history instructions",
  world_info: "World info",
};

/** The memory lines of the memories section ("What you remember:\n- …"). */
function memoryLines(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("- "))
    .map((line) => line.slice(2));
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * The prompt inspector: the exact prompt that produced a reply, section by section with token counts,
 * the user persona and memories it used, the model, its parameters and (for replies streamed in this
 * visit) the metered usage.
 */
export function ChatPromptInspector({
  conversationId,
  message,
  exchange,
  onClose,
}: {
  conversationId: string;
  message: ShownMessage;
  /** The exchange that produced the reply, when it was sent in this visit: exact usage and timings. */
  exchange: Exchange | undefined;
  onClose: () => void;
}) {
  const prompt = useQuery({
    queryKey: conversationKeys.prompt(conversationId, message.id),
    queryFn: ({ signal }) =>
      unwrap(
        client.GET("/v1/conversations/{id}/messages/{messageId}/prompt", {
          params: { path: { id: conversationId, messageId: message.id } },
          signal,
        }),
      ),
  });
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), [message.id]);

  const record = prompt.data?.message_id === message.id ? prompt.data : undefined;
  const memories = record ? memoryLines(record.sections.find((s) => s.name === "memories")?.text ?? "") : [];
  const userPersonaSection = record?.sections.find((s) => s.name === "user_persona");
  const largest = record ? Math.max(1, ...record.sections.map((section) => section.tokens)) : 1;

  return (
    <aside
      id="chat-prompt-inspector"
      className="chat-inspector"
      aria-labelledby="chat-inspector-heading"
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <div className="chat-inspector-header">
        <h2 id="chat-inspector-heading" tabIndex={-1} ref={headingRef}>
          Prompt inspector
        </h2>
        <button type="button" className="button-small" onClick={onClose} aria-label="Close prompt inspector">
          Close
        </button>
      </div>
      {prompt.isFetching && !record && <Loading label="Loading the prompt…" />}
      <ErrorNotice error={prompt.error} />
      {record && (
        <>
          <dl className="chat-inspector-facts">
            <dt>Model</dt>
            <dd>
              <code>{record.model}</code>
            </dd>
            <dt>Prompt tokens</dt>
            <dd>{record.total_tokens}</dd>
            <dt>Reply tokens</dt>
            <dd>{exchange?.usage.output_tokens ?? message.token_count ?? "—"}</dd>
            <dt>Written</dt>
            <dd>
              <time dateTime={record.created_at}>{new Date(record.created_at).toLocaleString()}</time>
            </dd>
          </dl>

          <h3>Usage</h3>
          {exchange ? (
            <dl className="chat-inspector-facts">
              <dt>Input tokens</dt>
              <dd>{exchange.usage.input_tokens}</dd>
              <dt>Output tokens</dt>
              <dd>{exchange.usage.output_tokens}</dd>
              <dt>Cost</dt>
              <dd>${exchange.usage.cost_usd.toFixed(6)}</dd>
              <dt>Time</dt>
              <dd>
                {Math.round(exchange.timings.total_ms)} ms (prompt {Math.round(exchange.timings.prompt_ms)}{" "}
                ms, model {Math.round(exchange.timings.model_ms)} ms)
              </dd>
            </dl>
          ) : (
            <p className="muted">
              Exact usage and cost are shown for replies sent during this visit. This prompt counts{" "}
              {record.total_tokens} tokens and the reply {message.token_count ?? "?"}.
            </p>
          )}

          <h3>User persona</h3>
          {message.user_persona ? (
            <p>
              <strong>{message.user_persona.name}</strong>
              {message.user_persona.description && ` — ${message.user_persona.description}`}
            </p>
          ) : (
            <p>No Persona</p>
          )}
          {userPersonaSection && (
            <p className="muted chat-inspector-note">
              {userPersonaSection.tokens} tokens: “{userPersonaSection.text}”
            </p>
          )}

          <h3>Memories used</h3>
          {memories.length === 0 ? (
            <p className="muted">No memories were retrieved for this reply.</p>
          ) : (
            <ul className="chat-inspector-memories">
              {memories.map((memory, index) => (
                <li key={index}>{memory}</li>
              ))}
            </ul>
          )}

          <h3>Sections</h3>
          <ol className="chat-inspector-sections">
            {record.sections.map((section) => (
              <li key={section.name}>
                <details>
                  <summary>
                    <span className="chat-inspector-section-name">{SECTION_LABELS[section.name]}</span>
                    <span className="chat-inspector-tokens">{section.tokens} tokens</span>
                    <span className="chat-inspector-bar" aria-hidden="true">
                      <span style={{ width: `${(section.tokens / largest) * 100}%` }} />
                    </span>
                  </summary>
                  {section.text ? <pre>{section.text}</pre> : <p className="muted">(empty)</p>}
                </details>
              </li>
            ))}
          </ol>

          {Object.keys(record.parameters).length > 0 && (
            <>
              <h3>Parameters</h3>
              <dl className="chat-inspector-facts">
                {Object.entries(record.parameters).map(([key, value]) => (
                  <div key={key} className="chat-inspector-fact">
                    <dt>{key}</dt>
                    <dd>
                      <code>{formatValue(value)}</code>
                    </dd>
                  </div>
                ))}
              </dl>
            </>
          )}

          {record.warnings.length > 0 && (
            <>
              <h3>Warnings</h3>
              <ul>
                {record.warnings.map((warning, index) => (
                  <li key={index}>{warning}</li>
                ))}
              </ul>
            </>
          )}

          <details className="chat-inspector-raw">
            <summary>Messages sent to the model ({record.messages.length})</summary>
            {record.messages.map((sent, index) => (
              <div key={index}>
                <h4>{sent.role}</h4>
                <pre>{sent.content}</pre>
              </div>
            ))}
          </details>
        </>
      )}
    </aside>
  );
}
