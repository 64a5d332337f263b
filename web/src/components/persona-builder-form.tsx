import { useState, type ReactNode } from "react";
import type { ApiError } from "../lib/api.ts";
import { PersonaAdvancedFields } from "./persona-advanced-fields.tsx";
import { PersonaAppearanceFields } from "./persona-appearance-fields.tsx";
import { PersonaBasicFields } from "./persona-basic-fields.tsx";
import { PersonaBuilderSection } from "./persona-builder-section.tsx";
import { PersonaCommunicationFields } from "./persona-communication-fields.tsx";
import { PersonaFeatureFields } from "./persona-feature-fields.tsx";
import { hasErrorUnder } from "./persona-form-values.ts";
import { PersonaModifierFields } from "./persona-modifier-fields.tsx";
import { PersonaPersonalityFields } from "./persona-personality-fields.tsx";
import { PersonaResponseFields } from "./persona-response-fields.tsx";
import { PersonaVoiceFields } from "./persona-voice-fields.tsx";

interface SectionSpec {
  id: string;
  title: string;
  description?: string;
  /** Dotted paths whose server errors belong to this section (and open it). */
  paths: string[];
  render: () => ReactNode;
}

/** Groups open at first: where a new persona starts. */
const INITIALLY_OPEN = ["basic", "personality"];

/**
 * Every field of the definition in the reference products' groups, as collapsible sections with a
 * jump list. Sections holding a field the server (or a local check) rejected open themselves.
 */
export function PersonaBuilderForm({
  error,
  failures,
  invalidPaths,
  avatar,
  savedNsfw,
}: {
  error: ApiError | undefined;
  /** Counts failed saves: each new one opens the sections holding its errors. */
  failures: number;
  invalidPaths: string[];
  avatar: ReactNode;
  savedNsfw: boolean;
}) {
  const sections: SectionSpec[] = [
    {
      id: "basic",
      title: "Basic",
      paths: ["name", "tags", "identity.age", "identity.location", "identity.occupation", "identity.summary"],
      render: () => <PersonaBasicFields />,
    },
    {
      id: "appearance",
      title: "Appearance",
      paths: ["appearance", "identity.sex"],
      render: () => <PersonaAppearanceFields avatar={avatar} />,
    },
    {
      id: "personality",
      title: "Personality & behaviour",
      paths: ["system_message", "start_prompt", "personality", "scenario"],
      render: () => <PersonaPersonalityFields />,
    },
    {
      id: "communication",
      title: "Communication",
      paths: [
        "first_message",
        "alternate_greetings",
        "communication_examples",
        "active_hours",
        "chat_configuration",
      ],
      render: () => <PersonaCommunicationFields />,
    },
    {
      id: "voice",
      title: "Voice",
      description: "How the persona speaks, per language: calls and spoken replies.",
      paths: ["voice_configurations"],
      render: () => <PersonaVoiceFields />,
    },
    {
      id: "response",
      title: "Response controls",
      paths: ["verbosity", "initiative"],
      render: () => <PersonaResponseFields />,
    },
    {
      id: "modifiers",
      title: "Modifiers",
      paths: ["modifiers"],
      render: () => <PersonaModifierFields savedNsfw={savedNsfw} />,
    },
    {
      id: "features",
      title: "Features",
      paths: ["features", "media"],
      render: () => <PersonaFeatureFields />,
    },
    {
      id: "advanced",
      title: "Advanced model settings",
      description: "Model, sampling parameters, memory and raw Character Card data.",
      paths: ["model", "sampling", "memory", "card", "extensions"],
      render: () => <PersonaAdvancedFields />,
    },
  ];

  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(INITIALLY_OPEN));
  const invalid = (section: SectionSpec) =>
    hasErrorUnder(error, section.paths) ||
    invalidPaths.some((path) =>
      section.paths.some((prefix) => path === prefix || path.startsWith(`${prefix}.`)),
    );

  // A failed save opens every section that holds a rejected field, once per failure.
  const [seenFailures, setSeenFailures] = useState(failures);
  if (failures !== seenFailures) {
    setSeenFailures(failures);
    const withErrors = sections
      .filter((section) => hasErrorUnder(error, section.paths))
      .map((section) => section.id);
    if (withErrors.length > 0) setOpen(new Set([...open, ...withErrors]));
  }

  const toggle = (id: string) => {
    const next = new Set(open);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setOpen(next);
  };

  const jumpTo = (id: string) => {
    setOpen(new Set([...open, id]));
    requestAnimationFrame(() => {
      const toggleButton = document.getElementById(`section-${id}-toggle`);
      toggleButton?.scrollIntoView({ behavior: "smooth", block: "start" });
      toggleButton?.focus({ preventScroll: true });
    });
  };

  const allOpen = open.size === sections.length;

  return (
    <div className="persona-builder-form">
      <nav className="persona-section-nav" aria-label="Persona sections">
        <ul>
          {sections.map((section) => (
            <li key={section.id}>
              <a
                href={`#section-${section.id}`}
                onClick={(event) => {
                  event.preventDefault();
                  jumpTo(section.id);
                }}
              >
                {section.title}
                {invalid(section) && (
                  <>
                    <span className="persona-nav-error" aria-hidden="true">
                      {" "}
                      ●
                    </span>
                    <span className="visually-hidden"> (needs attention)</span>
                  </>
                )}
              </a>
            </li>
          ))}
        </ul>
        <button
          type="button"
          className="button-small"
          onClick={() => setOpen(allOpen ? new Set() : new Set(sections.map((section) => section.id)))}
        >
          {allOpen ? "Collapse all" : "Expand all"}
        </button>
      </nav>
      <div className="persona-sections">
        {sections.map((section) => (
          <PersonaBuilderSection
            key={section.id}
            id={section.id}
            title={section.title}
            description={section.description}
            open={open.has(section.id)}
            hasErrors={invalid(section)}
            onToggle={() => toggle(section.id)}
          >
            {section.render()}
          </PersonaBuilderSection>
        ))}
      </div>
    </div>
  );
}
