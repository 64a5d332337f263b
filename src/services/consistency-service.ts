import { z } from "zod";
import { checkTimelineConsistency, type ConsistencyFinding } from "../memory/consistency-checks.ts";
import { findRuleContradictions } from "../memory/contradiction-rules.ts";
import type { Memory } from "../memory/memory.ts";
import { jaccardSimilarity, significantWords } from "../memory/memory-text.ts";
import type { LanguageModel } from "../models/language-model.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { MemoryActor } from "./memory-access.ts";
import type { MemoryService } from "./memory-service.ts";
import type { PersonaService } from "./persona-service.ts";

export interface ConsistencyReport {
  persona_id: string;
  checked: number;
  /** Who judged contradictions: a model id, or "rules" when the model is the offline engine. */
  judged_by: string;
  findings: (ConsistencyFinding | { kind: "contradiction"; message: string; memory_ids: string[] })[];
}

/** Pairs of related memories a model is asked about at most, so a check has a bounded cost. */
const MAX_JUDGED_PAIRS = 40;
/** Word overlap above which two memories are related enough to possibly contradict. */
const RELATED = 0.25;

const judgementSchema = z.object({
  contradictions: z
    .array(z.object({ pair: z.number().int().min(0), explanation: z.string().max(500) }))
    .max(MAX_JUDGED_PAIRS),
});

/**
 * The consistency report of a persona's memory: deterministic timeline checks (sequence gaps, event times
 * against their stated order, broken revision chains, duplicate events) and contradictions between
 * related memories, judged by the persona's model or, offline, by rules. Every finding cites memory ids.
 */
export class ConsistencyService {
  private readonly personas: PersonaService;
  private readonly memories: MemoryService;
  private readonly models: ModelRegistry;

  constructor(dependencies: { personas: PersonaService; memories: MemoryService; models: ModelRegistry }) {
    this.personas = dependencies.personas;
    this.memories = dependencies.memories;
    this.models = dependencies.models;
  }

  async check(actor: MemoryActor, personaId: string): Promise<ConsistencyReport> {
    const { definition } = await this.personas.getServingDefinition(actor.tenantId, personaId);
    const memories: Memory[] = [];
    for await (const memory of this.memories.export(actor, personaId)) memories.push(memory);
    const model = await this.models.resolve(
      actor.tenantId,
      definition.chat_configuration.model ?? definition.model,
    );
    const offline = model.id.startsWith("offline/");
    const contradictions = offline ? findRuleContradictions(memories) : await this.judge(model, memories);
    return {
      persona_id: personaId,
      checked: memories.length,
      judged_by: offline ? "rules" : model.id,
      findings: [
        ...checkTimelineConsistency(memories),
        ...contradictions.map((finding) => ({ kind: "contradiction" as const, ...finding })),
      ],
    };
  }

  /** Asks the model which related pairs contradict; the rules' findings are kept if it fails. */
  private async judge(model: LanguageModel, memories: Memory[]) {
    const pairs = relatedPairs(memories).slice(0, MAX_JUDGED_PAIRS);
    if (pairs.length === 0) return [];
    try {
      const answer = await model.generateObject({
        schema: {
          type: "object",
          properties: {
            contradictions: {
              type: "array",
              items: {
                type: "object",
                properties: { pair: { type: "integer" }, explanation: { type: "string" } },
                required: ["pair", "explanation"],
              },
            },
          },
          required: ["contradictions"],
        },
        schemaName: "contradictions",
        sampling: { temperature: 0 },
        messages: [
          {
            role: "system",
            content:
              "You check a character's memories for contradictions. For each numbered pair, decide whether both " +
              "can be true of the same person. List only the pairs that cannot, with a one-sentence explanation.",
          },
          {
            role: "user",
            content: pairs
              .map(([left, right], index) => `${index}. A: ${left.facts}\n   B: ${right.facts}`)
              .join("\n"),
          },
        ],
      });
      const parsed = judgementSchema.safeParse(answer.object);
      if (!parsed.success) return findRuleContradictions(memories);
      return parsed.data.contradictions.flatMap(({ pair, explanation }) => {
        const found = pairs[pair];
        return found ? [{ memory_ids: [found[0].id, found[1].id], message: explanation }] : [];
      });
    } catch {
      // The rules still answer when the model cannot; its failure is counted where every model call is
      // (dramatis_model_call_errors_total), so falling back hides nothing from the operator.
      return findRuleContradictions(memories);
    }
  }
}

/** Pairs of memories that talk about the same things, most related first; revisions are not pairs. */
function relatedPairs(memories: Memory[]): [Memory, Memory][] {
  const words = memories.map((memory) => significantWords(memory.facts));
  const pairs: { pair: [Memory, Memory]; overlap: number }[] = [];
  for (let left = 0; left < memories.length && left < 400; left++) {
    for (let right = left + 1; right < memories.length && right < 400; right++) {
      const a = memories[left] as Memory;
      const b = memories[right] as Memory;
      if (a.revises === b.id || b.revises === a.id) continue;
      const overlap = jaccardSimilarity(words[left] as Set<string>, words[right] as Set<string>);
      if (overlap >= RELATED) pairs.push({ pair: [a, b], overlap });
    }
  }
  return pairs.sort((x, y) => y.overlap - x.overlap).map((entry) => entry.pair);
}
