import { useQuery } from "@tanstack/react-query";
import { PersonaOptionGroups } from "./persona-filter-select.tsx";
import { useDeferredValue, useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, type Schema } from "../lib/api.ts";
import { Link, navigate } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "./notice.tsx";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { createConversation, searchPersonas } from "./chat-loaders.ts";

type PersonaSummary = Schema<"Persona">;

/** A greeting as a short option label: the persona's name for {{char}}, "you" for {{user}}, one line. */
function greetingLabel(text: string, personaName: string): string {
  const named = text
    .replace(/\{\{char\}\}|<BOT>|<CHAR>/gi, personaName)
    .replace(/\{\{user\}\}|<USER>/gi, "you")
    .replace(/\s+/g, " ")
    .trim();
  return named.length > 80 ? `${named.slice(0, 79)}…` : named || "(empty)";
}

/** A card's group_only_greetings (kept in the persona's `card`), the strings among them. */
function groupOnlyGreetings(persona: PersonaSummary): string[] {
  const stored = persona.card?.group_only_greetings;
  return Array.isArray(stored) ? stored.filter((text): text is string => typeof text === "string") : [];
}

/**
 * "Start a new conversation": pick one of the personas (or a preset), and its greeting when it has
 * alternates (a card's alternate_greetings, then its group_only_greetings), and open a conversation with it.
 */
export function ChatNewConversation({
  personas,
  personasError,
  focusRequest,
  onCreated,
}: {
  personas: PersonaSummary[] | undefined;
  personasError: Error | undefined;
  /** Changes when "New conversation" is pressed, to bring the picker into view and focus it. */
  focusRequest: number;
  onCreated: () => void;
}) {
  const [personaId, setPersonaId] = useState("");
  const [greeting, setGreeting] = useState(0);
  // The server searches by name, so a tenant with thousands of personas still finds one by typing.
  const [search, setSearch] = useState("");
  const needle = useDeferredValue(search.trim());
  const found = useQuery({
    queryKey: personaKeys.search(needle),
    queryFn: ({ signal }) => searchPersonas(needle, signal),
    enabled: needle !== "",
  });
  const shown = needle ? found.data : personas;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const selectRef = useRef<HTMLSelectElement>(null);

  // Focus the picker when asked, as soon as it is there (the personas may still be loading).
  const focusHandled = useRef(0);
  useEffect(() => {
    if (focusRequest === focusHandled.current || !selectRef.current) return;
    focusHandled.current = focusRequest;
    selectRef.current.scrollIntoView({ block: "center" });
    selectRef.current.focus();
  });

  const own = shown?.filter((persona) => persona.kind === "persona") ?? [];
  const presets = shown?.filter((persona) => persona.kind === "preset") ?? [];
  const listed = [...own, ...presets];
  const chosen = listed.some((persona) => persona.id === personaId) ? personaId : (listed[0]?.id ?? "");
  const chosenPersona = listed.find((persona) => persona.id === chosen);
  const alternates = chosenPersona?.alternate_greetings ?? [];
  const groupGreetings = chosenPersona ? groupOnlyGreetings(chosenPersona) : [];
  const chosenGreeting = greeting <= alternates.length + groupGreetings.length ? greeting : 0;

  async function start(event: FormEvent) {
    event.preventDefault();
    if (!chosen || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const conversation = await createConversation(chosen, chosenGreeting);
      onCreated();
      navigate(`/chat/${encodeURIComponent(conversation.id)}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const fieldError = error instanceof ApiError ? error.fieldMessage("persona_id") : undefined;
  return (
    <section className="card chat-new" aria-labelledby="chat-new-heading">
      <h2 id="chat-new-heading">Start a new conversation</h2>
      <ErrorNotice error={personasError} />
      {!personas && !personasError && <Loading label="Loading personas…" />}
      {personas && personas.length === 0 && (
        <p>
          You have no personas yet. <Link to="/personas/new">Create a persona</Link> to chat with it.
        </p>
      )}
      {personas && personas.length > 0 && (
        <form onSubmit={start}>
          <div className="field">
            <label htmlFor="chat-new-search">Find a persona</label>
            <input
              id="chat-new-search"
              type="search"
              value={search}
              placeholder="Type part of a name"
              autoComplete="off"
              onChange={(event) => {
                setSearch(event.target.value);
                setGreeting(0);
              }}
            />
            {needle && found.data?.length === 0 && (
              <span className="field-hint" role="status">
                No persona is called anything like &ldquo;{needle}&rdquo;.
              </span>
            )}
            <ErrorNotice error={found.error ?? undefined} />
          </div>
          <div className="field">
            <label htmlFor="chat-new-persona">Persona</label>
            <select
              id="chat-new-persona"
              ref={selectRef}
              value={chosen}
              onChange={(event) => {
                setPersonaId(event.target.value);
                setGreeting(0);
              }}
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? "chat-new-persona-error" : undefined}
            >
              <PersonaOptionGroups personas={listed} />
            </select>
            {fieldError && (
              <span id="chat-new-persona-error" className="field-error">
                {fieldError}
              </span>
            )}
            <span className="field-hint">The conversation opens with the persona&apos;s greeting.</span>
          </div>
          {chosenPersona && alternates.length + groupGreetings.length > 0 && (
            <div className="field">
              <label htmlFor="chat-new-greeting">Greeting</label>
              <select
                id="chat-new-greeting"
                value={chosenGreeting}
                onChange={(event) => setGreeting(Number(event.target.value))}
              >
                <option value={0}>
                  First message: {greetingLabel(chosenPersona.first_message, chosenPersona.name)}
                </option>
                {alternates.map((text, index) => (
                  <option key={index} value={index + 1}>
                    Alternate {index + 1}: {greetingLabel(text, chosenPersona.name)}
                  </option>
                ))}
                {groupGreetings.map((text, index) => (
                  <option key={`group-${index}`} value={alternates.length + index + 1}>
                    Group greeting {index + 1}: {greetingLabel(text, chosenPersona.name)}
                  </option>
                ))}
              </select>
              <span className="field-hint">
                Swipe the first message to see the other greetings. Group greetings were written for group
                chats: one is among the swipes only when you start with it.
              </span>
            </div>
          )}
          {error !== undefined && !fieldError && <ErrorNotice error={error} />}
          <button
            type="submit"
            className="button-primary"
            disabled={busy || !chosen || (!!needle && !found.data)}
          >
            {busy ? "Starting…" : "Start conversation"}
          </button>
        </form>
      )}
    </section>
  );
}
