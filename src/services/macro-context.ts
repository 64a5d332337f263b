import type { Clock } from "../lib/clock.ts";
import type { Store } from "../store/store.ts";
import type { MacroContext } from "../domain/macros.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";

/** What a conversation knows when its persona's text is shown: who talks, when the user last wrote. */
export interface MacroFacts {
  persona: PersonaDefinition;
  userPersona: { name: string } | null;
  /** The end user, whose account name stands in for a missing user persona; null for none. */
  userId: string | null;
  /** Keeps `{{pick}}` stable: the conversation id, or whatever identifies the exchange. */
  seed: string;
  /** ISO time of the user's message before the one being answered; null when there is none. */
  previousUserMessageAt: string | null;
}

/**
 * The macro context of a reply or a greeting: `{{user}}` is the user persona's name, else the account's
 * display name, else "User"; times are in the persona's time zone.
 *
 * @example expandMacros(text, await macroContextFor(store, clock, { persona, userPersona, userId, seed, previousUserMessageAt: null }))
 */
export async function macroContextFor(store: Store, clock: Clock, facts: MacroFacts): Promise<MacroContext> {
  return {
    char: facts.persona.name,
    user: await userName(store, facts),
    now: clock.now(),
    timeZone: facts.persona.active_hours.time_zone || "UTC",
    previousUserMessageAt: facts.previousUserMessageAt ? new Date(facts.previousUserMessageAt) : null,
    seed: facts.seed,
    random: Math.random,
  };
}

async function userName(store: Store, facts: MacroFacts): Promise<string> {
  const personaName = facts.userPersona?.name.trim();
  if (personaName) return personaName;
  if (facts.userId === null) return "User";
  const account = await store.accounts.findByUserId(facts.userId);
  return account?.name.trim() || "User";
}
