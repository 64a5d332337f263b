import type { PersonaDefinition } from "./persona-definition.ts";

/**
 * A persona's greetings, numbered as `POST /v1/conversations {greeting}` chooses them: 0 is the first
 * message, 1..A the card's `alternate_greetings`, A+1..A+G its `group_only_greetings` (kept in `card`).
 */
export interface PersonaGreeting {
  index: number;
  kind: "first" | "alternate" | "group";
  text: string;
}

/** A card's `group_only_greetings` (V3), the strings among them; a card without them has none. */
export function groupOnlyGreetings(definition: PersonaDefinition): string[] {
  const stored = definition.card.group_only_greetings;
  return Array.isArray(stored) ? stored.filter((text): text is string => typeof text === "string") : [];
}

/** Every greeting of the persona, in the order (and with the numbers) a conversation chooses them by. */
export function listGreetings(definition: PersonaDefinition): PersonaGreeting[] {
  const alternates = definition.alternate_greetings.map((text, position) => ({
    index: position + 1,
    kind: "alternate" as const,
    text,
  }));
  const group = groupOnlyGreetings(definition).map((text, position) => ({
    index: alternates.length + position + 1,
    kind: "group" as const,
    text,
  }));
  return [{ index: 0, kind: "first", text: definition.first_message }, ...alternates, ...group];
}

/**
 * The greetings the first message can be swiped between when a conversation opens with greeting `chosen`:
 * the first message and every alternate greeting, as SillyTavern swipes them. Group-only greetings were
 * written for group chats, which Dramatis has not: one joins the swipes only when it was the one chosen
 * (at the end), so a one-to-one chat never shows the others. Undefined when `chosen` is no greeting.
 */
export function swipeableGreetings(
  definition: PersonaDefinition,
  chosen: number,
): { greetings: PersonaGreeting[]; chosen: PersonaGreeting } | undefined {
  const all = listGreetings(definition);
  const picked = all[chosen];
  if (!picked) return undefined;
  const greetings = all.filter((greeting) => greeting.kind !== "group" || greeting === picked);
  return { greetings, chosen: picked };
}
