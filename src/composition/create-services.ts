import os from "node:os";
import path from "node:path";
import { DeliveryRecorder } from "../channels/delivery-recorder.ts";
import type { PhoneCalls } from "../channels/voice/phone-calls.ts";
import type { PushChannel } from "../channels/push/push-channel.ts";
import type { SmsChannel } from "../channels/sms/sms-channel.ts";
import type { WhatsAppChannel } from "../channels/whatsapp/whatsapp-channel.ts";
import type { Clock } from "../lib/clock.ts";
import { createLogger } from "../lib/create-logger.ts";
import { randomToken } from "../lib/ids.ts";
import { OutboundGuard } from "../lib/outbound-guard.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { RateLimits } from "../rate-limits/rate-limits.ts";
import { AccountService } from "../services/account-service.ts";
import { ApiKeyService } from "../services/api-key-service.ts";
import type { CallService } from "../services/calls/call-service.ts";
import { CharacterCardService } from "../services/character-card-service.ts";
import type { ChatCompletionService } from "../services/chat-completion-service.ts";
import type { ConsistencyService } from "../services/consistency-service.ts";
import type { ConversationBranching } from "../services/conversation-branching.ts";
import type { ConversationSearch } from "../services/conversation-search.ts";
import type { ConversationService } from "../services/conversation-service.ts";
import type { ConversationTransfer } from "../services/conversation-transfer.ts";
import type { EmbeddingService } from "../services/embedding-service.ts";
import { IdempotencyService } from "../services/idempotency-service.ts";
import type { JobService } from "../services/job-service.ts";
import { LorebookService } from "../services/lorebook-service.ts";
import type { MediaLinks } from "../services/media-links.ts";
import type { MediaGeneration } from "../services/media/media-generation.ts";
import type { MediaService } from "../services/media/media-service.ts";
import type { MemoryEmbedder } from "../services/memory-embedder.ts";
import type { MemoryExtraction } from "../services/memory-extraction.ts";
import type { MemoryRetrieval } from "../services/memory-retrieval.ts";
import type { MemoryService } from "../services/memory-service.ts";
import type { ModelDownloadService } from "../services/model-download-service.ts";
import type { ModelSetupService } from "../services/model-setup-service.ts";
import { PersonaAssetService } from "../services/persona-asset-service.ts";
import { PersonaAssist } from "../services/persona-assist.ts";
import { PersonaAvatarService } from "../services/persona-avatar-service.ts";
import type { PersonaGenerationService } from "../services/persona-generation.ts";
import { PersonaService } from "../services/persona-service.ts";
import type { InboxService } from "../services/proactive/inbox-service.ts";
import type { ProactiveScheduler } from "../services/proactive/proactive-scheduler.ts";
import type { ScheduledMessageService } from "../services/proactive/scheduled-message-service.ts";
import type { ProviderService } from "../services/provider-service.ts";
import type { CohortService } from "../services/research/cohort-service.ts";
import type { PopulationService } from "../services/research/population-service.ts";
import type { SkillService } from "../services/research/skill-service.ts";
import type { StudyRunner } from "../services/research/study-runner.ts";
import type { StudyService } from "../services/research/study-service.ts";
import type { SpeechService } from "../services/speech/speech-service.ts";
import { TenantService } from "../services/tenant-service.ts";
import type { TiePersonaService } from "../services/tie-personas.ts";
import { UsageService } from "../services/usage-service.ts";
import { UserPersonaService } from "../services/user-persona-service.ts";
import { UserService } from "../services/user-service.ts";
import type { BlobStore } from "../store/blob-store.ts";
import { FileBlobStore } from "../store/file-blob-store.ts";
import type { Store } from "../store/store.ts";
import { composeChannels, connectChannels } from "./compose-channels.ts";
import { composeConversations } from "./compose-conversations.ts";
import { composeMedia } from "./compose-media.ts";
import { composeMemory, composeMemoryRecall } from "./compose-memory.ts";
import { composeModels } from "./compose-models.ts";
import { composeResearch } from "./compose-research.ts";
import { composeVoice } from "./compose-voice.ts";
import type { ServiceOptions } from "./service-options.ts";

/** Every domain service, wired over one store and one clock. */
export interface Services {
  readonly store: Store;
  readonly clock: Clock;
  readonly models: ModelRegistry;
  /** The one way to fetch a URL a user or tenant supplied (DRAMATIS_OUTBOUND_ALLOW). */
  readonly outbound: OutboundGuard;
  /** Where binary data goes (card assets; media, voice and knowledge files to come): see blob-store.ts. */
  readonly blobs: BlobStore;
  readonly apiKeys: ApiKeyService;
  readonly tenants: TenantService;
  readonly users: UserService;
  readonly accounts: AccountService;
  readonly personas: PersonaService;
  readonly personaAvatars: PersonaAvatarService;
  /** The gallery: pictures and videos, the photos users send */
  readonly media: MediaService;
  /** Pictures and videos made by personas: requests, background jobs, the chat's media tool */
  readonly mediaGeneration: MediaGeneration;
  readonly characterCards: CharacterCardService;
  /** A persona's card assets (CHARX files and data: URIs as blobs, remote URLs as references) */
  readonly personaAssets: PersonaAssetService;
  /** Voices, text read aloud, transcription, messages' audio */
  readonly speech: SpeechService;
  /** Live voice calls (browser, phone) and their history */
  readonly calls: CallService;
  /** Phone calls through Twilio Voice: the voice webhook, placed calls, status callbacks */
  readonly phoneCalls: PhoneCalls;
  /** Signed, expiring links to stored media for services that fetch by URL (Twilio's MMS) */
  readonly mediaLinks: MediaLinks;
  readonly personaAssist: PersonaAssist;
  readonly userPersonas: UserPersonaService;
  readonly lorebooks: LorebookService;
  readonly conversations: ConversationService;
  /** branch a conversation from a message */
  readonly conversationBranching: ConversationBranching;
  /** search the messages of a user's conversations */
  readonly conversationSearch: ConversationSearch;
  /** export and import conversations (SillyTavern JSONL, Dramatis JSON) */
  readonly conversationTransfer: ConversationTransfer;
  readonly chatCompletions: ChatCompletionService;
  /** TIE's personas API shapes over personas and the active persona */
  readonly tiePersonas: TiePersonaService;
  readonly usage: UsageService;
  readonly jobs: JobService;
  readonly idempotency: IdempotencyService;
  readonly providers: ProviderService;
  /** The tenant's default model, local model servers, hosted providers by key, the model picker's list */
  readonly modelSetup: ModelSetupService;
  /** Curated GGUF downloads into the server's models directory, as background jobs */
  readonly modelDownloads: ModelDownloadService;
  readonly memories: MemoryService;
  readonly memoryRetrieval: MemoryRetrieval;
  readonly memoryExtraction: MemoryExtraction;
  readonly memoryEmbedder: MemoryEmbedder;
  /** Text embeddings with the server's embedding model, for /v1/embeddings */
  readonly embeddings: EmbeddingService;
  readonly consistency: ConsistencyService;
  readonly personaGeneration: PersonaGenerationService;
  readonly skills: SkillService;
  readonly cohorts: CohortService;
  readonly populations: PopulationService;
  readonly studies: StudyService;
  readonly studyRunner: StudyRunner;
  readonly proactive: ProactiveScheduler;
  readonly scheduledMessages: ScheduledMessageService;
  readonly inbox: InboxService;
  /** SMS through Twilio: persona numbers, verified senders, the webhook, proactive delivery */
  readonly sms: SmsChannel;
  /** Web push: VAPID keys, users' devices, who has the app open, notifications of proactive messages */
  readonly push: PushChannel;
  /** WhatsApp through Meta's Cloud API: persona numbers, linked senders, the webhook, proactive delivery */
  readonly whatsapp: WhatsAppChannel;
  /** Request rates per key, account and address; sign-in and verification-code throttles */
  readonly rateLimits: RateLimits;
}

/**
 * Builds every service, area by area (compose-*.ts), in the order they need each other. The areas also
 * subscribe their listeners, so this order is the listeners' order too: an exchange queues memory
 * extraction before auto speech; a deleted conversation loses its photos before its audio.
 */
export function createServices(store: Store, clock: Clock, options: ServiceOptions): Services {
  const rateLimits =
    options.rateLimits ?? new RateLimits({ kind: "database", repository: store.rateLimits, clock });
  const logger = options.logger ?? createLogger({ level: "info" });
  const deliveries = new DeliveryRecorder({ logger, metrics: options.metrics?.deliveries });
  const secrets = options.secrets;
  const outbound = options.outbound ?? new OutboundGuard();
  const apiKeys = new ApiKeyService(store, clock);
  const users = new UserService(store, clock);
  const personas = new PersonaService(store, clock);
  const lorebooks = new LorebookService({ store, clock, personas });
  const recall = composeMemoryRecall({ store, clock, personas, options });
  const blobs =
    options.blobs ??
    new FileBlobStore({
      db: store.db,
      directory: path.join(os.tmpdir(), `dramatis-blobs-${process.pid}-${randomToken(8)}`),
      clock,
    });
  const personaAvatars = new PersonaAvatarService({ store, clock, personas });
  const gallery = composeMedia({ store, blobs, clock, personas, personaAvatars, rateLimits, options });
  const { replies, ...chat } = composeConversations({
    store,
    clock,
    personas,
    lorebooks,
    retrieval: recall.retrieval,
    ...gallery,
    options,
  });
  const { conversations, jobs } = chat;
  const memory = composeMemory({ store, clock, personas, conversations, jobs, recall, options });
  const research = composeResearch({ store, clock, personas, memories: memory.memories, replies, options });
  const channels = composeChannels({
    store,
    clock,
    personas,
    conversations,
    replies,
    secrets,
    outbound,
    deliveries,
    logger,
    options,
  });
  const models = composeModels({ store, clock, secrets, outbound, options });
  const personaAssets = new PersonaAssetService({ store, blobs, clock, personas });
  // Asset rows go with the persona's row (foreign key), but their blobs are files: delete them first.
  personas.onDelete((tenantId, personaId) => personaAssets.deleteAll(tenantId, personaId));
  const voice = composeVoice({ store, blobs, clock, personas, conversations, secrets, logger, options });
  connectChannels({ store, clock, logger, ...channels, ...voice, ...gallery });
  return {
    store,
    clock,
    models: options.models,
    outbound,
    blobs,
    rateLimits,
    apiKeys,
    tenants: new TenantService({ store, apiKeys, clock }),
    users,
    accounts: new AccountService({
      store,
      clock,
      users,
      throttle: rateLimits,
      passwordCost: options.passwordCost,
    }),
    personas,
    personaAvatars,
    personaAssets,
    characterCards: new CharacterCardService({ personas, avatars: personaAvatars, assets: personaAssets }),
    personaAssist: new PersonaAssist(options.models),
    userPersonas: new UserPersonaService(store, clock),
    lorebooks,
    usage: new UsageService(store, clock),
    idempotency: new IdempotencyService(store, clock),
    ...gallery,
    ...chat,
    ...memory,
    ...research,
    ...channels,
    ...models,
    ...voice,
  };
}
