import { useQuery } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { playExclusively, stopPlayback } from "../lib/exclusive-playback.ts";
import { ErrorNotice } from "./notice.tsx";
import "./voice-picker.css";

export type Voice = Schema<"Voice">;
type VoiceList = Schema<"VoiceList">;

/** TanStack Query keys of the voice lists, one per locale. */
export const voiceKeys = {
  all: ["voices"] as const,
  list: (locale: string) => ["voices", locale] as const,
};

/** A loose look at a language tag, so a half-typed locale does not ask the server for every letter. */
const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export function listVoices(locale: string, signal?: AbortSignal): Promise<VoiceList> {
  return unwrap(client.GET("/v1/voices", { params: { query: { locale } }, signal }));
}

/** The voices for `locale` (cached per locale), for the picker and for the style select beside it. */
export function useVoices(locale: string) {
  return useQuery({
    queryKey: voiceKeys.list(locale),
    queryFn: ({ signal }) => listVoices(locale, signal),
    enabled: LOCALE_PATTERN.test(locale),
    staleTime: 5 * 60_000,
  });
}

interface VoiceGroup {
  provider: string;
  label: string;
  voices: Voice[];
}

function groupVoices(list: VoiceList, search: string): VoiceGroup[] {
  const wanted = search.trim().toLowerCase();
  const matches = (voice: Voice) =>
    !wanted ||
    voice.display_name.toLowerCase().includes(wanted) ||
    voice.name.toLowerCase().includes(wanted) ||
    voice.id.toLowerCase().includes(wanted);
  const labels = new Map(list.providers.map((provider) => [provider.name, provider.label]));
  // Cloud voices first, in the server's order; the basic embedded voice last, as the fallback it is.
  const order = [...list.providers].sort((a, b) => Number(a.basic) - Number(b.basic)).map((p) => p.name);
  const groups = new Map<string, Voice[]>();
  for (const voice of list.data) {
    if (!matches(voice)) continue;
    const group = groups.get(voice.provider) ?? [];
    group.push(voice);
    groups.set(voice.provider, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => rank(order, a) - rank(order, b))
    .map(([provider, voices]) => ({ provider, label: labels.get(provider) ?? provider, voices }));
}

function rank(order: string[], provider: string): number {
  const index = order.indexOf(provider);
  return index === -1 ? order.length : index;
}

export interface VoicePickerProps {
  /** The configuration's locale: the voices listed speak it. */
  locale: string;
  /** provider/voice, or null for the server's default voice for the locale. */
  value: string | null;
  onChange: (voice: string | null) => void;
  disabled?: boolean;
  /** The server's message about the voice after a failed save. */
  error?: string | undefined;
}

/**
 * Chooses a voice by listening: the voices speaking the locale (GET /v1/voices?locale=), grouped by
 * provider, the embedded robotic ones marked Basic, each with a ▶ preview (one sound at a time), a search
 * by name, and "Custom voice id" for a voice the list does not show.
 */
export function VoicePicker({ locale, value, onChange, disabled = false, error }: VoicePickerProps) {
  const id = useId();
  const [search, setSearch] = useState("");
  const [custom, setCustom] = useState<string | undefined>(undefined);
  const [previewing, setPreviewing] = useState<string | undefined>(undefined);
  const [previewError, setPreviewError] = useState<string | undefined>(undefined);
  const audioRef = useRef<HTMLAudioElement>(null);
  const voices = useVoices(locale);
  const list = voices.data;
  const listed = list?.data.find((voice) => voice.id === value);
  // A chosen voice the list does not have (typed, or from another locale) shows in the custom field.
  const customText = custom ?? (list && value !== null && !listed ? value : "");
  const groups = list ? groupVoices(list, search) : [];
  const shown = groups.reduce((total, group) => total + group.voices.length, 0);

  async function preview(voice: Voice) {
    const audio = audioRef.current;
    if (!audio) return;
    setPreviewError(undefined);
    if (previewing === voice.id) {
      stopPlayback(audio);
      setPreviewing(undefined);
      return;
    }
    const separator = voice.preview_url.includes("?") ? "&" : "?";
    audio.src = `${voice.preview_url}${separator}locale=${encodeURIComponent(locale)}`;
    setPreviewing(voice.id);
    try {
      await playExclusively(audio);
    } catch (failure) {
      if (failure instanceof DOMException && failure.name === "AbortError") return;
      setPreviewing(undefined);
      setPreviewError(`${voice.display_name} could not be played.`);
    }
  }

  function choose(voice: string | null) {
    setCustom(undefined);
    onChange(voice);
  }

  return (
    <fieldset className="voice-picker" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Voice</legend>
      <p className="voice-picker-chosen">
        Chosen:{" "}
        <strong>
          {value === null
            ? `The default voice for ${locale || "the locale"}`
            : (listed?.display_name ?? value)}
        </strong>
        {listed?.basic && <span className="badge">Basic</span>}
      </p>
      {!LOCALE_PATTERN.test(locale) ? (
        <p className="muted">Enter a locale such as en-US to list its voices.</p>
      ) : voices.isPending ? (
        <p className="muted">Loading voices…</p>
      ) : voices.error ? (
        <ErrorNotice error={voices.error} />
      ) : (
        <>
          <div className="field">
            <label htmlFor={`${id}-search`}>Search voices</label>
            <input
              id={`${id}-search`}
              type="search"
              value={search}
              placeholder="Name, e.g. female"
              onChange={(event) => setSearch(event.target.value)}
            />
          </div>
          <div className="voice-picker-list" role="group" aria-label={`Voices for ${locale}`}>
            <label className="voice-picker-option">
              <input
                type="radio"
                name={`${id}-voice`}
                checked={value === null}
                disabled={disabled}
                onChange={() => choose(null)}
              />
              <span className="voice-picker-name">Default voice</span>
              <span className="muted voice-picker-detail">the server's choice for {locale}</span>
            </label>
            {groups.map((group) => (
              <div key={group.provider} role="group" aria-labelledby={`${id}-${group.provider}`}>
                <p className="voice-picker-group" id={`${id}-${group.provider}`}>
                  {group.label}
                </p>
                {group.voices.map((voice) => (
                  <div key={voice.id} className="voice-picker-row">
                    <label className="voice-picker-option">
                      <input
                        type="radio"
                        name={`${id}-voice`}
                        value={voice.id}
                        checked={value === voice.id}
                        disabled={disabled}
                        aria-describedby={`${id}-${voice.id}-about`}
                        onChange={() => choose(voice.id)}
                      />
                      <span className="voice-picker-name">{voice.display_name}</span>
                    </label>
                    {/* Beside the label, not in it: the radio is named by the voice alone. */}
                    <span id={`${id}-${voice.id}-about`} className="muted voice-picker-detail">
                      {voice.basic && <span className="badge">Basic</span>}{" "}
                      {[voice.gender, voice.styles.length > 0 ? `${voice.styles.length} styles` : ""]
                        .filter(Boolean)
                        .join(" · ")}
                    </span>
                    <button
                      type="button"
                      className="button-small voice-picker-preview"
                      aria-label={
                        previewing === voice.id
                          ? `Stop the preview of ${voice.display_name}`
                          : `Preview ${voice.display_name}`
                      }
                      aria-pressed={previewing === voice.id}
                      onClick={() => void preview(voice)}
                    >
                      <span aria-hidden="true">{previewing === voice.id ? "■" : "▶"}</span>
                    </button>
                  </div>
                ))}
              </div>
            ))}
            {shown === 0 && (
              <p className="muted voice-picker-empty">
                {search ? `No voice matches “${search}”.` : `No voice speaks ${locale}.`}
              </p>
            )}
          </div>
          {list && list.unavailable.length > 0 && (
            <p className="field-hint voice-picker-unavailable">
              Not listed right now:{" "}
              {list.unavailable
                .map(
                  (item) =>
                    `${list.providers.find((p) => p.name === item.provider)?.label ?? item.provider} (${item.error})`,
                )
                .join("; ")}
              .
            </p>
          )}
          {previewError && (
            <p className="field-error" role="alert">
              {previewError}
            </p>
          )}
        </>
      )}
      <div className="field">
        <label htmlFor={`${id}-custom`}>Custom voice id</label>
        <input
          id={`${id}-custom`}
          value={customText}
          placeholder="provider/voice, e.g. azure/en-US-JennyNeural"
          disabled={disabled}
          aria-describedby={`${id}-custom-hint`}
          onChange={(event) => {
            setCustom(event.target.value);
            onChange(event.target.value.trim() === "" ? null : event.target.value.trim());
          }}
        />
        <span id={`${id}-custom-hint`} className="field-hint">
          Any voice of a configured provider, even one not listed; empty for the default.
        </span>
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
      <audio
        ref={audioRef}
        preload="none"
        hidden
        onPause={() => setPreviewing(undefined)}
        onEnded={() => setPreviewing(undefined)}
      />
    </fieldset>
  );
}
