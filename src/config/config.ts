import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PLACEHOLDER_VAPID_SUBJECT, isVapidSubject } from "../channels/push/vapid.ts";
import { parseOutboundAllowList } from "../lib/outbound-guard.ts";
import { parseLocalModelServers, type LocalServerAddress } from "../models/local-model-servers.ts";
import type { RateLimitSettings } from "../rate-limits/rate-limits.ts";
import {
  providerConfigListSchema,
  providersFromWellKnownVariables,
  type ProviderConfig,
} from "../models/provider-config.ts";
import {
  speechProviderConfigListSchema,
  speechProvidersFromWellKnownVariables,
  type SpeechProviderConfig,
} from "../speech/speech-config.ts";
import {
  mediaProviderConfigListSchema,
  mediaProvidersFromWellKnownVariables,
  type MediaProviderConfig,
} from "../media/media-config.ts";

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

/** Files under `<dataDir>/blobs` (the default), or objects in an S3-compatible bucket. */
export type BlobStoreSettings =
  | { readonly kind: "file"; readonly quotaBytes: number | undefined }
  | { readonly kind: "s3"; readonly quotaBytes: number | undefined; readonly s3: S3Settings };

/** An S3-compatible bucket (DRAMATIS_S3_*). */
export interface S3Settings {
  readonly bucket: string;
  /** MinIO, R2, ...; undefined: AWS */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** "" or ending in `/` */
  readonly prefix: string;
  readonly forcePathStyle: boolean;
  /** both, or neither: then the AWS SDK's default chain (AWS_ACCESS_KEY_ID, profiles, instance roles) */
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

/** Thrown when configuration is invalid; lists every bad value at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const integerText = (minimum: number, maximum: number, expected: string) =>
  z
    .string()
    .regex(/^\d+$/, `expected ${expected}`)
    .transform(Number)
    .refine((value) => value >= minimum && value <= maximum, `expected ${expected}`);

const decimalText = (minimum: number, maximum: number, expected: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?(e-?\d+)?$/i, `expected ${expected}`)
    .transform(Number)
    .refine((value) => value >= minimum && value <= maximum, `expected ${expected}`);

const booleanText = (meaning: string) =>
  z
    .enum(["true", "false", "1", "0"], { message: `expected true or false (${meaning})` })
    .transform((value) => value === "true" || value === "1");

/** Each setting: the environment variable, the CLI flag that overrides it, and how to validate it. */
const settings = {
  PORT: { flag: "port", schema: integerText(0, 65535, "a port number 0-65535"), fallback: "8787" },
  HOST: {
    flag: "host",
    schema: z.string().min(1, "expected a host name or IP address"),
    fallback: "127.0.0.1",
  },
  DRAMATIS_DATA_DIR: {
    flag: "data-dir",
    schema: z.string().min(1, "expected a directory path"),
    fallback: "./data",
  },
  DATABASE_URL: {
    flag: "database-url",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" ||
          (/^(postgres|postgresql):\/\//.test(value) && isUrl(value)) ||
          /^(sqlite|file):/.test(value),
        "expected a postgres:// URL (user, password and host URL-encoded), a sqlite:<file> path, or nothing (SQLite in the data dir)",
      ),
    fallback: "",
  },
  DRAMATIS_ADMIN_KEY: {
    flag: "admin-key",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[\x21-\x7e]{24,200}$/.test(value),
        "expected 24-200 printable characters without spaces",
      ),
    fallback: "",
  },
  DRAMATIS_SETUP_TOKEN: {
    flag: "setup-token",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[\x21-\x7e]{12,200}$/.test(value),
        "expected 12-200 printable characters without spaces",
      ),
    fallback: "",
  },
  LOG_LEVEL: {
    flag: "log-level",
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "expected one of fatal, error, warn, info, debug, trace, silent",
    }),
    fallback: "info",
  },
  DRAMATIS_BODY_LIMIT: {
    flag: "body-limit",
    schema: integerText(1024, 100 * 1024 * 1024, "a byte count between 1024 and 104857600"),
    fallback: String(1024 * 1024),
  },
  DRAMATIS_IMPORT_LIMIT: {
    flag: "import-limit",
    schema: integerText(1024, 100 * 1024 * 1024, "a byte count between 1024 and 104857600"),
    fallback: String(10 * 1024 * 1024),
  },
  DRAMATIS_MEMORY_IMPORT_LIMIT: {
    flag: "memory-import-limit",
    schema: integerText(1024, 2 * 1024 * 1024 * 1024, "a byte count between 1024 and 2147483648"),
    fallback: String(256 * 1024 * 1024),
  },
  DRAMATIS_SHUTDOWN_TIMEOUT_MS: {
    flag: "shutdown-timeout-ms",
    schema: integerText(0, 600_000, "milliseconds between 0 and 600000"),
    fallback: "10000",
  },
  DRAMATIS_WORKER_CONCURRENCY: {
    flag: "worker-concurrency",
    schema: integerText(1, 1024, "a number of jobs between 1 and 1024"),
    fallback: "64",
  },
  DRAMATIS_JOB_LEASE_MS: {
    flag: "job-lease-ms",
    schema: integerText(1000, 600_000, "milliseconds between 1000 and 600000"),
    fallback: "30000",
  },
  DRAMATIS_DEFAULT_MODEL: {
    flag: "default-model",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[a-z0-9][a-z0-9_.-]*\/\S+$/i.test(value),
        "expected provider/model",
      ),
    fallback: "",
  },
  DRAMATIS_EMBEDDING_MODEL: {
    flag: "embedding-model",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[a-z0-9][a-z0-9_.-]*\/\S+$/i.test(value),
        "expected provider/model",
      ),
    fallback: "",
  },
  DRAMATIS_MEMORY_TIER_TOKENS: {
    flag: "memory-tier-tokens",
    schema: z
      .string()
      .transform(parseTierBudgets)
      .refine(
        (value) => value !== undefined,
        "expected basic=N,extended=N,longest=N with N from 100 to 2000000",
      ),
    fallback: "basic=2000,extended=8000,longest=32000",
  },
  DRAMATIS_PRICES: {
    flag: "prices",
    schema: z
      .string()
      .transform(parsePrices)
      .refine(
        (value) => value !== undefined,
        'expected JSON like {"openai/gpt-4o": {"input": 2.5, "output": 10}} (dollars per million tokens)',
      ),
    fallback: "{}",
  },
  DRAMATIS_PROVIDERS: {
    flag: "providers",
    schema: z.string().transform((text, context) => parseProviders(text, context, "DRAMATIS_PROVIDERS")),
    fallback: "[]",
  },
  DRAMATIS_SPEECH_PROVIDERS: {
    flag: "speech-providers",
    schema: z.string().transform((text, context) => parseSpeechProviders(text, context)),
    fallback: "[]",
  },
  DRAMATIS_MEDIA_PROVIDERS: {
    flag: "media-providers",
    schema: z.string().transform((text, context) => parseMediaProviders(text, context)),
    fallback: "[]",
  },
  DRAMATIS_IMAGE_MODEL: {
    flag: "image-model",
    schema: z
      .string()
      .refine((value) => value === "" || /^[a-z0-9][a-z0-9_-]*\/\S+$/.test(value), "expected provider/model"),
    fallback: "",
  },
  DRAMATIS_MEDIA_DAILY_LIMIT: {
    flag: "media-daily-limit",
    schema: integerText(0, 1_000_000, "a count between 0 and 1000000"),
    fallback: "200",
  },
  DRAMATIS_VIDEO_MODEL: {
    flag: "video-model",
    schema: z
      .string()
      .refine((value) => value === "" || /^[a-z0-9][a-z0-9_-]*\/\S+$/.test(value), "expected provider/model"),
    fallback: "",
  },
  DRAMATIS_TRANSCRIPTION: {
    flag: "transcription",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[a-z0-9][a-z0-9_-]*$/.test(value),
        "expected a speech provider name",
      ),
    fallback: "",
  },
  DRAMATIS_DEFAULT_VOICE: {
    flag: "default-voice",
    schema: z
      .string()
      .refine((value) => value === "" || /^[a-z0-9][a-z0-9_-]*\/\S+$/.test(value), "expected provider/voice"),
    fallback: "",
  },
  DRAMATIS_OFFLINE_TRANSCRIPTION: {
    flag: "offline-transcription",
    schema: z.enum(["auto", "on", "off"], { message: "expected auto, on or off" }),
    fallback: "auto",
  },
  DRAMATIS_TTS_PRICE_PER_CHARACTER: {
    flag: "tts-price-per-character",
    schema: decimalText(0, 1, "dollars per character between 0 and 1"),
    fallback: "0.000018",
  },
  DRAMATIS_STT_PRICE_PER_MINUTE: {
    flag: "stt-price-per-minute",
    schema: decimalText(0, 100, "dollars per minute between 0 and 100"),
    fallback: "0.006",
  },
  DRAMATIS_CALL_PRICE_PER_MINUTE: {
    flag: "call-price-per-minute",
    schema: decimalText(0, 100, "dollars per minute between 0 and 100"),
    fallback: "0.014",
  },
  DRAMATIS_PROVIDERS_FILE: {
    flag: "providers-file",
    schema: z.string().transform((file, context) => {
      if (file === "") return [];
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (error) {
        context.addIssue({ code: "custom", message: `cannot read the file: ${(error as Error).message}` });
        return z.NEVER;
      }
      return parseProviders(text, context, file);
    }),
    fallback: "",
  },
  DRAMATIS_SECRET_KEY: {
    flag: "secret-key",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" || /^[0-9a-f]{64}$/i.test(value) || Buffer.from(value, "base64").length === 32,
        "expected 64 hex characters or base64 of 32 random bytes (openssl rand -hex 32)",
      ),
    fallback: "",
  },
  DRAMATIS_SECRET_KEY_PREVIOUS: {
    flag: "secret-key-previous",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" || /^[0-9a-f]{64}$/i.test(value) || Buffer.from(value, "base64").length === 32,
        "expected the previous DRAMATIS_SECRET_KEY: 64 hex characters or base64 of 32 bytes",
      ),
    fallback: "",
  },
  DRAMATIS_METRICS_TOKEN: {
    flag: "metrics-token",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[\x21-\x7e]{16,200}$/.test(value),
        "expected 16-200 printable characters without spaces (openssl rand -hex 24)",
      ),
    fallback: "",
  },
  DRAMATIS_METRICS_PORT: {
    flag: "metrics-port",
    schema: z
      .string()
      .regex(/^$|^\d+$/, "expected a port number 0-65535 (0: any free one), or nothing for none")
      .transform((value) => (value === "" ? undefined : Number(value)))
      .refine(
        (value) => value === undefined || (value >= 0 && value <= 65535),
        "expected a port number 0-65535 (0: any free one), or nothing for none",
      ),
    fallback: "",
  },
  REDIS_URL: {
    flag: "redis-url",
    schema: z
      .string()
      .refine(
        (value) => value === "" || (/^rediss?:\/\//.test(value) && isUrl(value)),
        "expected a redis:// or rediss:// URL (user, password and host URL-encoded)",
      ),
    fallback: "",
  },
  DRAMATIS_LLAMA_RUNTIME: {
    flag: "llama-runtime",
    schema: z.string(),
    fallback: "",
  },
  TWILIO_ACCOUNT_SID: {
    flag: "twilio-account-sid",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^AC[0-9a-f]{32}$/i.test(value),
        "expected AC and 32 hexadecimal characters (the Account SID in Twilio's console)",
      ),
    fallback: "",
  },
  TWILIO_AUTH_TOKEN: {
    flag: "twilio-auth-token",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected a token without spaces"),
    fallback: "",
  },
  TWILIO_BASE_URL: {
    flag: "twilio-base-url",
    schema: z.string().refine(isHttpUrl, "expected an http(s) URL such as https://api.twilio.com"),
    fallback: "https://api.twilio.com",
  },
  DRAMATIS_CLOCK_START: {
    flag: "clock-start",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" || (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) && !Number.isNaN(Date.parse(value))),
        "expected an ISO 8601 date and time such as 2026-12-03T07:55:00+01:00",
      ),
    fallback: "",
  },
  DRAMATIS_CLOCK_ANCHOR: {
    flag: "clock-anchor",
    schema: z
      .string()
      .refine(
        (value) =>
          value === "" || (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) && !Number.isNaN(Date.parse(value))),
        "expected the real ISO 8601 date and time at which the simulated clock reads DRAMATIS_CLOCK_START",
      ),
    fallback: "",
  },
  DRAMATIS_CLOCK_SPEED: {
    flag: "clock-speed",
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, "expected a number from 1 to 100000 (how many times faster than real time)")
      .transform(Number)
      .refine(
        (value) => value >= 1 && value <= 100_000,
        "expected a number from 1 to 100000 (how many times faster than real time)",
      ),
    fallback: "1",
  },
  DRAMATIS_PUBLIC_URL: {
    flag: "public-url",
    schema: z
      .string()
      .refine(
        (value) => value === "" || isHttpUrl(value),
        "expected the server's public http(s) address without query or fragment, such as https://chat.example.com",
      ),
    fallback: "",
  },
  DRAMATIS_VAPID_SUBJECT: {
    flag: "vapid-subject",
    schema: z
      .string()
      .refine(
        (value) => value === "" || isVapidSubject(value),
        "expected a mailto: address or an https: URL where push services can reach the operator, such as " +
          "mailto:admin@example.com (not on localhost: Apple's push service refuses it)",
      ),
    fallback: "",
  },
  DRAMATIS_RATE_LIMIT_PER_MINUTE: {
    flag: "rate-limit-per-minute",
    schema: integerText(1, 1_000_000, "requests per minute between 1 and 1000000"),
    fallback: "600",
  },
  DRAMATIS_RATE_LIMIT_ANONYMOUS_PER_MINUTE: {
    flag: "rate-limit-anonymous-per-minute",
    schema: integerText(1, 1_000_000, "requests per minute between 1 and 1000000"),
    fallback: "120",
  },
  DRAMATIS_SIGN_IN_FAILURES_PER_EMAIL: {
    flag: "sign-in-failures-per-email",
    schema: integerText(1, 10_000, "a number of failed sign-ins between 1 and 10000"),
    fallback: "10",
  },
  DRAMATIS_SIGN_IN_FAILURES_PER_ADDRESS: {
    flag: "sign-in-failures-per-address",
    schema: integerText(1, 100_000, "a number of failed sign-ins between 1 and 100000"),
    fallback: "50",
  },
  DRAMATIS_SIGN_IN_WINDOW_MINUTES: {
    flag: "sign-in-window-minutes",
    schema: integerText(1, 1440, "minutes between 1 and 1440"),
    fallback: "15",
  },
  DRAMATIS_VERIFICATION_CODES_PER_HOUR: {
    flag: "verification-codes-per-hour",
    schema: integerText(1, 10_000, "a number of codes between 1 and 10000"),
    fallback: "10",
  },
  DRAMATIS_TRUST_PROXY: {
    flag: "trust-proxy",
    schema: z
      .string()
      .regex(
        /^(true|false|\d{1,2})$/,
        "expected false, true or the number of proxies in front of the server (0-99)",
      )
      .transform((value) => (value === "true" ? 1 : value === "false" ? 0 : Number(value))),
    fallback: "false",
  },
  DRAMATIS_PUSH_ALLOW_HTTP: {
    flag: "push-allow-http",
    schema: booleanText("accept http:// push endpoints on loopback hosts"),
    fallback: "false",
  },
  DRAMATIS_OUTBOUND_ALLOW: {
    flag: "outbound-allow",
    schema: z.string().refine((value) => {
      try {
        parseOutboundAllowList(value);
        return true;
      } catch {
        return false;
      }
    }, "expected comma-separated hosts, IP addresses or CIDR ranges, each with an optional :port, such as " + "127.0.0.1:11434,10.0.0.0/8"),
    fallback: "",
  },
  DRAMATIS_LOCAL_MODEL_SERVERS: {
    flag: "local-model-servers",
    schema: z.string().transform((text, context) => {
      try {
        return parseLocalModelServers(text);
      } catch (error) {
        context.addIssue({
          code: "custom",
          message: `${(error as Error).message} (or leave it empty for the well-known ports, or off)`,
        });
        return z.NEVER;
      }
    }),
    fallback: "",
  },
  DRAMATIS_MODEL_CATALOG: {
    flag: "model-catalog",
    schema: z.string(),
    fallback: "",
  },
  WHATSAPP_VERIFY_TOKEN: {
    flag: "whatsapp-verify-token",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected a token without spaces"),
    fallback: "",
  },
  WHATSAPP_APP_SECRET: {
    flag: "whatsapp-app-secret",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected the app secret without spaces"),
    fallback: "",
  },
  WHATSAPP_ACCESS_TOKEN: {
    flag: "whatsapp-access-token",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected an access token without spaces"),
    fallback: "",
  },
  WHATSAPP_BASE_URL: {
    flag: "whatsapp-base-url",
    schema: z.string().refine(isHttpUrl, "expected an http(s) URL such as https://graph.facebook.com"),
    fallback: "https://graph.facebook.com",
  },
  WHATSAPP_API_VERSION: {
    flag: "whatsapp-api-version",
    schema: z.string().regex(/^v\d+\.\d+$/, "expected a Graph API version such as v21.0"),
    fallback: "v21.0",
  },
  DRAMATIS_BLOB_STORE: {
    flag: "blob-store",
    schema: z.enum(["file", "s3"], {
      message: "expected file (under the data directory) or s3 (an S3-compatible bucket: DRAMATIS_S3_BUCKET)",
    }),
    fallback: "file",
  },
  DRAMATIS_BLOB_QUOTA_MB: {
    flag: "blob-quota-mb",
    schema: z
      .string()
      .regex(/^$|^\d+$/, "expected megabytes each tenant may store (1-100000000), or nothing for no limit")
      .transform((value) => (value === "" ? undefined : Number(value)))
      .refine(
        (value) => value === undefined || (value >= 1 && value <= 100_000_000),
        "expected megabytes each tenant may store (1-100000000), or nothing for no limit",
      ),
    fallback: "",
  },
  DRAMATIS_S3_BUCKET: {
    flag: "s3-bucket",
    schema: z
      .string()
      .refine(
        (value) => value === "" || /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(value),
        "expected a bucket name: 3-63 lowercase letters, digits, dots and hyphens",
      ),
    fallback: "",
  },
  DRAMATIS_S3_ENDPOINT: {
    flag: "s3-endpoint",
    schema: z
      .string()
      .refine(
        (value) => value === "" || isHttpUrl(value),
        "expected the http(s) address of an S3-compatible service, such as http://127.0.0.1:9000 (MinIO), or nothing for AWS",
      ),
    fallback: "",
  },
  DRAMATIS_S3_REGION: {
    flag: "s3-region",
    schema: z
      .string()
      .regex(/^[a-z0-9-]{2,40}$/, "expected a region such as us-east-1 (auto for Cloudflare R2)"),
    fallback: "us-east-1",
  },
  DRAMATIS_S3_PREFIX: {
    flag: "s3-prefix",
    schema: z
      .string()
      .regex(
        /^$|^[\x21-\x7e]{1,200}$/,
        "expected a key prefix of up to 200 printable characters without spaces, such as dramatis/",
      )
      .refine(
        (value) => !value.startsWith("/") && !value.includes("//"),
        "expected a key prefix that neither starts with / nor contains //, such as dramatis/",
      )
      // A folder: `dramatis` would otherwise make keys like `dramatissha256/…`.
      .transform((value) => (value === "" || value.endsWith("/") ? value : `${value}/`)),
    fallback: "",
  },
  DRAMATIS_S3_FORCE_PATH_STYLE: {
    flag: "s3-force-path-style",
    schema: booleanText(
      "address buckets as <endpoint>/<bucket>, as MinIO and most self-hosted services need",
    ),
    fallback: "false",
  },
  DRAMATIS_S3_ACCESS_KEY_ID: {
    flag: "s3-access-key-id",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected an access key id without spaces"),
    fallback: "",
  },
  DRAMATIS_S3_SECRET_ACCESS_KEY: {
    flag: "s3-secret-access-key",
    schema: z
      .string()
      .refine((value) => value === "" || /^\S+$/.test(value), "expected a secret access key without spaces"),
    fallback: "",
  },
} as const;

/** Parses as a URL (a port that is not a number, a stray `@` or space does not). */
function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** An http(s) address without query or fragment (paths are appended to it). */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.search === "" && url.hash === "";
  } catch {
    return false;
  }
}

/**
 * A JSON array of service entries checked against `schema`, or one issue that names the first bad field and
 * shows the expected shape.
 */
function parseServiceList<T>(
  text: string,
  context: z.RefinementCtx,
  list: { schema: z.ZodType<T[]>; what: string; expected: string; prefix?: string },
): T[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    context.addIssue({ code: "custom", message: `expected a JSON array of ${list.what}` });
    return z.NEVER;
  }
  const result = list.schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    context.addIssue({
      code: "custom",
      message: `${list.prefix ?? list.what}.${issue?.path.join(".")}: ${issue?.message} (expected ${list.expected})`,
    });
    return z.NEVER;
  }
  return result.data;
}

function parseProviders(text: string, context: z.RefinementCtx, source: string): ProviderConfig[] {
  return parseServiceList(text, context, {
    schema: providerConfigListSchema,
    what: `providers in ${source}`,
    prefix: "providers",
    expected: `[{"name", "kind": "openai-compatible"|"anthropic", "base_url", "api_key_env", "models"}]`,
  });
}

function parseSpeechProviders(text: string, context: z.RefinementCtx): SpeechProviderConfig[] {
  return parseServiceList(text, context, {
    schema: speechProviderConfigListSchema,
    what: "speech providers",
    expected: `[{"name", "kind": "azure"|"openai-compatible"|"elevenlabs"|"deepgram", "base_url"|"region", "api_key_env"}]`,
  });
}

function parseMediaProviders(text: string, context: z.RefinementCtx): MediaProviderConfig[] {
  return parseServiceList(text, context, {
    schema: mediaProviderConfigListSchema,
    what: "media providers",
    expected: `[{"name", "kind": "openai-compatible"|"automatic1111"|"comfyui"|"replicate", "base_url", "api_key_env"}]`,
  });
}

function parseTierBudgets(text: string): Config["memoryTierBudgets"] | undefined {
  const entries = Object.fromEntries(
    text.split(",").map((part) => part.split("=").map((piece) => piece.trim())),
  );
  const budgets = {
    basic: Number(entries.basic),
    extended: Number(entries.extended),
    longest: Number(entries.longest),
  };
  const valid = Object.values(budgets).every(
    (value) => Number.isInteger(value) && value >= 100 && value <= 2_000_000,
  );
  return valid ? budgets : undefined;
}

const priceSchema = z.record(
  z.string(),
  z.strictObject({ input: z.number().min(0), output: z.number().min(0) }),
);

function parsePrices(text: string): Config["prices"] | undefined {
  try {
    const result = priceSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Later entries win: explicit configuration overrides what well-known variables imply. */
function mergeProviders(providers: ProviderConfig[]): ProviderConfig[] {
  return [...new Map(providers.map((provider) => [provider.name, provider])).values()];
}

/** Reads each provider's key from the variable it names, so the key is checked once, at start-up. */
function resolveProviderKeys<
  T extends { name: string; api_key?: string | undefined; api_key_env?: string | undefined },
>(
  providers: T[],
  environment: Record<string, string | undefined>,
  problems: string[],
  what = "provider",
): T[] {
  return providers.map((provider) => {
    if (provider.api_key || !provider.api_key_env) return provider;
    const key = environment[provider.api_key_env];
    if (!key) problems.push(`${what} ${provider.name}: ${provider.api_key_env} (its api_key_env) is not set`);
    return { ...provider, api_key: key };
  });
}

type SettingName = keyof typeof settings;
type SettingValues = { [K in SettingName]: z.output<(typeof settings)[K]["schema"]> };

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
  const providers =
    problems.length > 0
      ? []
      : resolveProviderKeys(
          mergeProviders([
            ...providersFromWellKnownVariables(environment),
            ...(values.DRAMATIS_PROVIDERS_FILE as ProviderConfig[]),
            ...(values.DRAMATIS_PROVIDERS as ProviderConfig[]),
          ]),
          environment,
          problems,
        );
  const speechProviders =
    problems.length > 0
      ? []
      : resolveProviderKeys(
          [
            ...new Map(
              [
                ...speechProvidersFromWellKnownVariables(environment),
                ...(values.DRAMATIS_SPEECH_PROVIDERS as SpeechProviderConfig[]),
              ].map((provider) => [provider.name, provider]),
            ).values(),
          ],
          environment,
          problems,
          "speech provider",
        );
  const mediaProviders =
    problems.length > 0
      ? []
      : resolveProviderKeys(
          [
            ...new Map(
              [
                ...mediaProvidersFromWellKnownVariables(environment),
                ...(values.DRAMATIS_MEDIA_PROVIDERS as MediaProviderConfig[]),
              ].map((provider) => [provider.name, provider]),
            ).values(),
          ],
          environment,
          problems,
          "media provider",
        );
  const whatsappSecrets = [
    values.WHATSAPP_VERIFY_TOKEN,
    values.WHATSAPP_APP_SECRET,
    values.WHATSAPP_ACCESS_TOKEN,
  ];
  if (whatsappSecrets.some(Boolean) && !whatsappSecrets.every(Boolean)) {
    problems.push(
      "WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET and WHATSAPP_ACCESS_TOKEN: set all three to enable WhatsApp, or none",
    );
  }
  if (Boolean(values.TWILIO_ACCOUNT_SID) !== Boolean(values.TWILIO_AUTH_TOKEN)) {
    problems.push("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both to enable SMS, or neither");
  }
  if (
    values.DRAMATIS_METRICS_PORT !== undefined &&
    values.DRAMATIS_METRICS_PORT === values.PORT &&
    values.PORT !== 0
  ) {
    problems.push("DRAMATIS_METRICS_PORT: must differ from PORT (the API serves /metrics on PORT already)");
  }
  if (values.DRAMATIS_BLOB_STORE === "s3" && !values.DRAMATIS_S3_BUCKET) {
    problems.push(
      "DRAMATIS_S3_BUCKET: required when DRAMATIS_BLOB_STORE is s3 (the bucket that holds the blobs)",
    );
  }
  if (Boolean(values.DRAMATIS_S3_ACCESS_KEY_ID) !== Boolean(values.DRAMATIS_S3_SECRET_ACCESS_KEY)) {
    problems.push(
      "DRAMATIS_S3_ACCESS_KEY_ID and DRAMATIS_S3_SECRET_ACCESS_KEY: set both, or neither to use AWS_ACCESS_KEY_ID and the AWS SDK's other sources",
    );
  }
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
    whatsapp: whatsappSecrets.every(Boolean)
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
    blobStore: blobStoreSettings(values),
  });
}

function blobStoreSettings(values: SettingValues): BlobStoreSettings {
  const quotaBytes =
    values.DRAMATIS_BLOB_QUOTA_MB === undefined ? undefined : values.DRAMATIS_BLOB_QUOTA_MB * 1024 * 1024;
  if (values.DRAMATIS_BLOB_STORE === "file") return Object.freeze({ kind: "file", quotaBytes });
  return Object.freeze({
    kind: "s3",
    quotaBytes,
    s3: Object.freeze({
      bucket: values.DRAMATIS_S3_BUCKET,
      endpoint: values.DRAMATIS_S3_ENDPOINT.replace(/\/+$/, "") || undefined,
      region: values.DRAMATIS_S3_REGION,
      prefix: values.DRAMATIS_S3_PREFIX,
      forcePathStyle: values.DRAMATIS_S3_FORCE_PATH_STYLE,
      accessKeyId: values.DRAMATIS_S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: values.DRAMATIS_S3_SECRET_ACCESS_KEY || undefined,
    }),
  });
}
