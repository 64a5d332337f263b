import type { Generated, Insertable, Selectable, Updateable } from "kysely";

/*
 * Column conventions shared by SQLite and PostgreSQL: ids and times are text (ISO 8601 UTC, so they sort),
 * JSON is text, booleans are integers 0/1. One representation keeps repositories free of dialect branches.
 */

/** A tenant's model choices (migration 0028): its default model, null for the server's. */
export interface TenantModelSettingsTable {
  tenant_id: string;
  default_model: string | null;
  updated_at: string;
}

/** A curated model download (server-wide: one models directory); bytes are bigint, read as numbers. */
export interface ModelDownloadTable {
  id: string;
  catalog_id: string;
  /** the tenant whose admin started it (its job runs under this tenant) */
  tenant_id: string;
  status: "queued" | "downloading" | "done" | "failed";
  received_bytes: number | string | bigint;
  total_bytes: number | string | bigint | null;
  error: string | null;
  job_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface TenantTable {
  id: string;
  name: string;
  is_operator: number;
  created_at: string;
}

export interface UserTable {
  id: string;
  tenant_id: string;
  external_id: string;
  active_user_persona_id: string | null;
  /** the persona /v1/chat/completions uses when a request names none */
  active_persona_id: string | null;
  /** messages from personas up to this time have been seen in the app (the inbox's unread count) */
  inbox_read_at: string | null;
  /** the last number given to a message a persona sent the user on its own (see ScheduledMessageTable) */
  inbox_sequence: Generated<number>;
  created_at: string;
}

export type AccountRole = "admin" | "member";

export interface AccountTable {
  id: string;
  tenant_id: string;
  user_id: string;
  /** lower-cased; also the account's user's external id */
  email: string;
  name: string;
  role: AccountRole;
  /** 1 when an admin let this member change every persona of the tenant (admins always may) */
  can_edit_all: number;
  /** scrypt$N$r$p$salt$hash, all base64url */
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export interface SessionTable {
  /** sha256 of the cookie value: a stolen database does not yield live sessions */
  token_hash: string;
  account_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

/** One stored copy of some bytes (see blob-store.ts); the bytes are a file named by `sha256`. */
export interface BlobTable {
  id: string;
  tenant_id: string;
  sha256: string;
  size: number;
  /** sniffed from the bytes by whoever stored them */
  content_type: string;
  created_at: string;
}

/**
 * A message's audio: a reply read aloud (`speech`) or the user's voice message (`recording`), its bytes
 * a blob this row owns. `message_id` is null for a recording uploaded but not yet sent.
 */
export interface MessageAudioTable {
  id: string;
  tenant_id: string;
  conversation_id: string;
  message_id: string | null;
  kind: "speech" | "recording" | "call_recording";
  blob_id: string;
  /** the audio's sniffed media type */
  content_type: string;
  /** `provider/voice` that read it (speech only) */
  voice: string | null;
  /** sha256 of the text read (speech only): an edited message is read anew */
  text_sha256: string | null;
  duration_ms: number;
  /** what the recognizer heard (recording only) */
  transcript: string | null;
  created_at: string;
}

/**
 * A picture or video: made by a persona (`generated`: a background job, with status and progress) or sent
 * by the user (`upload`). The bytes are a blob this row owns (null until a generation succeeds). No
 * foreign keys but the tenant's: the media service sweeps rows whose user is gone and deletes blobs first.
 */
export interface MediaTable {
  id: string;
  tenant_id: string;
  /** whose gallery it is in: the user who asked for it or sent it */
  user_id: string;
  persona_id: string | null;
  conversation_id: string | null;
  /** the message it is attached to (the persona's reply, or the user's message); null until sent */
  message_id: string | null;
  /** file: a document the user sent (PDF, text) */
  kind: "image" | "video" | "file";
  source: "generated" | "upload";
  status: "queued" | "running" | "ready" | "failed";
  /** what was asked for, in the user's (or the model's) words */
  request: string;
  /** the prompt sent to the provider */
  prompt: string;
  /** `provider/model` that made it */
  model: string | null;
  /** 1: the embedded placeholder made it */
  offline: number;
  /** 1: a priority video */
  priority: number;
  /** the picture it was made from (an edit, an image -> video) */
  reference_media_id: string | null;
  job_id: string | null;
  blob_id: string | null;
  content_type: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  seed: number | null;
  /** 0-1 while running */
  progress: number | null;
  error: string | null;
  /** an upload's original file name */
  file_name: string | null;
  /** SMS and WhatsApp: when the text of the reply this is attached to went out on the channel */
  reply_sent_at: string | null;
  /** SMS and WhatsApp: when this went out on the channel (set once: whoever sets it sends it) */
  channel_sent_at: string | null;
  created_at: string;
  completed_at: string | null;
}

/** A voice call: browser or phone, its status, timing, turns and recording. */
export interface CallTable {
  id: string;
  tenant_id: string;
  user_id: string;
  persona_id: string;
  conversation_id: string;
  channel: "browser" | "phone";
  direction: "inbound" | "outbound";
  /** ringing -> in-progress -> completed | failed | no-answer | busy | canceled */
  status: string;
  locale: string;
  from_number: string | null;
  to_number: string | null;
  /** Twilio's CallSid for a phone call */
  provider_call_id: string | null;
  /** sha256 of the one-time token that opens the call's audio stream, until it is used or expires */
  stream_token_sha256: string | null;
  stream_token_expires_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  /** hangup, silence_timeout, max_duration, error, server_shutdown, or the phone network's status */
  end_reason: string | null;
  /** the message_audio row holding the stereo recording (left caller, right persona) */
  recording_audio_id: string | null;
  /** JSON array of turns: user and reply message ids, texts, latency_ms, interrupted */
  turns: string;
  error: string | null;
  created_at: string;
}

/** A character card's asset: a stored blob, or (blob_id null) a remote URL kept as a reference. */
export interface PersonaAssetTable {
  id: string;
  tenant_id: string;
  persona_id: string;
  /** icon, background, user_icon, emotion, x-risu-..., other */
  type: string;
  name: string;
  ext: string;
  position: number;
  blob_id: string | null;
  remote_uri: string | null;
  created_at: string;
}

export interface PersonaAvatarTable {
  persona_id: string;
  /** always a re-encoded PNG */
  image: Uint8Array;
  updated_at: string;
}

export interface ApiKeyTable {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** requests per minute for this key; null: the server's default */
  rate_limit_per_minute: number | null;
}

/** A rate-limit counter: points spent under `key` in the window that ends at `expires_at` (epoch ms). */
/** A request-rate token bucket (GCRA): the key's theoretical arrival time, epoch microseconds. */
export interface TokenBucketTable {
  key: string;
  /** bigint: PostgreSQL hands it back as a string, so the repository converts it */
  tat: number | string;
}

export interface RateLimitTable {
  key: string;
  points: number;
  /** bigint: PostgreSQL hands it back as a string, so repositories convert it */
  expires_at: number | string;
}

export type PersonaVisibility = "tenant" | "private";

export interface PersonaTable {
  id: string;
  /** null for presets, which every tenant sees */
  tenant_id: string | null;
  kind: "persona" | "preset";
  /** the draft's name, copied for search (`?q=`); written by the repository with every draft */
  name: Generated<string>;
  join_code: string;
  created_by_user_id: string | null;
  /** "tenant": every member sees it; "private": only its creator, admins and members with can_edit_all */
  visibility: Generated<PersonaVisibility>;
  draft: string;
  production_version: number | null;
  latest_version: number;
  has_unpublished_changes: number;
  created_at: string;
  updated_at: string;
}

export interface LorebookTable {
  id: string;
  tenant_id: string;
  created_by_user_id: string | null;
  /** as for personas: "tenant" (every member sees it) or "private" (its creator, admins, can_edit_all) */
  visibility: PersonaVisibility;
  name: string;
  description: string;
  /** the book's JSON document: settings and entries, its description too (domain/lorebook/lorebook-document.ts) */
  content: string;
  entry_count: number;
  created_at: string;
  updated_at: string;
}

/** A lorebook attached to exactly one of a persona, a user persona or a conversation. */
export interface LorebookAttachmentTable {
  id: string;
  tenant_id: string;
  lorebook_id: string;
  persona_id: string | null;
  user_persona_id: string | null;
  conversation_id: string | null;
  created_at: string;
}

export interface PersonaVersionTable {
  persona_id: string;
  version: number;
  definition: string;
  created_at: string;
}

export interface UserPersonaTable {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  description: string;
  avatar_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConversationTable {
  id: string;
  tenant_id: string;
  user_id: string;
  persona_id: string;
  channel: string;
  title: string;
  message_count: number;
  created_at: string;
  updated_at: string;
  /** a branch: the conversation it was copied from (null for every other conversation) */
  branched_from_conversation_id: string | null;
  /** a branch: the message of that conversation it was copied up to */
  branched_from_message_id: string | null;
}

export interface MessageTable {
  id: string;
  conversation_id: string;
  /** 1, 2, 3… within the conversation: the order messages were stored in */
  sequence: number;
  role: "user" | "assistant";
  content: string;
  status: "complete" | "partial" | "failed";
  /** JSON {id, name, description} of the user persona in force, or null for No Persona */
  user_persona: string | null;
  /** the persona version that replied; null when it replied from its draft */
  persona_version: number | null;
  model: string | null;
  token_count: number;
  reply_to: string | null;
  error: string | null;
  created_at: string;
  /** a regenerated reply: the id of its turn's first reply (null on that reply and every other message) */
  alternative_of: string | null;
  /** 1: the alternative of its turn the conversation shows and the history sends; 0: kept, not shown */
  chosen: number;
  /** when the content was last edited by hand; null if never */
  edited_at: string | null;
}

export interface MessagePromptTable {
  message_id: string;
  model: string;
  parameters: string;
  sections: string;
  messages: string;
  warnings: string;
  created_at: string;
}

export interface UsageEventTable {
  id: string;
  tenant_id: string;
  user_id: string | null;
  persona_id: string | null;
  conversation_id: string | null;
  message_id: string | null;
  kind: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  cost_usd: number;
  /** SMS segments billed (kinds sms_inbound / sms_outbound); 0 for everything else */
  sms_segments: Generated<number>;
  /** characters read aloud (kind tts); 0 for everything else */
  speech_characters: Generated<number>;
  /** seconds of audio transcribed (kind stt) or talked (kind call); 0 for everything else */
  audio_seconds: Generated<number>;
  created_at: string;
}

/** A remembered Idempotency-Key: the request's fingerprint, and the response once the first one finished. */
export interface IdempotencyKeyTable {
  /** sha256 of (tenant, principal, acting user, key): the scope is the identity */
  id: string;
  tenant_id: string;
  idempotency_key: string;
  /** sha256 of method, path, acting user and body bytes */
  fingerprint: string;
  method: string;
  path: string;
  status: "running" | "completed";
  /** the request holding a running key, until locked_until; after that a retry may take it over */
  lease_token: string | null;
  locked_until: string | null;
  response_status: number | null;
  /** JSON object of the response headers replayed */
  response_headers: string | null;
  response_body: Uint8Array | null;
  created_at: string;
  completed_at: string | null;
  /** kept until then (created_at + retention), pruned after */
  expires_at: string;
}

export interface JobTable {
  id: string;
  tenant_id: string;
  kind: string;
  /** JSON */
  payload: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  /** JSON of what the handler returned */
  result: string | null;
  error: string | null;
  /** claims of a queued job; a takeover of a dead worker's job counts in `crashes` instead */
  attempts: number;
  max_attempts: number;
  /** takeovers after the job's worker stopped renewing its lease (died) */
  crashes: number;
  idempotency_key: string | null;
  /** a queued job is not claimed before this time (retry backoff) */
  run_after: string;
  /** 1: claimed before every other due job (EnqueueJobInput.priority); 0: in turn */
  priority: Generated<number>;
  /** the worker holding a running job, until lease_expires_at; a later claim may take it over */
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface JobEventTable {
  job_id: string;
  /** 1, 2, 3… within the job */
  sequence: number;
  type: "progress";
  /** JSON */
  data: string;
  created_at: string;
}

export interface TenantProviderTable {
  id: string;
  tenant_id: string;
  name: string;
  kind: "openai-compatible" | "anthropic";
  base_url: string | null;
  api_key_sealed: string | null;
  /** JSON array of model names */
  models: string;
  /** JSON: what its models take beyond text (ProviderConfig["capabilities"]); null: decided by model name */
  capabilities: string | null;
  created_at: string;
  updated_at: string;
}

export interface MemoryTable {
  id: string;
  tenant_id: string;
  persona_id: string;
  owner: "timeline" | "relationship";
  user_id: string | null;
  scope: string | null;
  facts: string;
  feelings: string;
  /** JSON array */
  emotion_tags: string;
  interpretation: string;
  type: string;
  strength: number;
  event_time: string | null;
  sequence: number | null;
  revises: string | null;
  /** JSON {kind, message_ids?} */
  source: string;
  /** JSON object, returned as stored */
  metadata: string;
  search_text: string;
  /** float32 little-endian vector of the memory's text, when an embedding model is configured */
  embedding: Uint8Array | null;
  /** the embedding model that made `embedding` */
  embedding_model: string | null;
  created_at: string;
  updated_at: string;
}

export interface SkillTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  /** the prompt template, with {{persona.*}} and {{context.*}} variables */
  prompt: string;
  /** JSON AnswerSpec */
  answer: string;
  /** JSON Scoring, or null */
  scoring: string | null;
  /** JSON object: default context values */
  context: string;
  created_at: string;
  updated_at: string;
}

export interface CohortTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  /** JSON CohortFilter; exactly one of filter and generator is set */
  filter: string | null;
  /** JSON CohortGenerator */
  generator: string | null;
  created_at: string;
  updated_at: string;
}

export interface PopulationTable {
  id: string;
  tenant_id: string;
  name: string;
  size: number;
  seed: string;
  /** "now" for every generated life: with the seed, it makes generation repeatable */
  reference_date: string;
  /** JSON [{cohort_id, cohort_name, proportion, size}] fixed at creation */
  composition: string;
  status: "generating" | "ready" | "failed";
  /** members created so far */
  generated: number;
  job_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface PopulationMemberTable {
  population_id: string;
  /** 0, 1, 2… across the population, in composition order */
  ordinal: number;
  persona_id: string;
  cohort_id: string;
  /** 1 when the population created the persona (it is deleted with the population) */
  generated: number;
}

export interface StudyTable {
  id: string;
  tenant_id: string;
  name: string;
  status: "running" | "cancelled" | "completed";
  /** the user who started it (who may cancel, resume and delete it); null when a key without a user did */
  created_by_user_id: string | null;
  skill_id: string;
  /** JSON copy of the skill when the study was created */
  skill: string;
  population_id: string;
  model: string | null;
  /** JSON SamplingParameters overrides */
  sampling: string;
  concurrency: number;
  requests_per_minute: number | null;
  seed: string;
  /** JSON object */
  context: string;
  invalid_retries: number;
  max_attempts: number;
  /** the next free model-call slot under requests_per_minute (ISO time) */
  next_slot_at: string | null;
  /** when a supervisor last checked the study; one supervisor at a time */
  supervised_at: string | null;
  created_at: string;
  updated_at: string;
  started_at: string;
  finished_at: string | null;
}

export type StudyRunStatus = "pending" | "queued" | "running" | "answered" | "invalid" | "failed";

export interface StudyRunTable {
  id: string;
  study_id: string;
  tenant_id: string;
  ordinal: number;
  persona_id: string;
  persona_name: string;
  /** the pinned production version; null: the persona had none and answers from its draft */
  persona_version: number | null;
  cohort_id: string;
  cohort_name: string;
  status: StudyRunStatus;
  /** bumped each time the run is queued; a job for an older dispatch does nothing */
  dispatch: number;
  job_id: string | null;
  /** JSON of the valid answer */
  answer: string | null;
  score: number | null;
  raw_output: string | null;
  error: string | null;
  attempts: number;
  model: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export type ScheduledMessageKind = "good_morning" | "good_night" | "check_in";
export type ScheduledMessageStatus = "pending" | "sent" | "skipped" | "failed" | "cancelled";

export interface ScheduledMessageTable {
  id: string;
  tenant_id: string;
  persona_id: string;
  user_id: string;
  conversation_id: string;
  kind: ScheduledMessageKind;
  /** unique per persona and user: "2026-11-23/good_morning", "2026-11-23/check_in/1" */
  slot_key: string;
  due_at: string;
  status: ScheduledMessageStatus;
  content: string | null;
  message_id: string | null;
  error: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  /**
   * Once sent: the user's next inbox number, taken in the sending transaction, so the user's messages
   * are numbered in the order they were committed — what the inbox stream resumes from (sent_at may tie,
   * or commit out of order across workers).
   */
  inbox_sequence: number | null;
}

/** A phone number (Twilio's) a persona texts from and is texted at; one persona per number. */
export interface SmsPhoneNumberTable {
  /** E.164 */
  phone_number: string;
  tenant_id: string;
  persona_id: string;
  created_at: string;
}

/** A phone that texts a tenant's personas: verified to a user (or not yet), opted out (or not). */
export interface SmsContactTable {
  id: string;
  tenant_id: string;
  /** E.164 */
  phone_number: string;
  /** the user this number is verified to; null until a code is confirmed */
  user_id: string | null;
  verified_at: string | null;
  /** the user the outstanding code was sent for */
  pending_user_id: string | null;
  /** SHA-256 of the outstanding code (hex) */
  code_hash: string | null;
  code_sent_at: string | null;
  code_expires_at: string | null;
  /** wrong guesses at the outstanding code */
  code_attempts: Generated<number>;
  /** set by STOP (and its synonyms), cleared by START: no SMS goes to this number meanwhile */
  opted_out_at: string | null;
  /** when an unverified sender was last told how to verify (so a chatty sender is not answered each time) */
  instructed_at: string | null;
  created_at: string;
  updated_at: string;
}

export type SmsReceiptOutcome =
  | "conversation"
  | "unverified"
  | "stop"
  | "start"
  | "help"
  | "opted_out"
  | "sms_disabled"
  | "unsupported_sender";

/** One inbound SMS, keyed by Twilio's MessageSid so a redelivery finds it already there. */
export interface SmsReceiptTable {
  message_sid: string;
  tenant_id: string;
  persona_id: string;
  from_number: string;
  to_number: string;
  body: string;
  segments: number;
  outcome: SmsReceiptOutcome;
  user_id: string | null;
  conversation_id: string | null;
  /** the user's message stored in the conversation */
  message_id: string | null;
  /** the persona's reply, once generated */
  reply_message_id: string | null;
  /** Twilio's sid of the reply SMS, once sent */
  reply_sid: string | null;
  replied_at: string | null;
  created_at: string;
}

/** A key pair of the server as a whole, by name ("vapid": the web push keys). */
export interface ServerKeyTable {
  name: string;
  /** base64url; for "vapid" the uncompressed P-256 point browsers take as applicationServerKey */
  public_key: string;
  /** sealed with the server's SecretBox */
  private_key: string;
  created_at: string;
}

/** A browser (device) a user registered for web push: its PushSubscription. */
export interface PushSubscriptionTable {
  id: string;
  tenant_id: string;
  user_id: string;
  /** what the user calls the device: "Firefox on Android" */
  name: string;
  /** the push service URL the server posts to; one browser's subscription, unique on the server */
  endpoint: string;
  /** keys.p256dh, base64url: the browser's P-256 public key */
  p256dh: string;
  /** keys.auth, sealed with the server's SecretBox */
  auth: string;
  /** when the browser says the subscription ends (PushSubscription.expirationTime); null: no end set */
  expiration_time: string | null;
  created_at: string;
  updated_at: string;
  last_success_at: string | null;
  last_failure_at: string | null;
  /** the push service's HTTP status; null for a network error or timeout */
  last_failure_status: number | null;
  last_failure_detail: string | null;
}

/** One open /v1/inbox/events stream, in any server process; live until `expires_at` unless renewed. */
export interface InboxConnectionTable {
  id: string;
  tenant_id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

/** A persona's WhatsApp number: Meta's phone number id, which posts to one webhook, so one persona each. */
export interface WhatsAppNumberTable {
  phone_number_id: string;
  tenant_id: string;
  persona_id: string;
  /** the number as people see it, e.g. "+1 415 555 0100" */
  display_phone_number: string;
  created_at: string;
}

/** Someone who messages a tenant's personas on WhatsApp, linked to a user or not yet. */
export interface WhatsAppContactTable {
  id: string;
  tenant_id: string;
  /** WhatsApp's id of the sender: their number in digits */
  wa_id: string;
  /** the name on their WhatsApp profile, as last seen */
  profile_name: string | null;
  user_id: string | null;
  linked_at: string | null;
  /** their last message: Meta lets a business write freely for 24 hours after it */
  last_inbound_at: string | null;
  /** when they were last told how to link (at most once an hour) */
  instructed_at: string | null;
  /** wrong link codes sent, and since when they are counted */
  failed_link_attempts: Generated<number>;
  failed_link_window_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A code a user takes from the app and sends from WhatsApp to link their WhatsApp to the user. */
export interface WhatsAppLinkCodeTable {
  /** sha256 of the code */
  code_hash: string;
  tenant_id: string;
  user_id: string;
  expires_at: string;
  created_at: string;
}

export type WhatsAppReceiptOutcome =
  "conversation" | "linked" | "unlinked" | "wrong_code" | "not_text" | "unknown_number";

/** One row per inbound WhatsApp message id: the primary key absorbs Meta's redeliveries. */
export interface WhatsAppReceiptTable {
  message_id: string;
  tenant_id: string;
  persona_id: string;
  phone_number_id: string;
  wa_id: string;
  /** the text, or "" for a message that is not text */
  body: string;
  message_type: string;
  outcome: WhatsAppReceiptOutcome;
  user_id: string | null;
  conversation_id: string | null;
  /** the user's message stored in the conversation */
  user_message_id: string | null;
  /** the persona's reply, once generated */
  reply_message_id: string | null;
  /** Meta's id of the reply, once sent */
  reply_id: string | null;
  replied_at: string | null;
  created_at: string;
}

export interface Database {
  tenants: TenantTable;
  users: UserTable;
  accounts: AccountTable;
  sessions: SessionTable;
  persona_avatars: PersonaAvatarTable;
  blobs: BlobTable;
  persona_assets: PersonaAssetTable;
  message_audio: MessageAudioTable;
  media: MediaTable;
  calls: CallTable;
  api_keys: ApiKeyTable;
  rate_limits: RateLimitTable;
  token_buckets: TokenBucketTable;
  personas: PersonaTable;
  persona_versions: PersonaVersionTable;
  user_personas: UserPersonaTable;
  lorebooks: LorebookTable;
  lorebook_attachments: LorebookAttachmentTable;
  conversations: ConversationTable;
  messages: MessageTable;
  message_prompts: MessagePromptTable;
  usage_events: UsageEventTable;
  jobs: JobTable;
  idempotency_keys: IdempotencyKeyTable;
  job_events: JobEventTable;
  tenant_providers: TenantProviderTable;
  memories: MemoryTable;
  skills: SkillTable;
  cohorts: CohortTable;
  populations: PopulationTable;
  population_members: PopulationMemberTable;
  studies: StudyTable;
  study_runs: StudyRunTable;
  scheduled_messages: ScheduledMessageTable;
  sms_phone_numbers: SmsPhoneNumberTable;
  sms_contacts: SmsContactTable;
  sms_receipts: SmsReceiptTable;
  server_keys: ServerKeyTable;
  push_subscriptions: PushSubscriptionTable;
  inbox_connections: InboxConnectionTable;
  whatsapp_numbers: WhatsAppNumberTable;
  whatsapp_contacts: WhatsAppContactTable;
  whatsapp_link_codes: WhatsAppLinkCodeTable;
  whatsapp_receipts: WhatsAppReceiptTable;
  tenant_model_settings: TenantModelSettingsTable;
  model_downloads: ModelDownloadTable;
}

/** A memory row as repositories hand it out: without the embedding bytes, which only the vector scan reads. */
export type MemoryRow = Selectable<Omit<MemoryTable, "embedding" | "embedding_model">>;

export type TenantProviderRow = Selectable<TenantProviderTable>;

export type TenantRow = Selectable<TenantTable>;
export type UserRow = Selectable<UserTable>;
export type AccountRow = Selectable<AccountTable>;
export type SessionRow = Selectable<SessionTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type PersonaRow = Selectable<PersonaTable>;
export type NewPersonaRow = Insertable<PersonaTable>;
export type PersonaUpdate = Updateable<PersonaTable>;
export type PersonaVersionRow = Selectable<PersonaVersionTable>;
export type UserPersonaRow = Selectable<UserPersonaTable>;
export type LorebookRow = Selectable<LorebookTable>;
export type LorebookAttachmentRow = Selectable<LorebookAttachmentTable>;
export type ConversationRow = Selectable<ConversationTable>;
export type MessageRow = Selectable<MessageTable>;
export type MessagePromptRow = Selectable<MessagePromptTable>;
export type UsageEventRow = Selectable<UsageEventTable>;
export type JobRow = Selectable<JobTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;
export type JobEventRow = Selectable<JobEventTable>;
export type SkillRow = Selectable<SkillTable>;
export type CohortRow = Selectable<CohortTable>;
export type PopulationRow = Selectable<PopulationTable>;
export type PopulationMemberRow = Selectable<PopulationMemberTable>;
export type StudyRow = Selectable<StudyTable>;
export type StudyRunRow = Selectable<StudyRunTable>;
export type ScheduledMessageRow = Selectable<ScheduledMessageTable>;
export type SmsPhoneNumberRow = Selectable<SmsPhoneNumberTable>;
export type SmsContactRow = Selectable<SmsContactTable>;
export type SmsReceiptRow = Selectable<SmsReceiptTable>;
export type ServerKeyRow = Selectable<ServerKeyTable>;
export type PushSubscriptionRow = Selectable<PushSubscriptionTable>;
export type InboxConnectionRow = Selectable<InboxConnectionTable>;
export type WhatsAppNumberRow = Selectable<WhatsAppNumberTable>;
export type WhatsAppContactRow = Selectable<WhatsAppContactTable>;
export type WhatsAppLinkCodeRow = Selectable<WhatsAppLinkCodeTable>;
export type WhatsAppReceiptRow = Selectable<WhatsAppReceiptTable>;
