import type { Clock } from "../lib/clock.ts";
import { ChatCompletionService } from "../services/chat-completion-service.ts";
import { ConversationBranching } from "../services/conversation-branching.ts";
import { ConversationSearch } from "../services/conversation-search.ts";
import { ConversationService } from "../services/conversation-service.ts";
import { ConversationTransfer } from "../services/conversation-transfer.ts";
import { JobService } from "../services/job-service.ts";
import type { LorebookService } from "../services/lorebook-service.ts";
import { MediaChatTool } from "../services/media/media-chat-tool.ts";
import type { MediaGeneration } from "../services/media/media-generation.ts";
import { MediaHistory } from "../services/media/media-history.ts";
import type { MediaService } from "../services/media/media-service.ts";
import type { MemoryRetrieval } from "../services/memory-retrieval.ts";
import type { PersonaService } from "../services/persona-service.ts";
import { PriceTable } from "../services/pricing.ts";
import { ReplyGenerator } from "../services/reply-generator.ts";
import { DEFAULT_MEMORY_TIER_BUDGETS } from "../services/reply-prompt.ts";
import { TiePersonaService } from "../services/tie-personas.ts";
import type { Store } from "../store/store.ts";
import type { Services } from "./create-services.ts";
import type { ServiceOptions } from "./service-options.ts";

/** Conversations and what answers in them; `replies` is shared with studies and proactive messages. */
export type ConversationParts = Pick<
  Services,
  | "conversations"
  | "conversationBranching"
  | "conversationSearch"
  | "conversationTransfer"
  | "chatCompletions"
  | "tiePersonas"
  | "jobs"
> & { readonly replies: ReplyGenerator };

export function composeConversations(parts: {
  store: Store;
  clock: Clock;
  personas: PersonaService;
  lorebooks: LorebookService;
  retrieval: MemoryRetrieval;
  media: MediaService;
  mediaGeneration: MediaGeneration;
  options: Pick<ServiceOptions, "models" | "jobs" | "prices" | "memoryTierBudgets">;
}): ConversationParts {
  const { store, clock, personas, lorebooks, retrieval, media, mediaGeneration, options } = parts;
  const replies = new ReplyGenerator({
    store,
    clock,
    models: options.models,
    prices: options.prices ?? new PriceTable(),
    budgets: options.memoryTierBudgets ?? DEFAULT_MEMORY_TIER_BUDGETS,
    retrieval,
    lorebooks,
    attachments: new MediaHistory({ store, media }),
  });
  const conversations = new ConversationService({
    store,
    clock,
    personas,
    replies,
    mediaTools: new MediaChatTool(mediaGeneration),
  });
  // Media rows outlive their messages, conversations and personas by design: a user's gallery keeps what
  // was made for them (a persona's creator deleting it does not empty other members' galleries). Photos
  // sent in a deleted conversation are swept with it.
  conversations.onDelete(async (conversationId) => {
    await media.sweepOrphans({ conversationId });
  });
  const chatCompletions = new ChatCompletionService({ store, clock, personas, replies });
  const jobs = new JobService({ store, queue: options.jobs, conversations });
  // Every stored exchange queues memory extraction (the job service itself needs the conversations).
  conversations.events.on("exchange-completed", ({ user, exchange }) =>
    jobs.enqueueExtraction(user, exchange),
  );
  return {
    replies,
    conversations,
    conversationBranching: new ConversationBranching({ store, clock, attachments: media }),
    conversationSearch: new ConversationSearch({ store }),
    conversationTransfer: new ConversationTransfer({ store, clock, personas }),
    chatCompletions,
    tiePersonas: new TiePersonaService({ personas, chatCompletions }),
    jobs,
  };
}
