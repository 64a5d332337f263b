/** Query keys of calls: a persona's history, one call, its transcript. */
export const callKeys = {
  all: ["calls"] as const,
  history: (personaId: string) => [...callKeys.all, "history", personaId] as const,
  detail: (id: string) => [...callKeys.all, "detail", id] as const,
  transcript: (id: string) => [...callKeys.detail(id), "transcript"] as const,
};
