import type { Logger } from "pino";
import type { PushSettings } from "../channels/push/push-channel.ts";
import type { PushTransport } from "../channels/push/web-push-client.ts";
import type { SmsTransport, TwilioSettings } from "../channels/sms/twilio-client.ts";
import type { WhatsAppSettings, WhatsAppTransport } from "../channels/whatsapp/whatsapp-client.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { OutboundGuard } from "../lib/outbound-guard.ts";
import type { ScryptCost } from "../lib/password-hash.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import type { MediaProvider } from "../media/media.ts";
import type { LocalServerAddress } from "../models/local-model-servers.ts";
import type { CatalogEntry } from "../models/model-catalog.ts";
import type { ModelFiles } from "../models/model-files.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { ProviderConfig } from "../models/provider-config.ts";
import type { RateLimits } from "../rate-limits/rate-limits.ts";
import type { MediaLimits, MediaPrices } from "../services/media/media-generation.ts";
import type { PriceTable } from "../services/pricing.ts";
import type { MemoryTierBudgets } from "../services/reply-prompt.ts";
import type { SpeechLimits } from "../services/speech/speech-service.ts";
import type { SpeechPrices } from "../services/speech/speech-usage.ts";
import type { SpeechProvider } from "../speech/speech.ts";
import type { BlobStore } from "../store/blob-store.ts";

/** What createServices builds from: injected parts (registry, queue, secrets) and the operator's settings. */
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
