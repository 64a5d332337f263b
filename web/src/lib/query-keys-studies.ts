/**
 * TanStack Query keys for the Studies, Settings, Scheduled, Inbox and SMS screens: one factory per
 * resource, so a change invalidates every list and detail it affects by prefix (`studies.all`).
 */
export const studyKeys = {
  all: ["studies"] as const,
  list: (pages: readonly string[]) => ["studies", "list", ...pages] as const,
  detail: (id: string) => ["studies", "detail", id] as const,
  statistics: (id: string, refreshKey: string) =>
    ["studies", "detail", id, "statistics", refreshKey] as const,
  results: (id: string, filter: Record<string, string | number | undefined>) =>
    ["studies", "detail", id, "results", filter] as const,
};

export const skillKeys = {
  all: ["skills"] as const,
};

export const cohortKeys = {
  all: ["cohorts"] as const,
  preview: (id: string) => ["cohorts", "preview", id] as const,
};

export const populationKeys = {
  all: ["populations"] as const,
  list: () => ["populations", "list"] as const,
  detail: (id: string) => ["populations", "detail", id] as const,
  members: (id: string, filter: Record<string, string | number | undefined>) =>
    ["populations", "detail", id, "members", filter] as const,
};

/** The Settings screens' lists. */
export const settingsKeys = {
  accounts: ["accounts"] as const,
  apiKeys: ["api-keys"] as const,
  providers: ["providers"] as const,
  providerModels: (id: string) => ["providers", id, "models"] as const,
  models: ["models"] as const,
  pushDevices: ["push-devices"] as const,
  phoneNumbers: ["phone-numbers"] as const,
  /** Every persona's numbers a verified phone can text (Settings → Phone numbers). */
  numbersToText: ["phone-numbers", "to-text"] as const,
  whatsappContacts: ["whatsapp-contacts"] as const,
};

/**
 * The scheduled messages and the inbox: both change when a persona's message arrives, so the inbox
 * stream invalidates `all` and every list, count and panel loads again.
 */
export const scheduledKeys = {
  all: ["scheduled"] as const,
  statistics: (personaId: string) => ["scheduled", "statistics", personaId] as const,
  list: (filter: Record<string, string | boolean>) => ["scheduled", "list", filter] as const,
  inbox: (limit: number) => ["scheduled", "inbox", limit] as const,
};
