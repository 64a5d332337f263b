/** Small pure helpers of the chat screen. */

/** Replies written by the built-in offline engine rather than a configured model. */
export function isOfflineModel(model: string | null): boolean {
  return model !== null && model.startsWith("offline");
}

/** "3 min ago", "yesterday", or a date, for a list of conversations. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "";
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return "yesterday";
  if (days < 7) return `${days} days ago`;
  return new Date(time).toLocaleDateString();
}
