import { expandMacros, type MacroContext } from "./macros.ts";
import type { PersonaDefinition } from "./persona-definition.ts";

/** The base instructions of a persona that has no system message of its own. */
export function defaultInstructions(name: string): string {
  return `You are ${name}. Stay in character.`;
}

/**
 * The persona with the macros of every text the model or the user sees replaced: instructions, identity,
 * personality, scenario, examples, greetings and a card's post-history instructions. `{{original}}` in a system message is the default
 * instructions it replaces; in a chat or voice prompt, the system message (or the default) it replaces.
 *
 * @example expandPersonaMacros(definition, context).first_message // "Hello Sam, I am Vex."
 */
export function expandPersonaMacros(persona: PersonaDefinition, context: MacroContext): PersonaDefinition {
  const expand = (text: string, original?: string) =>
    expandMacros(text, { ...context, original: original?.trim() });
  const systemMessage = expand(persona.system_message, defaultInstructions(persona.name));
  const channelOriginal = systemMessage.trim() || defaultInstructions(persona.name);
  return {
    ...persona,
    system_message: systemMessage,
    start_prompt: expand(persona.start_prompt),
    first_message: expand(persona.first_message),
    alternate_greetings: persona.alternate_greetings.map((greeting) => expand(greeting)),
    personality: expand(persona.personality),
    scenario: expand(persona.scenario),
    communication_examples: persona.communication_examples.map((example) => expand(example)),
    identity: { ...persona.identity, summary: expand(persona.identity.summary) },
    appearance: { ...persona.appearance, description: expand(persona.appearance.description) },
    chat_configuration: {
      ...persona.chat_configuration,
      prompt: expand(persona.chat_configuration.prompt, channelOriginal),
    },
    card:
      typeof persona.card.post_history_instructions === "string"
        ? { ...persona.card, post_history_instructions: expand(persona.card.post_history_instructions) }
        : persona.card,
    voice_configurations: persona.voice_configurations.map((voice) => ({
      ...voice,
      prompt: expand(voice.prompt, channelOriginal),
      first_message: expand(voice.first_message),
    })),
  };
}
