import { z } from "zod";
import type { Clock } from "../lib/clock.ts";
import { deepMerge, type JsonObject } from "../lib/deep-merge.ts";
import { newId } from "../lib/ids.ts";
import type { Memory, MemoryDraft } from "../memory/memory.ts";
import { generatePersonaFromSeed, linkTimelineDrafts } from "../memory/seed-generation.ts";
import type { Store } from "../store/store.ts";
import type { MemoryService } from "./memory-service.ts";
import { DEFAULT_PERSONA_DEFINITION, SEXES, type PersonaDefinition } from "../domain/persona-definition.ts";
import { validateDefinition } from "./persona-definition-input.ts";
import type { PersonaActor, PersonaService } from "./persona-service.ts";
import type { Persona } from "./persona-views.ts";

export const personaSeedSchema = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(100),
  age: z.number().int("must be a whole number").min(5, "must be 5-120").max(120, "must be 5-120"),
  location: z.string().trim().min(1, "must not be empty").max(200),
  occupation: z.string().trim().min(1, "must not be empty").max(200),
  seed: z.union([z.string().max(200), z.number()]).optional(),
  sex: z.enum(SEXES).nullable().optional(),
  traits: z.array(z.string().trim().min(1).max(50)).max(10).optional(),
  reference_date: z.iso.datetime({ offset: true, message: "must be an ISO 8601 time" }).optional(),
});

export type PersonaSeedInput = z.infer<typeof personaSeedSchema>;

/** A seed's persona, not yet stored: a valid definition and a timeline whose drafts carry their own ids. */
export function composePersonaFromSeed(
  seed: Omit<PersonaSeedInput, "reference_date"> & { referenceDate: Date; extraTags?: readonly string[] },
): { definition: PersonaDefinition; timeline: (MemoryDraft & { id: string })[] } {
  const generated = generatePersonaFromSeed({
    name: seed.name,
    age: seed.age,
    location: seed.location,
    occupation: seed.occupation,
    seed: seed.seed,
    sex: seed.sex,
    traits: seed.traits,
    referenceDate: seed.referenceDate,
  });
  const tags = [...new Set([...generated.definition.tags, ...(seed.extraTags ?? [])])];
  const definition = validateDefinition(
    deepMerge(DEFAULT_PERSONA_DEFINITION, { ...generated.definition, tags } as JsonObject),
  );
  const ids = new Map(generated.timeline.map((draft) => [draft.key, newId("mem")]));
  const idForKey = (key: string) => ids.get(key) as string;
  const linked = linkTimelineDrafts({ timeline: generated.timeline, idForKey });
  return {
    definition,
    timeline: linked.map((draft, index) => ({
      ...draft,
      id: idForKey(generated.timeline[index]?.key ?? ""),
    })),
  };
}

/**
 * A persona from a four-field seed: a full definition and an initial timeline of typed memories, stored
 * as a draft the user can edit and publish.
 */
export class PersonaGenerationService {
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly memories: MemoryService;

  constructor(dependencies: { clock: Clock; personas: PersonaService; memories: MemoryService }) {
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.memories = dependencies.memories;
  }

  async generate(
    actor: PersonaActor,
    seed: PersonaSeedInput,
  ): Promise<{ persona: Persona; timeline: Memory[] }> {
    const composed = composePersonaFromSeed({
      ...seed,
      referenceDate: seed.reference_date ? new Date(seed.reference_date) : this.clock.now(),
    });
    const persona = await this.personas.insertPersona(actor, composed.definition);
    const timeline = await this.storeTimeline(actor.tenantId, persona.id, composed.timeline);
    return { persona, timeline };
  }

  /** Stores a generated timeline; inside the caller's transaction when `store` is given. */
  async storeTimeline(
    tenantId: string,
    personaId: string,
    timeline: (MemoryDraft & { id: string })[],
    store?: Store,
  ): Promise<Memory[]> {
    return this.memories.storeDrafts({
      tenantId,
      personaId,
      owner: "timeline",
      userId: null,
      scope: null,
      source: { kind: "generation" },
      drafts: timeline,
      ...(store ? { store } : {}),
    });
  }
}
