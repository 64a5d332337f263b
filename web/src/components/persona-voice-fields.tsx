import { useId } from "react";
import { usePersonaForm } from "./persona-form-context.tsx";
import { CheckboxField, NumberField, SelectField, TextAreaField, TextField } from "./persona-form-fields.tsx";
import { PersonaModelField } from "./persona-model-field.tsx";
import type { Schema } from "../lib/api.ts";
import { NEW_VOICE_CONFIGURATION } from "./persona-form-values.ts";
import { useVoices, VoicePicker } from "./voice-picker.tsx";

type VoiceConfiguration = Schema<"VoiceConfiguration">;

const FIRST_SPEAKER_OPTIONS = [
  { value: "agent", label: "The persona" },
  { value: "user", label: "The caller" },
];

function nextLocale(existing: VoiceConfiguration[]): string {
  const used = new Set(existing.map((configuration) => configuration.locale));
  return (
    ["en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "it-IT", "pt-BR", "ja-JP"].find(
      (locale) => !used.has(locale),
    ) ?? ""
  );
}

/** Voice: one configuration per locale, each with its own prompt, voice and call settings. */
export function PersonaVoiceFields() {
  const form = usePersonaForm();
  const configurations = form.definition.voice_configurations;
  const listMessage = form.errorAt("voice_configurations");

  return (
    <>
      {configurations.length === 0 && (
        <p className="muted">
          No voice configuration yet. Add one per language the persona should speak on calls and in spoken
          replies.
        </p>
      )}
      {configurations.map((configuration, index) => {
        const base = `voice_configurations.${index}`;
        return (
          <fieldset key={index} className="persona-voice">
            <legend>
              Voice configuration {index + 1}
              {configuration.locale ? ` (${configuration.locale})` : ""}
            </legend>
            <div className="form-grid">
              <TextField path={`${base}.locale`} label="Language and locale" hint="e.g. en-US, ar-AE" />
              <SelectField
                path={`${base}.first_speaker`}
                label="First speaker"
                options={FIRST_SPEAKER_OPTIONS}
              />
            </div>
            <VoiceChoice base={base} configuration={configuration} />
            <TextAreaField
              path={`${base}.first_message`}
              label="Opening line"
              hint="What the persona says when it speaks first."
              rows={2}
            />
            <TextAreaField
              path={`${base}.prompt`}
              label="Voice prompt"
              hint="Instructions for spoken conversations in this language; empty uses the system message."
              rows={4}
            />
            <div className="form-grid">
              <PersonaModelField
                path={`${base}.model`}
                label="Voice model"
                nullLabel="The persona's own model"
              />
              <NumberField
                path={`${base}.temperature`}
                label="Voice temperature"
                min={0}
                max={2}
                step={0.05}
              />
              <NumberField
                path={`${base}.max_duration_seconds`}
                label="Max duration (seconds)"
                min={10}
                max={14400}
                step={1}
              />
              <NumberField
                path={`${base}.silence_timeout_seconds`}
                label="Silence timeout (seconds)"
                min={1}
                max={600}
                step={1}
              />
            </div>
            <CheckboxField path={`${base}.recording`} label="Record calls" />
            <button
              type="button"
              className="button-danger button-small"
              disabled={form.disabled}
              onClick={() =>
                form.setField(
                  "voice_configurations",
                  configurations.filter((_, position) => position !== index),
                )
              }
            >
              Remove voice configuration {index + 1}
            </button>
          </fieldset>
        );
      })}
      {listMessage && <p className="field-error">{listMessage}</p>}
      <button
        type="button"
        className="button-small"
        disabled={form.disabled || configurations.length >= 50}
        onClick={() =>
          form.setField("voice_configurations", [
            ...configurations,
            { ...NEW_VOICE_CONFIGURATION, locale: nextLocale(configurations) },
          ])
        }
      >
        Add a voice configuration
      </button>
    </>
  );
}

/**
 * The configuration's voice (picked from the voices speaking its locale, or typed as a custom id), how
 * fast it speaks, and its speaking style when the chosen voice has styles.
 */
function VoiceChoice({ base, configuration }: { base: string; configuration: VoiceConfiguration }) {
  const form = usePersonaForm();
  const id = useId();
  const voices = useVoices(configuration.locale);
  const voice = configuration.voice ?? null;
  const styles = voices.data?.data.find((item) => item.id === voice)?.styles ?? [];
  const rate = configuration.speech_rate ?? 1;
  const rateError = form.errorAt(`${base}.speech_rate`);
  const style = configuration.speech_style ?? null;
  return (
    <>
      <VoicePicker
        locale={configuration.locale}
        value={voice}
        disabled={form.disabled}
        error={form.errorAt(`${base}.voice`)}
        onChange={(next) => {
          form.setField(`${base}.voice`, next);
          // A style belongs to a voice: another voice may not have it.
          const nextStyles = voices.data?.data.find((item) => item.id === next)?.styles ?? [];
          if (style !== null && !nextStyles.includes(style)) form.setField(`${base}.speech_style`, null);
        }}
      />
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-rate`}>Speech rate</label>
          <div className="voice-picker-rate">
            <input
              id={`${id}-rate`}
              type="range"
              min={0.5}
              max={2}
              step={0.05}
              value={rate}
              disabled={form.disabled}
              aria-valuetext={`${rate.toFixed(2)} times normal speed`}
              aria-invalid={rateError ? true : undefined}
              aria-describedby={`${id}-rate-hint${rateError ? ` ${id}-rate-error` : ""}`}
              onChange={(event) => form.setField(`${base}.speech_rate`, Number(event.target.value))}
            />
            <output htmlFor={`${id}-rate`}>{rate.toFixed(2)}×</output>
          </div>
          <span id={`${id}-rate-hint`} className="field-hint">
            0.5 (slow) to 2 (fast); 1 is the voice's normal pace.
          </span>
          {rateError && (
            <span id={`${id}-rate-error`} className="field-error">
              {rateError}
            </span>
          )}
        </div>
        {(styles.length > 0 || style !== null) && (
          <SelectField
            path={`${base}.speech_style`}
            label="Speaking style"
            nullable
            nullLabel="The voice's usual style"
            options={[...new Set([...styles, ...(style ? [style] : [])])].map((item) => ({
              value: item,
              label: item,
            }))}
            hint="How the voice sounds (e.g. cheerful); offered by some cloud voices."
          />
        )}
      </div>
    </>
  );
}
