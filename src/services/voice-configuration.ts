import type { PersonaDefinition } from "../domain/persona-definition.ts";

/** The voice configuration a voice channel speaks with: its locale's, else the first. */
export function voiceConfigurationFor(persona: PersonaDefinition, locale: string) {
  const wanted = locale.toLowerCase();
  const configurations = persona.voice_configurations;
  return (
    configurations.find((configuration) => configuration.locale.toLowerCase() === wanted) ??
    configurations.find(
      (configuration) => configuration.locale.split("-")[0]!.toLowerCase() === wanted.split("-")[0],
    ) ??
    configurations[0]
  );
}
