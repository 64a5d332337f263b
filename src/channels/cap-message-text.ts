/**
 * A message cut to a channel's length limit (counted in characters, as Twilio and Meta count them) at a
 * word boundary, with an ellipsis when anything was cut; never inside a character made of two UTF-16
 * units.
 *
 * @example capMessageText(longReply, 1600) // SMS
 */
export function capMessageText(text: string, maxCharacters: number): string {
  const characters = [...text.trim()];
  if (characters.length <= maxCharacters) return characters.join("");
  const room = characters.slice(0, maxCharacters - 1).join("");
  const lastSpace = room.lastIndexOf(" ");
  return `${(lastSpace > room.length / 2 ? room.slice(0, lastSpace) : room).trimEnd()}…`;
}
