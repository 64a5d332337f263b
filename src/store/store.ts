import type { Kysely } from "kysely";
import { AccountRepository } from "./account-repository.ts";
import { CohortRepository } from "./cohort-repository.ts";
import { ApiKeyRepository } from "./api-key-repository.ts";
import { ConversationRepository } from "./conversation-repository.ts";
import { IdempotencyKeyRepository } from "./idempotency-key-repository.ts";
import { LorebookRepository } from "./lorebook-repository.ts";
import { MemoryRepository } from "./memory-repository.ts";
import { ModelSetupRepository } from "./model-setup-repository.ts";
import { PersonaAvatarRepository } from "./persona-avatar-repository.ts";
import { PersonaAssetRepository } from "./persona-asset-repository.ts";
import { MessageAudioRepository } from "./message-audio-repository.ts";
import { MediaRepository } from "./media-repository.ts";
import { CallRepository } from "./call-repository.ts";
import { PersonaRepository } from "./persona-repository.ts";
import { PopulationRepository } from "./population-repository.ts";
import { ProviderRepository } from "./provider-repository.ts";
import { RateLimitRepository } from "./rate-limit-repository.ts";
import type { Database } from "./schema.ts";
import { ScheduledMessageRepository } from "./scheduled-message-repository.ts";
import { SkillRepository } from "./skill-repository.ts";
import { SmsRepository } from "./sms-repository.ts";
import { InboxConnectionRepository } from "./inbox-connection-repository.ts";
import { PushSubscriptionRepository } from "./push-subscription-repository.ts";
import { WhatsAppRepository } from "./whatsapp-repository.ts";
import { ServerKeyRepository } from "./server-key-repository.ts";
import { StudyRepository } from "./study-repository.ts";
import { TenantRepository } from "./tenant-repository.ts";
import { UsageRepository } from "./usage-repository.ts";
import { UserPersonaRepository } from "./user-persona-repository.ts";
import { UserRepository } from "./user-repository.ts";

/** Every repository over one connection or transaction. Services take a Store, never raw SQL. */
export class Store {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly personas: PersonaRepository;
  readonly userPersonas: UserPersonaRepository;
  readonly lorebooks: LorebookRepository;
  readonly conversations: ConversationRepository;
  readonly usage: UsageRepository;
  readonly providers: ProviderRepository;
  readonly memories: MemoryRepository;
  readonly accounts: AccountRepository;
  readonly personaAvatars: PersonaAvatarRepository;
  readonly personaAssets: PersonaAssetRepository;
  readonly messageAudio: MessageAudioRepository;
  readonly media: MediaRepository;
  readonly calls: CallRepository;
  readonly skills: SkillRepository;
  readonly cohorts: CohortRepository;
  readonly populations: PopulationRepository;
  readonly studies: StudyRepository;
  readonly scheduledMessages: ScheduledMessageRepository;
  readonly sms: SmsRepository;
  readonly serverKeys: ServerKeyRepository;
  readonly pushSubscriptions: PushSubscriptionRepository;
  readonly inboxConnections: InboxConnectionRepository;
  readonly whatsapp: WhatsAppRepository;
  readonly rateLimits: RateLimitRepository;
  readonly idempotencyKeys: IdempotencyKeyRepository;
  readonly modelSetup: ModelSetupRepository;

  constructor(readonly db: Kysely<Database>) {
    this.tenants = new TenantRepository(db);
    this.users = new UserRepository(db);
    this.apiKeys = new ApiKeyRepository(db);
    this.personas = new PersonaRepository(db);
    this.userPersonas = new UserPersonaRepository(db);
    this.lorebooks = new LorebookRepository(db);
    this.conversations = new ConversationRepository(db);
    this.usage = new UsageRepository(db);
    this.providers = new ProviderRepository(db);
    this.memories = new MemoryRepository(db);
    this.accounts = new AccountRepository(db);
    this.personaAvatars = new PersonaAvatarRepository(db);
    this.personaAssets = new PersonaAssetRepository(db);
    this.messageAudio = new MessageAudioRepository(db);
    this.media = new MediaRepository(db);
    this.calls = new CallRepository(db);
    this.rateLimits = new RateLimitRepository(db);
    this.skills = new SkillRepository(db);
    this.cohorts = new CohortRepository(db);
    this.populations = new PopulationRepository(db);
    this.studies = new StudyRepository(db);
    this.scheduledMessages = new ScheduledMessageRepository(db);
    this.sms = new SmsRepository(db);
    this.serverKeys = new ServerKeyRepository(db);
    this.pushSubscriptions = new PushSubscriptionRepository(db);
    this.inboxConnections = new InboxConnectionRepository(db);
    this.whatsapp = new WhatsAppRepository(db);
    this.idempotencyKeys = new IdempotencyKeyRepository(db);
    this.modelSetup = new ModelSetupRepository(db);
  }

  /** Runs `work` in one transaction: everything it writes lands together or not at all. */
  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    return this.db.transaction().execute((transaction) => work(new Store(transaction)));
  }
}
