import type { Clock } from "../lib/clock.ts";
import type { Store } from "../store/store.ts";
import type { UserRow } from "../store/schema.ts";
import { ValidationError } from "../errors/app-error.ts";
import { expandMacros } from "../domain/macros.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { groupOnlyGreetings, swipeableGreetings } from "../domain/persona-greetings.ts";
import { macroContextFor } from "./macro-context.ts";
import type { UserPersonaSnapshot } from "./generation-input.ts";

/*
 * The greetings a conversation opens with: which of the persona's greetings its first message swipes
 * between (domain/persona-greetings.ts) and their text as the user sees it. ConversationService stores them.
 */

/**
 * The greetings a conversation opening with greeting `index` stores (see swipeableGreetings), and which of
 * them is shown; 422 naming the range when the persona has no such greeting.
 */
export function openingGreetings(
  definition: PersonaDefinition,
  index: number,
): { texts: string[]; chosen: number } {
  const swipeable = swipeableGreetings(definition, index);
  if (!swipeable) {
    const alternates = definition.alternate_greetings.length;
    const group = groupOnlyGreetings(definition).length;
    const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;
    const what = [
      alternates > 0 ? plural(alternates, "alternate greeting") : "",
      group > 0 ? plural(group, "group greeting") : "",
    ].filter(Boolean);
    throw new ValidationError([
      {
        field: "greeting",
        message:
          what.length === 0
            ? "this persona has no alternate greetings: use 0 (its first message)"
            : `this persona has ${what.join(" and ")}: use 0 (its first message) to ${alternates + group}`,
      },
    ]);
  }
  return {
    texts: swipeable.greetings.map((greeting) => greeting.text),
    chosen: swipeable.greetings.indexOf(swipeable.chosen),
  };
}

/**
 * The greetings as the user sees them, macros replaced (one context: `{{pick}}` is the same in each),
 * without those of which nothing is left; `chosen` is where the chosen one is among them, -1 when nothing
 * is left of it. Stored so: a `{{random}}` must not change each time the chat is read.
 */
export async function expandGreetings(
  dependencies: { store: Store; clock: Clock },
  greetings: { texts: string[]; chosen: number },
  options: {
    definition: PersonaDefinition;
    user: UserRow;
    userPersona: UserPersonaSnapshot | null;
    conversationId: string;
  },
): Promise<{ greetings: string[]; chosen: number }> {
  const nothing = { greetings: [], chosen: -1 };
  if (!greetings.texts[greetings.chosen]?.trim()) return nothing;
  const macros = await macroContextFor(dependencies.store, dependencies.clock, {
    persona: options.definition,
    userPersona: options.userPersona,
    userId: options.user.id,
    seed: options.conversationId,
    previousUserMessageAt: null,
  });
  const expanded = greetings.texts.map((text) => (text.trim() ? expandMacros(text, macros) : ""));
  if (!expanded[greetings.chosen]?.trim()) return nothing;
  const kept = expanded.flatMap((text, index) => (text.trim() ? [{ text, index }] : []));
  return {
    greetings: kept.map((greeting) => greeting.text),
    chosen: kept.findIndex((greeting) => greeting.index === greetings.chosen),
  };
}
