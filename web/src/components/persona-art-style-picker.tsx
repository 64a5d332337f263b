import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { mediaKeys } from "../lib/query-keys-media.ts";
import { loadArtStyles } from "./media-requests.ts";
import { usePersonaForm } from "./persona-form-context.tsx";

/** Shown while the server's list loads (or if it fails): the same styles, without previews. */
const FALLBACK_STYLES = [
  { id: "realistic", label: "Realistic" },
  { id: "semi_realistic", label: "Semi-realistic" },
  { id: "anime", label: "Anime" },
] as const;

/**
 * `appearance.art_style` as a row of cards (radio buttons), each with a sample portrait in that style;
 * under them, the wording every picture in the chosen style asks the image model for.
 */
export function PersonaArtStylePicker() {
  const id = useId();
  const form = usePersonaForm();
  const styles = useQuery({
    queryKey: mediaKeys.artStyles(),
    queryFn: ({ signal }) => loadArtStyles(signal),
    staleTime: Infinity,
  });
  const value = form.valueAt("appearance.art_style");
  const message = form.errorAt("appearance.art_style");
  const listed: { id: string; label: string; prompt: string; preview_url: string }[] =
    styles.data ?? FALLBACK_STYLES.map((style) => ({ ...style, prompt: "", preview_url: "" }));
  const selected = listed.find((style) => style.id === value);

  return (
    <fieldset
      className="art-style-picker"
      aria-describedby={`${id}-hint${message ? ` ${id}-error` : ""}`}
      disabled={form.disabled}
    >
      <legend>Art style</legend>
      <div className="art-style-options">
        {listed.map((style) => (
          <label key={style.id} className="art-style-option" data-selected={style.id === value}>
            <input
              type="radio"
              name={`${id}-style`}
              value={style.id}
              checked={style.id === value}
              onChange={() => form.setField("appearance.art_style", style.id)}
            />
            {style.preview_url ? (
              <img src={style.preview_url} alt="" width={96} height={96} decoding="async" />
            ) : (
              <span className="art-style-preview-missing" aria-hidden="true" />
            )}
            <span className="art-style-label">{style.label}</span>
          </label>
        ))}
      </div>
      <p id={`${id}-hint`} className="field-hint">
        For the generated pictures of this persona.
        {selected?.prompt ? (
          <>
            {" "}
            Each one asks for: <q className="art-style-prompt">{selected.prompt}</q>
          </>
        ) : null}
      </p>
      {message && (
        <p id={`${id}-error`} className="field-error">
          {message}
        </p>
      )}
    </fieldset>
  );
}
