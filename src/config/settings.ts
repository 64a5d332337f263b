import type { z } from "zod";
import { blobSettings } from "./settings-blobs.ts";
import { channelSettings } from "./settings-channels.ts";
import { limitSettings } from "./settings-limits.ts";
import { mediaSettings } from "./settings-media.ts";
import { memorySettings } from "./settings-memory.ts";
import { modelSettings } from "./settings-models.ts";
import { securitySettings } from "./settings-security.ts";
import { serverSettings } from "./settings-server.ts";
import { speechSettings } from "./settings-speech.ts";

/*
 * Each setting: the environment variable, the CLI flag that overrides it, and how to validate it. A feature
 * area keeps its settings in a `settings-<area>.ts` file of its own; they meet here.
 */
const settingsByArea = {
  ...serverSettings,
  ...securitySettings,
  ...limitSettings,
  ...modelSettings,
  ...memorySettings,
  ...speechSettings,
  ...mediaSettings,
  ...channelSettings,
  ...blobSettings,
};

/**
 * The order `dramatis serve --help` lists the flags in and a ConfigError its problems. A setting left out
 * is not read at all, so `loadConfig` naming it does not compile.
 */
const SETTING_ORDER = [
  "PORT",
  "HOST",
  "DRAMATIS_DATA_DIR",
  "DATABASE_URL",
  "DRAMATIS_ADMIN_KEY",
  "DRAMATIS_SETUP_TOKEN",
  "LOG_LEVEL",
  "DRAMATIS_BODY_LIMIT",
  "DRAMATIS_IMPORT_LIMIT",
  "DRAMATIS_MEMORY_IMPORT_LIMIT",
  "DRAMATIS_SHUTDOWN_TIMEOUT_MS",
  "DRAMATIS_WORKER_CONCURRENCY",
  "DRAMATIS_JOB_LEASE_MS",
  "DRAMATIS_DEFAULT_MODEL",
  "DRAMATIS_EMBEDDING_MODEL",
  "DRAMATIS_MEMORY_TIER_TOKENS",
  "DRAMATIS_PRICES",
  "DRAMATIS_PROVIDERS",
  "DRAMATIS_SPEECH_PROVIDERS",
  "DRAMATIS_MEDIA_PROVIDERS",
  "DRAMATIS_IMAGE_MODEL",
  "DRAMATIS_MEDIA_DAILY_LIMIT",
  "DRAMATIS_VIDEO_MODEL",
  "DRAMATIS_TRANSCRIPTION",
  "DRAMATIS_DEFAULT_VOICE",
  "DRAMATIS_OFFLINE_TRANSCRIPTION",
  "DRAMATIS_TTS_PRICE_PER_CHARACTER",
  "DRAMATIS_STT_PRICE_PER_MINUTE",
  "DRAMATIS_CALL_PRICE_PER_MINUTE",
  "DRAMATIS_PROVIDERS_FILE",
  "DRAMATIS_SECRET_KEY",
  "DRAMATIS_SECRET_KEY_PREVIOUS",
  "DRAMATIS_METRICS_TOKEN",
  "DRAMATIS_METRICS_PORT",
  "REDIS_URL",
  "DRAMATIS_LLAMA_RUNTIME",
  "TWILIO_ACCOUNT_SID",
  "TWILIO_AUTH_TOKEN",
  "TWILIO_BASE_URL",
  "DRAMATIS_CLOCK_START",
  "DRAMATIS_CLOCK_ANCHOR",
  "DRAMATIS_CLOCK_SPEED",
  "DRAMATIS_PUBLIC_URL",
  "DRAMATIS_VAPID_SUBJECT",
  "DRAMATIS_RATE_LIMIT_PER_MINUTE",
  "DRAMATIS_RATE_LIMIT_ANONYMOUS_PER_MINUTE",
  "DRAMATIS_SIGN_IN_FAILURES_PER_EMAIL",
  "DRAMATIS_SIGN_IN_FAILURES_PER_ADDRESS",
  "DRAMATIS_SIGN_IN_WINDOW_MINUTES",
  "DRAMATIS_VERIFICATION_CODES_PER_HOUR",
  "DRAMATIS_TRUST_PROXY",
  "DRAMATIS_PUSH_ALLOW_HTTP",
  "DRAMATIS_OUTBOUND_ALLOW",
  "DRAMATIS_LOCAL_MODEL_SERVERS",
  "DRAMATIS_MODEL_CATALOG",
  "WHATSAPP_VERIFY_TOKEN",
  "WHATSAPP_APP_SECRET",
  "WHATSAPP_ACCESS_TOKEN",
  "WHATSAPP_BASE_URL",
  "WHATSAPP_API_VERSION",
  "DRAMATIS_BLOB_STORE",
  "DRAMATIS_BLOB_QUOTA_MB",
  "DRAMATIS_S3_BUCKET",
  "DRAMATIS_S3_ENDPOINT",
  "DRAMATIS_S3_REGION",
  "DRAMATIS_S3_PREFIX",
  "DRAMATIS_S3_FORCE_PATH_STYLE",
  "DRAMATIS_S3_ACCESS_KEY_ID",
  "DRAMATIS_S3_SECRET_ACCESS_KEY",
] as const satisfies readonly (keyof typeof settingsByArea)[];

/** Every setting, in SETTING_ORDER. */
export const settings = Object.fromEntries(SETTING_ORDER.map((name) => [name, settingsByArea[name]])) as Pick<
  typeof settingsByArea,
  (typeof SETTING_ORDER)[number]
>;

export type SettingName = keyof typeof settings;

/** What each setting's schema turns its text into. */
export type SettingValues = { [K in SettingName]: z.output<(typeof settings)[K]["schema"]> };
