import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { randomToken } from "../lib/ids.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import { DeliveryRecorder } from "../channels/delivery-recorder.ts";
import { createLogger } from "../lib/create-logger.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { Clock } from "../lib/clock.ts";
import { OutboundGuard } from "../lib/outbound-guard.ts";
import type { ScryptCost } from "../lib/password-hash.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import type { ProviderConfig } from "../models/provider-config.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { Store } from "../store/store.ts";
import type { BlobStore } from "../store/blob-store.ts";
import { FileBlobStore } from "../store/file-blob-store.ts";
import { MediaService } from "../services/media/media-service.ts";
import { ReplyMediaDelivery } from "../channels/reply-media-delivery.ts";
import { MediaGeneration, type MediaLimits, type MediaPrices } from "../services/media/media-generation.ts";
import { MediaHistory } from "../services/media/media-history.ts";
import { MediaChatTool } from "../services/media/media-chat-tool.ts";
import { MediaRegistry } from "../media/media-registry.ts";
import { createOfflineMedia } from "../media/offline-renderer.ts";
import type { MediaProvider } from "../media/media.ts";
import { RateLimits } from "../rate-limits/rate-limits.ts";
import { AccountService } from "../services/account-service.ts";
import { ApiKeyService } from "../services/api-key-service.ts";
import { TiePersonaService } from "../services/tie-personas.ts";
import { ChatCompletionService } from "../services/chat-completion-service.ts";
import { ConversationBranching } from "../services/conversation-branching.ts";
import { ConversationSearch } from "../services/conversation-search.ts";
import { ConversationService } from "../services/conversation-service.ts";
import { ConversationTransfer } from "../services/conversation-transfer.ts";
import { IdempotencyService } from "../services/idempotency-service.ts";
import { JobService } from "../services/job-service.ts";
import { ConsistencyService } from "../services/consistency-service.ts";
import { MemoryEmbedder } from "../services/memory-embedder.ts";
import { EmbeddingService } from "../services/embedding-service.ts";
import { MemoryExtraction } from "../services/memory-extraction.ts";
import { MemoryRetrieval } from "../services/memory-retrieval.ts";
import { MemoryService } from "../services/memory-service.ts";
import { MemoryVectors } from "../services/memory-vectors.ts";
import { PersonaAssist } from "../services/persona-assist.ts";
import { PersonaAvatarService } from "../services/persona-avatar-service.ts";
import { PersonaAssetService } from "../services/persona-asset-service.ts";
import { CharacterCardService } from "../services/character-card-service.ts";
import { PersonaGenerationService } from "../services/persona-generation.ts";
import { PersonaService } from "../services/persona-service.ts";
import { PriceTable } from "../services/pricing.ts";
import { ProviderService } from "../services/provider-service.ts";
import { LocalServerAccess } from "../services/local-server-access.ts";
import { ModelSetupService } from "../services/model-setup-service.ts";
import { ModelDownloadService } from "../services/model-download-service.ts";
import type { CatalogEntry } from "../models/model-catalog.ts";
import type { ModelFiles } from "../models/model-files.ts";
import type { LocalServerAddress } from "../models/local-model-servers.ts";
import { ReplyGenerator } from "../services/reply-generator.ts";
import { DEFAULT_MEMORY_TIER_BUDGETS, type MemoryTierBudgets } from "../services/reply-prompt.ts";
import { TenantService } from "../services/tenant-service.ts";
import { UsageService } from "../services/usage-service.ts";
import { UserPersonaService } from "../services/user-persona-service.ts";
import { LorebookService } from "../services/lorebook-service.ts";
import { UserService } from "../services/user-service.ts";
import { CohortService } from "../services/research/cohort-service.ts";
import { PopulationService } from "../services/research/population-service.ts";
import { SkillService } from "../services/research/skill-service.ts";
import { StudyRunner } from "../services/research/study-runner.ts";
import { StudyService } from "../services/research/study-service.ts";
import { InboxService } from "../services/proactive/inbox-service.ts";
import { ProactiveScheduler } from "../services/proactive/proactive-scheduler.ts";
import { ScheduledMessageService } from "../services/proactive/scheduled-message-service.ts";
import { SmsChannel } from "../channels/sms/sms-channel.ts";
import { PushChannel, type PushSettings } from "../channels/push/push-channel.ts";
import type { PushTransport } from "../channels/push/web-push-client.ts";
import { TwilioClient, type SmsTransport, type TwilioSettings } from "../channels/sms/twilio-client.ts";
import { PhoneCalls } from "../channels/voice/phone-calls.ts";
import { MediaLinks } from "../services/media-links.ts";
import { WhatsAppChannel } from "../channels/whatsapp/whatsapp-channel.ts";
import { EspeakSynthesizer } from "../speech/espeak-synthesizer.ts";
import type { SpeechProvider } from "../speech/speech.ts";
import { SpeechRegistry } from "../speech/speech-registry.ts";
import { SpeechService, type SpeechLimits } from "../services/speech/speech-service.ts";
import type { SpeechPrices } from "../services/speech/speech-usage.ts";
import { CallService } from "../services/calls/call-service.ts";
import type { WhatsAppSettings, WhatsAppTransport } from "../channels/whatsapp/whatsapp-client.ts";

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

export interface ServiceOptions {
  models: ModelRegistry;
  jobs: JobQueue;
  prices?: PriceTable;
  memoryTierBudgets?: MemoryTierBudgets;
  /** Seals tenants' provider keys and push secrets: the installation's key (openSecretBox), never a throwaway. */
  secrets: SecretBox;
  /** `provider/model` that embeds memories for semantic search (DRAMATIS_EMBEDDING_MODEL); none: text only. */
  embeddingModel?: string | undefined;
  /**
   * Fixed addresses of model servers on this machine that discovery probes and the operator's tenant may
   * add (DRAMATIS_LOCAL_MODEL_SERVERS); default none: discovery off.
   */
  localModelServers?: readonly LocalServerAddress[];
  /**
   * The curated download catalog (DRAMATIS_MODEL_CATALOG or the built-in one) and the models directory it
   * downloads into; none: an empty catalog, downloads off.
   */
  modelDownloads?: { catalog: readonly CatalogEntry[]; files: ModelFiles };
  /** The operator's providers, listed (without keys) next to each tenant's own. */
  serverProviders?: readonly ProviderConfig[];
  /** Twilio's account (TWILIO_ACCOUNT_SID, ...); none: SMS is off. */
  twilio?: TwilioSettings | undefined;
  /**
   * Where the server is reached from the internet (DRAMATIS_PUBLIC_URL); default: Twilio's publicUrl.
   * Without it no media link is made (no MMS audio).
   */
  publicUrl?: string | undefined;
  /** Replaces Twilio's REST client for outbound SMS (tests). */
  smsTransport?: SmsTransport;
  /** Web push (DRAMATIS_VAPID_SUBJECT, DRAMATIS_PUSH_ALLOW_HTTP); default: a placeholder subject, https only. */
  push?: PushSettings | undefined;
  /** Replaces the web push protocol client (tests). */
  pushTransport?: PushTransport;
  /**
   * Checks and fetches every URL a user or tenant supplies (provider base URLs, push endpoints); default:
   * the strict policy with no exceptions, the system resolver.
   */
  outbound?: OutboundGuard;
  /** Meta's WhatsApp app and token (WHATSAPP_*); none: WhatsApp is off. */
  whatsapp?: WhatsAppSettings | undefined;
  /** Replaces the Graph API client for outbound WhatsApp (tests). */
  whatsappTransport?: WhatsAppTransport;
  /** scrypt cost of password hashes; default OWASP's minimum. Tests pass a cheap one to stay fast. */
  passwordCost?: ScryptCost;
  /** The rate limits (Redis-backed when REDIS_URL is set); default: counters in this store, default limits. */
  rateLimits?: RateLimits;
  /** The process's logger (delivery failures, planning errors); default: pino to stdout at info. */
  logger?: Logger;
  /** The process's metrics (deliveries by channel); default: not counted. */
  metrics?: Metrics;
  /**
   * Where binary data goes: the server's is createBlobStore's (files under `<dataDir>/blobs`, or an S3
   * bucket: DRAMATIS_BLOB_STORE). Default: files in a new directory under the system's temp directory
   * (tests and benchmarks), made on the first put.
   */
  blobs?: BlobStore;
  /**
   * Picture and video services (DRAMATIS_MEDIA_PROVIDERS, DRAMATIS_IMAGE_MODEL, DRAMATIS_VIDEO_MODEL),
   * prices and limits. Default: the embedded placeholder only.
   */
  media?: {
    /** the operator's services (DRAMATIS_MEDIA_PROVIDERS); the embedded placeholder is always added */
    providers?: readonly MediaProvider[];
    defaultImageModel?: string | undefined;
    defaultVideoModel?: string | undefined;
    prices?: MediaPrices | undefined;
    limits?: MediaLimits | undefined;
  };
  /**
   * Speech services (the embedded eSpeak NG voice, PocketSphinx where installed, the operator's
   * DRAMATIS_SPEECH_PROVIDERS), prices and limits. Default: the embedded voice only, no recognizer.
   */
  speech?: {
    providers?: readonly SpeechProvider[];
    defaultRecognizer?: string | undefined;
    defaultVoice?: string | undefined;
    prices?: SpeechPrices | undefined;
    limits?: Partial<SpeechLimits> | undefined;
  };
}

export function createServices(store: Store, clock: Clock, options: ServiceOptions): Services {
  const rateLimits =
    options.rateLimits ?? new RateLimits({ kind: "database", repository: store.rateLimits, clock });
  const logger = options.logger ?? createLogger({ level: "info" });
  const deliveries = new DeliveryRecorder({ logger, metrics: options.metrics?.deliveries });
  const apiKeys = new ApiKeyService(store, clock);
  const personas = new PersonaService(store, clock);
  const lorebooks = new LorebookService({ store, clock, personas });
  const vectors = new MemoryVectors(store);
  const embedder = new MemoryEmbedder({
    store,
    models: options.models,
    vectors,
    modelId: options.embeddingModel,
  });
  const retrieval = new MemoryRetrieval({ store, clock, personas, embedder, vectors });
  const blobs =
    options.blobs ??
    new FileBlobStore({
      db: store.db,
      directory: path.join(os.tmpdir(), `dramatis-blobs-${process.pid}-${randomToken(8)}`),
      clock,
    });
  const personaAvatars = new PersonaAvatarService({ store, clock, personas });
  const media = new MediaService({ store, blobs, clock });
  const mediaGeneration = new MediaGeneration({
    store,
    blobs,
    clock,
    queue: options.jobs,
    registry: new MediaRegistry({
      // The embedded placeholder is always there: the default only when nothing else is configured.
      providers: [...(options.media?.providers ?? []), createOfflineMedia()],
      defaultImageModel: options.media?.defaultImageModel,
      defaultVideoModel: options.media?.defaultVideoModel,
    }),
    personas,
    avatars: personaAvatars,
    media,
    prices: options.media?.prices,
    limits: options.media?.limits,
    rateLimits,
  });
  // Media rows outlive their messages, conversations and personas by design: a user's gallery keeps what
  // was made for them (a persona's creator deleting it does not empty other members' galleries). Photos
  // sent in a deleted conversation are swept with it.
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
  conversations.onDelete(async (conversationId) => {
    await media.sweepOrphans({ conversationId });
  });
  const chatCompletions = new ChatCompletionService({ store, clock, personas, replies });
  const jobs = new JobService({ store, queue: options.jobs, conversations });
  // Every stored exchange queues memory extraction (the job service itself needs the conversations).
  conversations.events.on("exchange-completed", ({ user, exchange }) =>
    jobs.enqueueExtraction(user, exchange),
  );
  const memories = new MemoryService({
    store,
    clock,
    personas,
    afterWrite: async (tenantId, personaId) => {
      vectors.invalidate(personaId);
      if (embedder.enabled) await jobs.enqueueEmbedding(tenantId, personaId);
    },
  });
  const users = new UserService(store, clock);
  const cohorts = new CohortService(store, clock);
  const personaGeneration = new PersonaGenerationService({ clock, personas, memories });
  const populations = new PopulationService({
    store,
    clock,
    queue: options.jobs,
    cohorts,
    personas,
    memories,
    generation: personaGeneration,
  });
  const studyRunner = new StudyRunner({ store, clock, queue: options.jobs, replies });
  const sms = new SmsChannel({
    store,
    clock,
    queue: options.jobs,
    personas,
    conversations,
    settings: options.twilio,
    transport: options.smsTransport,
    deliveries,
  });
  const whatsapp = new WhatsAppChannel({
    store,
    clock,
    queue: options.jobs,
    personas,
    conversations,
    settings: options.whatsapp,
    transport: options.whatsappTransport,
    deliveries,
  });
  const secrets = options.secrets;
  const outbound = options.outbound ?? new OutboundGuard();
  const push = new PushChannel({
    store,
    clock,
    secrets,
    outbound,
    settings: options.push,
    transport: options.pushTransport,
    deliveries,
    logger,
  });
  const proactive = new ProactiveScheduler({ store, clock, queue: options.jobs, personas, replies, logger });
  // A proactive message in an SMS conversation also goes out by SMS (deliver skips every other one).
  proactive.onSent("sms", async (message) => {
    await sms.deliver({
      tenantId: message.tenant_id,
      userId: message.user_id,
      personaId: message.persona_id,
      conversationId: message.conversation_id,
      text: message.content ?? "",
      ...(message.message_id ? { messageId: message.message_id } : {}),
    });
  });
  // And one in a WhatsApp conversation over WhatsApp, inside Meta's 24-hour window.
  proactive.onSent("whatsapp", async (message) => {
    await whatsapp.deliver({
      tenantId: message.tenant_id,
      userId: message.user_id,
      personaId: message.persona_id,
      conversationId: message.conversation_id,
      text: message.content ?? "",
      messageId: message.message_id,
    });
  });
  // Every other proactive message becomes a notification on the user's devices while the app is closed.
  proactive.onSent("push", async (message) => {
    await push.deliver(message);
  });
  const localServers = new LocalServerAccess({ store, addresses: options.localModelServers ?? [] });
  const providers = new ProviderService({
    store,
    clock,
    secrets,
    models: options.models,
    serverProviders: options.serverProviders ?? [],
    outbound,
    localServers,
  });
  const modelSetup = new ModelSetupService({
    store,
    clock,
    models: options.models,
    providers,
    localServers,
  });
  const personaAssets = new PersonaAssetService({ store, blobs, clock, personas });
  // Asset rows go with the persona's row (foreign key), but their blobs are files: delete them first.
  personas.onDelete((tenantId, personaId) => personaAssets.deleteAll(tenantId, personaId));
  const speech = new SpeechService({
    store,
    blobs,
    clock,
    personas,
    queue: options.jobs,
    registry: new SpeechRegistry({
      providers: options.speech?.providers ?? [{ name: "espeak", synthesizer: new EspeakSynthesizer() }],
      defaultRecognizer: options.speech?.defaultRecognizer,
      defaultVoice: options.speech?.defaultVoice,
      now: () => clock.now().getTime(),
    }),
    prices: options.speech?.prices,
    limits: options.speech?.limits,
  });
  // Audio rows outlive their messages' rows by design (no foreign key): sweep them when those go, and
  // delete a persona's conversations' audio before its conversations cascade away.
  conversations.onDelete(async (conversationId) => {
    await speech.sweepOrphans({ conversationId });
  });
  personas.onDelete((tenantId, personaId) => speech.deletePersonaAudio(tenantId, personaId));
  conversations.events.on("exchange-completed", async ({ user, exchange }) => {
    await speech.enqueueAutoSpeech(user, exchange.message.conversation_id, exchange.message.id);
  });
  const calls = new CallService({
    store,
    clock,
    personas,
    conversations,
    speech,
    onError: (error, callId) => logger.error({ err: error, call_id: callId }, "a call could not be stored"),
  });
  const phoneCalls = new PhoneCalls({
    store,
    personas,
    calls,
    settings: options.twilio,
    dialer: options.twilio ? new TwilioClient(options.twilio) : undefined,
    logger,
  });
  const mediaLinks = new MediaLinks({
    secrets,
    clock,
    publicUrl: options.publicUrl ?? options.twilio?.publicUrl,
  });
  // Replies of personas that speak every reply also go as MMS audio where the numbers carry it.
  sms.useVoice({ speech, links: mediaLinks, logger });
  // Forward to voice: a text asking for a call is answered with one.
  sms.forwardCallRequests((request) => phoneCalls.callBack(request));
  // WhatsApp hears voice notes, speaks replies (auto speech) and calls back when asked (forward to voice).
  whatsapp.useVoice({ speech, placeCall: (user, request) => phoneCalls.place(user, request), logger });
  // Pictures users send by MMS or WhatsApp reach the persona; the ones it makes for a reply go back there.
  const replySent = (messageId: string) => replyMedia.replySent(messageId);
  sms.usePictures({ media, links: mediaLinks, logger, replySent });
  whatsapp.usePictures({ media, logger, replySent });
  // A reply's pictures follow its text on SMS and WhatsApp, once each.
  const replyMedia = new ReplyMediaDelivery({
    store,
    clock,
    channels: [
      { name: "sms", deliverMedia: (item) => sms.deliverMedia(item) },
      { name: "whatsapp", deliverMedia: (item) => whatsapp.deliverMedia(item) },
    ],
    logger,
  });
  mediaGeneration.events.on("media-ready", ({ media: item }) => replyMedia.mediaReady(item));
  return {
    sms,
    push,
    whatsapp,
    skills: new SkillService(store, clock),
    cohorts,
    populations,
    studies: new StudyService({
      store,
      clock,
      queue: options.jobs,
      models: options.models,
      runner: studyRunner,
    }),
    studyRunner,
    proactive,
    scheduledMessages: new ScheduledMessageService(store, clock),
    inbox: new InboxService(store, clock),
    store,
    clock,
    models: options.models,
    outbound,
    blobs,
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
    rateLimits,
    personas,
    personaAvatars,
    personaAssets,
    media,
    mediaGeneration,
    speech,
    calls,
    phoneCalls,
    mediaLinks,
    characterCards: new CharacterCardService({ personas, avatars: personaAvatars, assets: personaAssets }),
    personaAssist: new PersonaAssist(options.models),
    userPersonas: new UserPersonaService(store, clock),
    lorebooks,
    conversations,
    conversationBranching: new ConversationBranching({ store, clock, attachments: media }),
    conversationSearch: new ConversationSearch({ store }),
    conversationTransfer: new ConversationTransfer({ store, clock, personas }),
    chatCompletions,
    tiePersonas: new TiePersonaService({ personas, chatCompletions }),
    usage: new UsageService(store, clock),
    jobs,
    memories,
    consistency: new ConsistencyService({ personas, memories, models: options.models }),
    personaGeneration,
    memoryExtraction: new MemoryExtraction({
      store,
      clock,
      models: options.models,
      personas,
      conversations,
      memories,
    }),
    memoryRetrieval: retrieval,
    memoryEmbedder: embedder,
    embeddings: new EmbeddingService({
      store,
      clock,
      embedder,
      prices: options.prices ?? new PriceTable(),
    }),
    providers,
    modelSetup,
    modelDownloads: new ModelDownloadService({
      store,
      clock,
      queue: options.jobs,
      catalog: options.modelDownloads?.catalog ?? [],
      files: options.modelDownloads?.files,
    }),
    idempotency: new IdempotencyService(store, clock),
  };
}
