import { useState } from "react";
import "./call.css";
import { startCall } from "../lib/call-controller.ts";
import { navigate } from "../lib/router.tsx";
import { ErrorNotice } from "./notice.tsx";

/**
 * The locales a persona can be called in: those of its voice configurations, in order. Defensive, as a
 * persona summary from an older server may lack the list.
 */
export function callLocalesOf(persona: {
  voice_configurations?: ReadonlyArray<{ locale: string }>;
}): string[] {
  return (persona.voice_configurations ?? []).map((configuration) => configuration.locale);
}

/** "English (United States)" for "en-US", or the tag itself where the browser cannot name it. */
function localeName(locale: string): string {
  try {
    return new Intl.DisplayNames(undefined, { type: "language" }).of(locale) ?? locale;
  } catch {
    return locale;
  }
}

/**
 * "Call": starts a live voice call with the persona and opens the call screen. With several voice
 * configurations, a menu picks the language first (the first configuration's by default, as the server).
 * `conversationId` continues that conversation; without it the call gets a new one.
 */
export function CallButton({
  personaId,
  personaName,
  locales,
  conversationId,
  small = false,
}: {
  personaId: string;
  personaName: string;
  /** the locales of the persona's voice configurations, in order */
  locales: readonly string[];
  conversationId?: string | undefined;
  small?: boolean;
}) {
  const [locale, setLocale] = useState(locales[0]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const chosen = locale && locales.includes(locale) ? locale : locales[0];

  async function call() {
    setBusy(true);
    setError(undefined);
    try {
      const controller = await startCall({ personaId, locale: chosen, conversationId });
      navigate(`/calls/${encodeURIComponent(controller.snapshot().call.id)}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <span className="call-button">
      {locales.length > 1 && (
        <select
          aria-label="Call language"
          className={small ? "call-locale call-locale-small" : "call-locale"}
          value={chosen}
          disabled={busy}
          onChange={(event) => setLocale(event.target.value)}
        >
          {locales.map((item) => (
            <option key={item} value={item}>
              {localeName(item)} ({item})
            </option>
          ))}
        </select>
      )}
      <button
        type="button"
        className={small ? "button-small call-start" : "call-start"}
        disabled={busy}
        title={`Talk with ${personaName} by voice`}
        onClick={() => void call()}
      >
        <span aria-hidden="true">📞</span> {busy ? "Calling…" : "Call"}
      </button>
      <ErrorNotice error={error} />
    </span>
  );
}
