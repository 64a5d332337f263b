import { z } from "zod";
import type { Clock } from "../lib/clock.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { LanguageModel } from "../models/language-model.ts";
import type { MemoryDraft } from "../memory/memory.ts";
import { extractMemoriesByRules } from "../memory/offline-extraction.ts";
import { reconcileMemories } from "../memory/memory-reconciliation.ts";
import type { Store } from "../store/store.ts";
import type { ConversationService } from "./conversation-service.ts";
import type { Message } from "./conversation-views.ts";
import type { MemoryService } from "./memory-service.ts";
import { toMemory } from "./memory-views.ts";
import type { PersonaService } from "./persona-service.ts";

/** What an extraction job needs: the exchange to learn from. */
export const memoryExtractionPayloadSchema = z.object({
  user_id: z.string(),
  conversation_id: z.string(),
  user_message_id: z.string(),
  reply_message_id: z.string(),
});
export type MemoryExtractionPayload = z.infer<typeof memoryExtractionPayloadSchema>;

export interface ExtractionOutcome {
  skipped?: "extraction is off for this persona" | "nothing to learn";
  method?: "model" | "rules";
  created: string[];
  reinforced: string[];
  revised: { original: string; revision: string }[];
}

/** The structured answer a model gives when asked what to remember. */
const extractedSchema = z.object({
  memories: z
    .array(
      z.object({
        facts: z.string().min(1).max(1000),
        feelings: z.string().max(1000).optional(),
        emotion_tags: z.array(z.string().max(50)).max(10).optional(),
        interpretation: z.string().max(1000).optional(),
        strength: z.number().int().min(0).max(100).optional(),
        event_time: z.string().nullable().optional(),
      }),
    )
    .max(20),
});

const EXTRACTION_JSON_SCHEMA = {
  type: "object",
  properties: {
    memories: {
      type: "array",
      items: {
        type: "object",
        properties: {
          facts: { type: "string", description: "One fact about the user, as a sentence: 'The user …'" },
          feelings: { type: "string" },
          emotion_tags: { type: "array", items: { type: "string" } },
          interpretation: { type: "string" },
          strength: { type: "integer", minimum: 0, maximum: 100 },
          event_time: {
            type: ["string", "null"],
            description: "ISO 8601 date when the fact is a dated event",
          },
        },
        required: ["facts"],
      },
    },
  },
  required: ["memories"],
};

/** Existing memories compared with new candidates (duplicates and contradictions are found among them). */
const EXISTING_COMPARED = 50;

/**
 * Learns relationship memory from an exchange: asks the persona's model for new memories in a structured
 * form (the offline engine uses deterministic rules instead), then merges duplicates by reinforcing them
 * and records contradictions as revisions linked to what they revise. Nothing is deleted.
 */
export class MemoryExtraction {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly models: ModelRegistry;
  private readonly personas: PersonaService;
  private readonly conversations: ConversationService;
  private readonly memories: MemoryService;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    models: ModelRegistry;
    personas: PersonaService;
    conversations: ConversationService;
    memories: MemoryService;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.models = dependencies.models;
    this.personas = dependencies.personas;
    this.conversations = dependencies.conversations;
    this.memories = dependencies.memories;
  }

  async extract(tenantId: string, payload: MemoryExtractionPayload): Promise<ExtractionOutcome> {
    const user = await this.store.users.findById(tenantId, payload.user_id);
    if (!user) return { skipped: "nothing to learn", created: [], reinforced: [], revised: [] };
    const conversation = await this.conversations.get(user, payload.conversation_id);
    const { definition } = await this.personas.getServingDefinition(tenantId, conversation.persona_id);
    if (!definition.memory.extraction) {
      return { skipped: "extraction is off for this persona", created: [], reinforced: [], revised: [] };
    }
    const userMessage = await this.conversations.getMessage(
      user,
      payload.conversation_id,
      payload.user_message_id,
    );
    const model = await this.models.resolve(
      tenantId,
      definition.chat_configuration.model ?? definition.model,
    );
    const { drafts, method } = await this.findCandidates(model, userMessage);
    if (drafts.length === 0)
      return { skipped: "nothing to learn", method, created: [], reinforced: [], revised: [] };

    const scope = definition.memory.scope === "user_persona" ? (userMessage.user_persona?.id ?? null) : null;
    const visibility = { userId: user.id, ...(definition.memory.scope === "user_persona" ? { scope } : {}) };
    const matches = await this.store.memories.searchText(conversation.persona_id, {
      ...visibility,
      query: drafts.map((draft) => draft.facts).join(" "),
      limit: EXISTING_COMPARED,
    });
    const existing = matches
      .map((match) => toMemory(match.row))
      .filter((memory) => memory.owner === "relationship");
    const plan = reconcileMemories({ existing, candidates: drafts });
    const source = {
      kind: "extraction" as const,
      message_ids: [payload.user_message_id, payload.reply_message_id],
    };
    const outcome = await this.store.transaction(async (store) => {
      const base = {
        tenantId,
        personaId: conversation.persona_id,
        owner: "relationship" as const,
        userId: user.id,
        scope,
        source,
        store,
      };
      const created = await this.memories.storeDrafts({ ...base, drafts: plan.create });
      for (const { id, strength } of plan.reinforce) await this.memories.reinforce(id, strength, store);
      const revisions = await this.memories.storeDrafts({
        ...base,
        drafts: plan.revise.map(({ original, revision }) => ({
          ...revision,
          type: "revised",
          revises: original.id,
        })),
      });
      return {
        method,
        created: created.map((memory) => memory.id),
        reinforced: plan.reinforce.map((entry) => entry.id),
        revised: plan.revise.map(({ original }, index) => ({
          original: original.id,
          revision: revisions[index]?.id ?? "",
        })),
      };
    });
    await this.memories.written(tenantId, conversation.persona_id);
    return outcome;
  }

  private async findCandidates(
    model: LanguageModel,
    userMessage: Message,
  ): Promise<{ drafts: MemoryDraft[]; method: "model" | "rules" }> {
    const now = this.clock.now();
    const byRules = () => ({
      drafts: extractMemoriesByRules({ userMessage: userMessage.content, now }),
      method: "rules" as const,
    });
    // The offline engine cannot read; its structured answers are placeholders, so rules do its work.
    if (model.id.startsWith("offline/")) return byRules();
    try {
      const answer = await model.generateObject({
        schema: EXTRACTION_JSON_SCHEMA,
        schemaName: "memories",
        messages: [
          {
            role: "system",
            content:
              "Extract lasting facts about the user from their message: their name, likes and dislikes, " +
              "people and places in their life, and dated events. Write each as a short sentence about 'the user'. " +
              "Return an empty list when there is nothing worth remembering.",
          },
          { role: "user", content: userMessage.content },
        ],
        sampling: { temperature: 0 },
      });
      const parsed = extractedSchema.safeParse(answer.object);
      if (!parsed.success) return byRules();
      const drafts: MemoryDraft[] = parsed.data.memories.map((memory) => ({
        facts: memory.facts,
        feelings: memory.feelings ?? "",
        emotion_tags: memory.emotion_tags ?? [],
        interpretation: memory.interpretation ?? "",
        type: "normal",
        strength: memory.strength ?? 60,
        event_time:
          memory.event_time && !Number.isNaN(Date.parse(memory.event_time))
            ? new Date(memory.event_time).toISOString()
            : null,
        sequence: null,
        revises: null,
        metadata: { extracted_by: answer.model },
      }));
      return { drafts, method: "model" };
    } catch {
      // A failing model must not lose what the rules can still find. Its failure is counted where every
      // model call is (dramatis_model_call_errors_total), so falling back hides nothing from the operator.
      return byRules();
    }
  }
}
