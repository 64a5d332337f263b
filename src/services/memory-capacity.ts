import type { Store } from "../store/store.ts";
import { ValidationError, type FieldError } from "../errors/app-error.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { visibilityOf, type MemoryActor } from "./memory-access.ts";
import type { Persona } from "./persona-views.ts";

/** How many memories a persona may hold per memory tier (timeline and relationship memory together). */
export const MEMORY_TIER_LIMITS: Record<PersonaDefinition["memory"]["tier"], number> = {
  basic: 20_000,
  extended: 100_000,
  longest: 500_000,
};

/** How much memory a persona holds against its tier's limit: every user's relationship memory counts. */
export class MemoryCapacity {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** How many more memories the persona may hold (negative once a tier was lowered below its count). */
  async room(persona: Persona): Promise<number> {
    return MEMORY_TIER_LIMITS[persona.memory.tier] - (await this.store.memories.countAll(persona.id));
  }

  /** Refuses a write of `adding` memories that would take the persona past its tier's limit. */
  async check(persona: Persona, adding: number): Promise<void> {
    const limit = MEMORY_TIER_LIMITS[persona.memory.tier];
    if ((await this.store.memories.countAll(persona.id)) + adding > limit) {
      throw new ValidationError(
        [tierFull(persona)],
        `persona ${persona.id} is at its memory limit (${limit} for the ${persona.memory.tier} tier); raise the tier or delete memories`,
      );
    }
  }

  /** Memory held against the persona's tier limit, for a usage bar; the characters are what the actor sees. */
  async usage(actor: MemoryActor, persona: Persona) {
    const timeline = await this.store.memories.measure(persona.id, { userId: null });
    const all = actor.user ? await this.store.memories.measure(persona.id, visibilityOf(actor)) : timeline;
    const limit = MEMORY_TIER_LIMITS[persona.memory.tier];
    const total = await this.store.memories.countAll(persona.id);
    return {
      tier: persona.memory.tier,
      limit,
      used: total,
      percent: Math.round((total / limit) * 1000) / 10,
      timeline: timeline.count,
      relationship: all.count - timeline.count,
      characters: all.characters,
    };
  }
}

/** The error for a memory that does not fit the persona's tier. */
export function tierFull(persona: Persona): FieldError {
  return {
    field: "memory.tier",
    message: `the ${persona.memory.tier} tier holds at most ${MEMORY_TIER_LIMITS[persona.memory.tier]} memories`,
  };
}
