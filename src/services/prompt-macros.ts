import { countTokens } from "../models/token-count.ts";
import { expandMacros, expandNameMacros, type MacroContext } from "../domain/macros.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { expandPersonaMacros } from "../domain/persona-macros.ts";
import { personaInstructions, type HistoryMessage, type PromptInput } from "./prompt-assembly.ts";

/**
 * A generation's persona, system override and history with their macros replaced, so that no `{{char}}`
 * or `{{user}}` reaches the model:
 * - the persona's texts, in full (see expandPersonaMacros);
 * - a request's system override, whose `{{original}}` is the persona's own instructions it replaces;
 * - the history's names only: its messages were shown as they are stored, and re-rolling a `{{random}}`
 *   in an old message at every reply would rewrite the past; a greeting stored before macros existed
 *   still loses its `{{char}}`;
 * - the one-off instruction (an opener's start prompt), in full, appended as the last user message.
 */
export function withMacros(
  input: {
    persona: PersonaDefinition;
    channel?: PromptInput["channel"];
    systemOverride?: string | undefined;
    history: HistoryMessage[];
    instruction?: string | undefined;
  },
  macros: MacroContext,
): { persona: PersonaDefinition; systemOverride: string | undefined; history: HistoryMessage[] } {
  const persona = expandPersonaMacros(input.persona, macros);
  const systemOverride =
    input.systemOverride === undefined
      ? undefined
      : expandMacros(input.systemOverride, {
          ...macros,
          original: personaInstructions(persona, input.channel),
        });
  const history = input.history.map((message) => {
    const content = expandNameMacros(message.content, macros);
    const parts = message.parts?.map((part) =>
      part.type === "text" ? { ...part, text: expandNameMacros(part.text, macros) } : part,
    );
    if (content === message.content && !parts) return message;
    return { ...message, content, tokens: countTokens(content), ...(parts && { parts }) };
  });
  if (input.instruction) {
    const instruction = expandMacros(input.instruction, macros);
    history.push({ role: "user", content: instruction, tokens: countTokens(instruction) });
  }
  return { persona, systemOverride, history };
}
