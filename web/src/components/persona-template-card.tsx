import { useId } from "react";
import type { Schema } from "../lib/api.ts";

type PersonaTemplate = Schema<"PersonaTemplate">;

const CATEGORY_LABELS: Record<string, string> = {
  customer_support: "Customer support",
};

function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category] ?? category.charAt(0).toUpperCase() + category.slice(1).replace(/_/g, " ");
}

/** A template to start from: its name as the heading, what it is for, and "Use this template". */
export function PersonaTemplateCard({
  template,
  busy,
  disabled,
  onUse,
}: {
  template: PersonaTemplate;
  busy: boolean;
  disabled: boolean;
  onUse: (template: PersonaTemplate) => void;
}) {
  const headingId = useId();
  const descriptionId = useId();
  const { occupation } = template.definition.identity;
  return (
    <article className="card persona-card" aria-labelledby={headingId}>
      <div className="persona-card-title">
        <h3 id={headingId}>{template.name}</h3>
        <span className="persona-badges">
          <span className="badge">{categoryLabel(template.category)}</span>
          {occupation && <span className="badge">{occupation}</span>}
        </span>
      </div>
      <p id={descriptionId} className="persona-card-blurb muted">
        {template.description}
      </p>
      <div className="button-row persona-card-actions">
        <button
          type="button"
          className="button-primary button-small"
          disabled={disabled}
          aria-describedby={headingId}
          onClick={() => onUse(template)}
        >
          {busy ? "Creating…" : "Use this template"}
        </button>
      </div>
    </article>
  );
}
