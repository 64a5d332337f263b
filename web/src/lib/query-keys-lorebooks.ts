/** Query keys of the lorebook screens: the list, and each book under it (so a change refreshes both). */
export const lorebookKeys = {
  all: ["lorebooks"] as const,
  list: () => [...lorebookKeys.all, "list"] as const,
  detail: (id: string) => [...lorebookKeys.all, "detail", id] as const,
};
