/** The JSON a notification carries, which the web app's service worker shows. */
export interface NotificationPayload {
  /** the persona's name (or the server's, for a test) */
  title: string;
  body: string;
  /** where a click opens the web app, e.g. `/chat/cnv_…` */
  url: string;
  /** notifications with the same tag replace each other: the scheduled message id */
  tag: string;
  persona_id?: string;
  conversation_id?: string;
  message_id?: string | null;
  kind?: string;
  /** true for a test notification */
  test?: boolean;
}

/** Notification bodies longer than this are shortened: lock screens show two to four lines. */
export const NOTIFICATION_BODY_CHARACTERS = 200;

/**
 * The text with runs of whitespace collapsed, cut at a word boundary with an ellipsis when longer than
 * `maxCharacters` (counted in characters, never splitting one made of two UTF-16 units).
 *
 * @example shortenNotificationText("Good morning!\n\nDid the interview go well?") // "Good morning! Did the interview go well?"
 */
export function shortenNotificationText(text: string, maxCharacters = NOTIFICATION_BODY_CHARACTERS): string {
  const characters = [...text.replace(/\s+/g, " ").trim()];
  if (characters.length <= maxCharacters) return characters.join("");
  const room = characters.slice(0, maxCharacters - 1).join("");
  const lastSpace = room.lastIndexOf(" ");
  return `${(lastSpace > room.length / 2 ? room.slice(0, lastSpace) : room).trimEnd()}…`;
}
