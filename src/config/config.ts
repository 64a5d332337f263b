import path from "node:path";
import { PLACEHOLDER_VAPID_SUBJECT, isVapidSubject } from "../channels/push/vapid.ts";
import type { LocalServerAddress } from "../models/local-model-servers.ts";
import type { ProviderConfig } from "../models/provider-config.ts";
import type { RateLimitSettings } from "../rate-limits/rate-limits.ts";
import type { SpeechProviderConfig } from "../speech/speech-config.ts";
import type { MediaProviderConfig } from "../media/media-config.ts";
import { readBlobStoreSettings, type BlobStoreSettings } from "./blob-store-settings.ts";
import { checkSettingCombinations } from "./check-setting-combinations.ts";
import { resolveProviders } from "./resolve-providers.ts";
import { settings, type SettingName, type SettingValues } from "./settings.ts";

/** The validated, frozen configuration every part of the server reads. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database:
    { readonly kind: "sqlite"; readonly file: string } | { readonly kind: "postgres"; readonly url: string };
  readonly adminKey: string | undefined;
  /** the token first-start setup asks for; random (and printed) when not set */
  readonly setupToken: string | undefined;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly bodyLimitBytes: number;
  readonly importLimitBytes: number;
  /** Largest memory bulk import (JSON array or JSON Lines). */
  readonly memoryImportLimitBytes: number;
  readonly shutdownTimeoutMs: number;
  /** jobs one worker process runs at once (model calls mostly wait on the network) */
  readonly workerConcurrency: number;
  /** how long a crashed worker's jobs stay claimed before another worker takes them over */
  readonly jobLeaseMs: number;
  /** The model personas use when they name none (`provider/model`); undefined: decided at start-up. */
  readonly defaultModel: string | undefined;
  /** `provider/model` that embeds memories for semantic search; undefined: full-text retrieval only. */
  readonly embeddingModel: string | undefined;
  /** Prompt token budgets of the memory tiers. */
  readonly memoryTierBudgets: { basic: number; extended: number; longest: number };
  /** Price overrides by model id (`openai/gpt-4o`, `openai/*`), US dollars per million tokens. */
  readonly prices: Record<string, { input: number; output: number }>;
  /** Picture and video services (DRAMATIS_MEDIA_PROVIDERS, OPENAI_API_KEY, REPLICATE_API_TOKEN) and the default models. */
  readonly media: {
    readonly providers: readonly MediaProviderConfig[];
    /** `provider/model` for pictures unless a request names one (DRAMATIS_IMAGE_MODEL) */
    readonly imageModel: string | undefined;
    /** `provider/model` for videos unless a request names one (DRAMATIS_VIDEO_MODEL) */
    readonly videoModel: string | undefined;
    /** pictures and videos one user may ask for in 24 hours (DRAMATIS_MEDIA_DAILY_LIMIT) */
    readonly dailyLimit: number;
  };
  /** Speech services: the operator's (DRAMATIS_SPEECH_PROVIDERS, OPENAI_API_KEY, AZURE_SPEECH_*, …) and the embedded choices. */
  readonly speech: {
    readonly providers: readonly SpeechProviderConfig[];
    /** the recognizer used unless a request names one (DRAMATIS_TRANSCRIPTION) */
    readonly transcription: string | undefined;
    readonly defaultVoice: string | undefined;
    /** PocketSphinx: auto (when installed), on (required), off */
    readonly offlineTranscription: "auto" | "on" | "off";
    readonly prices: {
      readonly ttsPerCharacter: number;
      readonly sttPerMinute: number;
      readonly callPerMinute: number;
    };
  };
  /** Model providers configured by the operator (DRAMATIS_PROVIDERS, the providers file, OPENAI_API_KEY, …). */
  readonly providers: readonly ProviderConfig[];
  /** Key for secrets at rest (hex or base64 of 32 bytes); undefined: `<data dir>/secret.key`. */
  readonly secretKey: string | undefined;
  /**
   * The key secrets were sealed with before a rotation (DRAMATIS_SECRET_KEY_PREVIOUS): still opens old
   * values, which are resealed with the current key when next written.
   */
  readonly previousSecretKey: string | undefined;
  /** Bearer token `/metrics` asks for (DRAMATIS_METRICS_TOKEN); undefined: `/metrics` is open. */
  readonly metricsToken: string | undefined;
  /**
   * A port of its own serving only `/metrics` (DRAMATIS_METRICS_PORT), in every role: how a worker, which
   * serves no API, is scraped. undefined: none (the API's `/metrics` only).
   */
  readonly metricsPort: number | undefined;
  /** Redis for the job queue (BullMQ) and rate-limit counters; undefined: both live in the database. */
  readonly redisUrl: string | undefined;
  /** Request rates and sign-in throttles (DRAMATIS_RATE_LIMIT_*, DRAMATIS_SIGN_IN_*). */
  readonly rateLimits: RateLimitSettings;
  /**
   * How many reverse proxies in front of the server append to X-Forwarded-For (DRAMATIS_TRUST_PROXY: false
   * = 0, true = 1, or a number). 0: the client address is the socket's and the header is ignored.
   */
  readonly trustProxyHops: number;
  /** Where the optional local-model runtime (node-llama-cpp) is installed. */
  readonly llamaRuntimeDirectory: string;
  /** Twilio's account for SMS (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN); undefined: SMS is off. */
  readonly twilio:
    { readonly accountSid: string; readonly authToken: string; readonly baseUrl: string } | undefined;
  /**
   * The address the server is reached at from the internet (DRAMATIS_PUBLIC_URL), e.g. behind a proxy;
   * webhook signatures are checked against it. Undefined: the URL each request arrived at.
   */
  readonly publicUrl: string | undefined;
  /**
   * The VAPID `sub` web push services may contact the operator at (DRAMATIS_VAPID_SUBJECT), mailto: or
   * https:; default: DRAMATIS_PUBLIC_URL when it is https, else a placeholder.
   */
  readonly vapidSubject: string;
  /** Accept plain-http push endpoints on loopback hosts (DRAMATIS_PUSH_ALLOW_HTTP): local push servers, tests. */
  readonly pushAllowHttp: boolean;
  /**
   * Addresses the outbound guard lets tenant-supplied URLs reach although they are loopback or private
   * (DRAMATIS_OUTBOUND_ALLOW): hosts, IPs or CIDRs with an optional port, e.g. `127.0.0.1:11434`.
   */
  readonly outboundAllow: readonly string[];
  /**
   * Model servers on this machine that discovery probes and the operator's tenant may add as providers
   * (DRAMATIS_LOCAL_MODEL_SERVERS): the well-known ports by default, `off` for none.
   */
  readonly localModelServers: readonly LocalServerAddress[];
  /** A JSON file replacing the curated model download catalog (DRAMATIS_MODEL_CATALOG); undefined: built in. */
  readonly modelCatalogFile: string | undefined;
  /** Meta's WhatsApp Cloud API (WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_ACCESS_TOKEN); undefined: off. */
  readonly whatsapp:
    | {
        readonly verifyToken: string;
        readonly appSecret: string;
        readonly accessToken: string;
        readonly baseUrl: string;
        readonly apiVersion: string;
      }
    | undefined;
  /**
   * A simulated clock for trying out proactive messages (DRAMATIS_CLOCK_START, DRAMATIS_CLOCK_SPEED): the
   * server's time starts at `start` and runs `rate` times faster. Undefined: real time.
   */
  readonly simulatedClock:
    { readonly start: Date; readonly rate: number; readonly anchor: Date | undefined } | undefined;
  /** Where blobs' bytes go (DRAMATIS_BLOB_STORE, DRAMATIS_S3_*) and each tenant's quota (DRAMATIS_BLOB_QUOTA_MB). */
  readonly blobStore: BlobStoreSettings;
}

/** Thrown when configuration is invalid; lists every bad value at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Settings whose values are secrets (or may hold one, as a URL's password does). */
const SECRET_SETTINGS: readonly SettingName[] = [
  "DATABASE_URL",
  "REDIS_URL",
  "DRAMATIS_ADMIN_KEY",
  "DRAMATIS_SETUP_TOKEN",
  "DRAMATIS_SECRET_KEY",
  "DRAMATIS_SECRET_KEY_PREVIOUS",
  "DRAMATIS_METRICS_TOKEN",
  "DRAMATIS_PROVIDERS",
  "DRAMATIS_SPEECH_PROVIDERS",
  "DRAMATIS_MEDIA_PROVIDERS",
  "TWILIO_AUTH_TOKEN",
  "WHATSAPP_VERIFY_TOKEN",
  "WHATSAPP_APP_SECRET",
  "WHATSAPP_ACCESS_TOKEN",
  "DRAMATIS_S3_SECRET_ACCESS_KEY",
];

/**
 * The secret values present in `environment` (configured settings and well-known provider keys), so
 * output that might quote one (an unexpected error's stack) can be redacted.
 */
export function configuredSecrets(environment: Record<string, string | undefined>): string[] {
  const names = [
    ...SECRET_SETTINGS,
    ...Object.keys(environment).filter((name) =>
      /(_API_KEY|_TOKEN|_SECRET|_PASSWORD|_SECRET_ACCESS_KEY)$/.test(name),
    ),
  ];
  return names
    .map((name) => environment[name])
    .filter((value): value is string => value !== undefined && value.length >= 8 && !value.startsWith("["));
}

/** Flag names accepted by `dramatis serve`, for the CLI's argument parser. */
export const CONFIG_FLAGS = Object.values(settings).map((setting) => setting.flag);

/**
 * Reads settings from flags (first) and environment variables, validates all of them and returns a frozen
 * Config, or throws one ConfigError listing every problem.
 *
 * @example loadConfig(process.env, { port: "9000" })
 */
export function loadConfig(
  environment: Record<string, string | undefined>,
  flags: Record<string, string | undefined> = {},
): Config {
  const problems: string[] = [];
  const values = {} as SettingValues;
  for (const [name, setting] of Object.entries(settings) as [SettingName, (typeof settings)[SettingName]][]) {
    const fromFlag = flags[setting.flag];
    const raw = fromFlag ?? environment[name] ?? setting.fallback;
    const result = setting.schema.safeParse(raw);
    if (result.success) {
      (values as Record<string, unknown>)[name] = result.data;
    } else {
      // Never the value: many settings are secrets (keys, tokens, URLs with passwords), and error output
      // ends up in terminals, CI logs and bug reports.
      const source = fromFlag === undefined ? name : `--${setting.flag}`;
      problems.push(`${source}: ${result.error.issues[0]?.message ?? "invalid"}`);
    }
  }
  const { providers, speechProviders, mediaProviders } = resolveProviders(values, environment, problems);
  checkSettingCombinations(values, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(values.DRAMATIS_DATA_DIR);
  const databaseUrl = values.DATABASE_URL;
  const database: Config["database"] = /^postgres(ql)?:\/\//.test(databaseUrl)
    ? { kind: "postgres", url: databaseUrl }
    : {
        kind: "sqlite",
        file:
          databaseUrl === ""
            ? path.join(dataDir, "dramatis.sqlite")
            : path.resolve(databaseUrl.replace(/^(sqlite|file):(\/\/)?/, "")),
      };
  return Object.freeze({
    port: values.PORT,
    host: values.HOST,
    dataDir,
    database: Object.freeze(database),
    adminKey: values.DRAMATIS_ADMIN_KEY || undefined,
    setupToken: values.DRAMATIS_SETUP_TOKEN || undefined,
    logLevel: values.LOG_LEVEL,
    bodyLimitBytes: values.DRAMATIS_BODY_LIMIT,
    importLimitBytes: values.DRAMATIS_IMPORT_LIMIT,
    memoryImportLimitBytes: values.DRAMATIS_MEMORY_IMPORT_LIMIT,
    shutdownTimeoutMs: values.DRAMATIS_SHUTDOWN_TIMEOUT_MS,
    workerConcurrency: values.DRAMATIS_WORKER_CONCURRENCY,
    jobLeaseMs: values.DRAMATIS_JOB_LEASE_MS,
    defaultModel: values.DRAMATIS_DEFAULT_MODEL || undefined,
    embeddingModel: values.DRAMATIS_EMBEDDING_MODEL || undefined,
    memoryTierBudgets: Object.freeze(values.DRAMATIS_MEMORY_TIER_TOKENS as Config["memoryTierBudgets"]),
    prices: Object.freeze(values.DRAMATIS_PRICES as Config["prices"]),
    providers: Object.freeze(providers),
    media: Object.freeze({
      providers: Object.freeze(mediaProviders),
      imageModel: values.DRAMATIS_IMAGE_MODEL || undefined,
      videoModel: values.DRAMATIS_VIDEO_MODEL || undefined,
      dailyLimit: values.DRAMATIS_MEDIA_DAILY_LIMIT,
    }),
    speech: Object.freeze({
      providers: Object.freeze(speechProviders),
      transcription: values.DRAMATIS_TRANSCRIPTION || undefined,
      defaultVoice: values.DRAMATIS_DEFAULT_VOICE || undefined,
      offlineTranscription: values.DRAMATIS_OFFLINE_TRANSCRIPTION,
      prices: Object.freeze({
        ttsPerCharacter: values.DRAMATIS_TTS_PRICE_PER_CHARACTER,
        sttPerMinute: values.DRAMATIS_STT_PRICE_PER_MINUTE,
        callPerMinute: values.DRAMATIS_CALL_PRICE_PER_MINUTE,
      }),
    }),
    redisUrl: values.REDIS_URL || undefined,
    rateLimits: Object.freeze({
      requestsPerMinute: values.DRAMATIS_RATE_LIMIT_PER_MINUTE,
      anonymousPerMinute: values.DRAMATIS_RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      signInFailuresPerEmail: values.DRAMATIS_SIGN_IN_FAILURES_PER_EMAIL,
      signInFailuresPerAddress: values.DRAMATIS_SIGN_IN_FAILURES_PER_ADDRESS,
      signInWindowSeconds: values.DRAMATIS_SIGN_IN_WINDOW_MINUTES * 60,
      verificationCodesPerHour: values.DRAMATIS_VERIFICATION_CODES_PER_HOUR,
    }),
    trustProxyHops: values.DRAMATIS_TRUST_PROXY,
    secretKey: values.DRAMATIS_SECRET_KEY || undefined,
    previousSecretKey: values.DRAMATIS_SECRET_KEY_PREVIOUS || undefined,
    metricsToken: values.DRAMATIS_METRICS_TOKEN || undefined,
    metricsPort: values.DRAMATIS_METRICS_PORT,
    llamaRuntimeDirectory: path.resolve(values.DRAMATIS_LLAMA_RUNTIME || path.join(dataDir, "runtime")),
    twilio:
      values.TWILIO_ACCOUNT_SID && values.TWILIO_AUTH_TOKEN
        ? Object.freeze({
            accountSid: values.TWILIO_ACCOUNT_SID,
            authToken: values.TWILIO_AUTH_TOKEN,
            baseUrl: values.TWILIO_BASE_URL.replace(/\/+$/, ""),
          })
        : undefined,
    publicUrl: values.DRAMATIS_PUBLIC_URL.replace(/\/+$/, "") || undefined,
    vapidSubject:
      values.DRAMATIS_VAPID_SUBJECT ||
      (isVapidSubject(values.DRAMATIS_PUBLIC_URL) ? values.DRAMATIS_PUBLIC_URL.replace(/\/+$/, "") : "") ||
      PLACEHOLDER_VAPID_SUBJECT,
    pushAllowHttp: values.DRAMATIS_PUSH_ALLOW_HTTP,
    outboundAllow: Object.freeze(
      values.DRAMATIS_OUTBOUND_ALLOW.split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
    localModelServers: Object.freeze([
      ...(values.DRAMATIS_LOCAL_MODEL_SERVERS as readonly LocalServerAddress[]),
    ]),
    modelCatalogFile: values.DRAMATIS_MODEL_CATALOG ? path.resolve(values.DRAMATIS_MODEL_CATALOG) : undefined,
    whatsapp:
      values.WHATSAPP_VERIFY_TOKEN && values.WHATSAPP_APP_SECRET && values.WHATSAPP_ACCESS_TOKEN
        ? Object.freeze({
            verifyToken: values.WHATSAPP_VERIFY_TOKEN,
            appSecret: values.WHATSAPP_APP_SECRET,
            accessToken: values.WHATSAPP_ACCESS_TOKEN,
            baseUrl: values.WHATSAPP_BASE_URL.replace(/\/+$/, ""),
            apiVersion: values.WHATSAPP_API_VERSION,
          })
        : undefined,
    simulatedClock:
      values.DRAMATIS_CLOCK_START || values.DRAMATIS_CLOCK_SPEED !== 1
        ? Object.freeze({
            start: values.DRAMATIS_CLOCK_START ? new Date(values.DRAMATIS_CLOCK_START) : new Date(),
            rate: values.DRAMATIS_CLOCK_SPEED,
            anchor: values.DRAMATIS_CLOCK_ANCHOR ? new Date(values.DRAMATIS_CLOCK_ANCHOR) : undefined,
          })
        : undefined,
    blobStore: readBlobStoreSettings(values),
  });
}
