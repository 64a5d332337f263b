/**
 * Query keys of pictures and videos: the gallery's lists (one per filter), each item while it is being
 * made (polled until ready), and what the persona builder offers: models, art styles, appearance presets.
 */
export const mediaKeys = {
  all: ["media"] as const,
  lists: () => [...mediaKeys.all, "list"] as const,
  list: (filter: { personaId: string; kind: string; includeUploads: boolean }) =>
    [...mediaKeys.lists(), filter] as const,
  detail: (id: string) => [...mediaKeys.all, "detail", id] as const,
  models: (kind: "image" | "video") => [...mediaKeys.all, "models", kind] as const,
  artStyles: () => [...mediaKeys.all, "art-styles"] as const,
  appearancePresets: () => [...mediaKeys.all, "appearance-presets"] as const,
};
