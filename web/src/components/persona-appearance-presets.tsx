import { useQuery } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { mediaKeys } from "../lib/query-keys-media.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { loadAppearancePresets, type AppearancePreset } from "./media-requests.ts";
import { ErrorNotice } from "./notice.tsx";
import { usePersonaForm } from "./persona-form-context.tsx";

/** How much of a preset's description the list shows (the whole text is its tooltip). */
const SHORT_LENGTH = 90;

/** The start of `text`, cut at a word and marked with "…" when longer than `length`. */
function shorten(text: string, length: number): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  const space = cut.lastIndexOf(" ");
  return `${(space > length / 2 ? cut.slice(0, space) : cut).replace(/[\s,;]+$/, "")}…`;
}

/**
 * "Start from a preset": the server's appearance presets (name and the start of the description); one
 * chosen fills the appearance description (after asking, when that would replace what is written) and
 * the sex when it is not set yet. The art style stays the persona's own.
 */
export function PersonaAppearancePresets() {
  const id = useId();
  const form = usePersonaForm();
  const details = useRef<HTMLDetailsElement>(null);
  const [pending, setPending] = useState<AppearancePreset | undefined>(undefined);
  const [open, setOpen] = useState(false);
  const presets = useQuery({
    queryKey: mediaKeys.appearancePresets(),
    queryFn: ({ signal }) => loadAppearancePresets(signal),
    staleTime: Infinity,
    // Only asked for once the list is opened.
    enabled: open,
  });

  const apply = (preset: AppearancePreset) => {
    form.setField("appearance.description", preset.description);
    const sex = form.valueAt("identity.sex");
    if (sex === null || sex === undefined) form.setField("identity.sex", preset.sex);
    const list = details.current;
    if (!list) return;
    list.open = false;
    // After the confirmation (if any) has closed and handed focus back to the now hidden preset.
    requestAnimationFrame(() => list.querySelector("summary")?.focus());
  };

  const choose = (preset: AppearancePreset) => {
    const current = form.valueAt("appearance.description");
    const written = typeof current === "string" ? current.trim() : "";
    if (written !== "" && written !== preset.description) setPending(preset);
    else apply(preset);
  };

  return (
    <>
      <details
        ref={details}
        className="appearance-presets"
        onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}
      >
        <summary>Start from a preset</summary>
        <ErrorNotice error={presets.error} />
        {presets.isPending && open && <p className="field-hint">Loading presets…</p>}
        {presets.data && (
          <ul className="appearance-preset-list" aria-label="Appearance presets">
            {presets.data.map((preset) => (
              <li key={preset.id}>
                <button
                  type="button"
                  className="appearance-preset"
                  aria-label={preset.name}
                  aria-describedby={`${id}-${preset.id}`}
                  title={preset.description}
                  disabled={form.disabled}
                  onClick={() => choose(preset)}
                >
                  <strong>{preset.name}</strong>
                  <span id={`${id}-${preset.id}`} className="field-hint">
                    {shorten(preset.description, SHORT_LENGTH)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </details>
      <ConfirmDialog
        open={pending !== undefined}
        title="Replace the appearance description?"
        confirmLabel="Replace description"
        onConfirm={() => {
          if (pending) apply(pending);
        }}
        onClose={() => setPending(undefined)}
      >
        <p>
          {`"${pending?.name ?? ""}" replaces what the appearance description says now. You can edit it afterwards.`}
        </p>
      </ConfirmDialog>
    </>
  );
}
