import type { ReactNode } from "react";

/**
 * One collapsible group of the builder. The header is a real button (Enter/Space toggle it) inside a
 * heading, so the groups are reachable with Tab and listed by screen readers' heading navigation.
 */
export function PersonaBuilderSection({
  id,
  title,
  description,
  open,
  hasErrors,
  onToggle,
  children,
}: {
  id: string;
  title: string;
  description?: string;
  open: boolean;
  hasErrors: boolean;
  onToggle: () => void;
  children: ReactNode;
}) {
  return (
    <section
      className={hasErrors ? "persona-section persona-section-invalid" : "persona-section"}
      id={`section-${id}`}
      aria-labelledby={`section-${id}-toggle`}
    >
      <h2 className="persona-section-heading">
        <button
          type="button"
          id={`section-${id}-toggle`}
          className="persona-section-toggle"
          aria-expanded={open}
          aria-controls={`section-${id}-body`}
          onClick={onToggle}
        >
          <span className="persona-section-chevron" aria-hidden="true">
            {open ? "▾" : "▸"}
          </span>
          <span>{title}</span>
          {hasErrors && <span className="badge badge-warning">Needs attention</span>}
        </button>
      </h2>
      <div id={`section-${id}-body`} className="persona-section-body" hidden={!open}>
        {description && <p className="field-hint persona-section-description">{description}</p>}
        {children}
      </div>
    </section>
  );
}
