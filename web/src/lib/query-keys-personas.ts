/**
 * Query keys of the persona, chat, memory and session screens. Keys nest (a persona's memories sit under
 * the persona), so invalidating a prefix refreshes everything beneath it after a change.
 */
export const personaKeys = {
  all: ["personas"] as const,
  lists: () => [...personaKeys.all, "list"] as const,
  list: (filter: {
    kind: "persona" | "preset";
    pages?: readonly string[];
    q?: string;
    includeGenerated?: boolean;
  }) => [...personaKeys.lists(), filter] as const,
  /** Every persona by name, for pickers (chat). */
  summaries: () => [...personaKeys.lists(), "all"] as const,
  /** Personas whose name contains `text` (the server's `?q=`), for pickers. */
  search: (text: string) => [...personaKeys.lists(), "search", text] as const,
  detail: (id: string) => [...personaKeys.all, "detail", id] as const,
  versions: (id: string) => [...personaKeys.detail(id), "versions"] as const,
  diff: (id: string, from: string, to: string) => [...personaKeys.detail(id), "diff", from, to] as const,
  avatarSource: (id: string) => [...personaKeys.detail(id), "avatar-source"] as const,
  assets: (id: string) => [...personaKeys.detail(id), "assets"] as const,
  whatsappNumbers: (id: string) => [...personaKeys.detail(id), "whatsapp-numbers"] as const,
  phoneNumbers: (id: string) => [...personaKeys.detail(id), "phone-numbers"] as const,
  templates: () => ["persona-templates"] as const,
};

export const memoryKeys = {
  all: (personaId: string) => [...personaKeys.detail(personaId), "memories"] as const,
  list: (personaId: string, filter: Record<string, unknown>) =>
    [...memoryKeys.all(personaId), "list", filter] as const,
  usage: (personaId: string) => [...memoryKeys.all(personaId), "usage"] as const,
  one: (personaId: string, memoryId: string) => [...memoryKeys.all(personaId), "one", memoryId] as const,
};

export const conversationKeys = {
  all: ["conversations"] as const,
  list: () => [...conversationKeys.all, "list"] as const,
  detail: (id: string) => [...conversationKeys.all, "detail", id] as const,
  messages: (id: string) => [...conversationKeys.detail(id), "messages"] as const,
  prompt: (id: string, messageId: string) => [...conversationKeys.detail(id), "prompt", messageId] as const,
};

export const userPersonaKeys = {
  all: ["user-personas"] as const,
  list: () => [...userPersonaKeys.all, "list"] as const,
  /** The first page, as Settings lists them (with whether there are more). */
  firstPage: () => [...userPersonaKeys.all, "first-page"] as const,
};

export const authKeys = {
  status: () => ["auth", "status"] as const,
  session: () => ["auth", "session"] as const,
};
