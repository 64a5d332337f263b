import { expandNameMacros, type NameMacroContext } from "./macros.ts";

/**
 * Replaces `{{char}}`/`{{user}}` (and `<USER>`/`<BOT>`/`<CHAR>`) in a model's streamed output. Models
 * that learnt from character cards write the placeholders themselves; the user must see the names, in
 * the stream as in the stored reply.
 *
 * A placeholder can arrive split over deltas (`{{us` + `er}}`), so text from an unclosed `{{` (or a `<`
 * that may start a legacy placeholder) is held back until it closes or grows past any name macro's
 * length. Text is only cut where no macro is open, so the pieces put together are exactly
 * `expandNameMacros(whole text)`.
 *
 * @example
 * const stream = new NameMacroStream({ char: "Vex", user: "Sam" });
 * stream.push("Hello {{us") // "Hello "
 * stream.push("er}}!") + stream.flush() // "Sam!"
 */
export class NameMacroStream {
  private held = "";

  constructor(private readonly names: NameMacroContext) {}

  /** The text that can be shown now, placeholders replaced; the rest waits for the next delta. */
  push(delta: string): string {
    const text = this.held + delta;
    const cut = safeCut(text);
    this.held = text.slice(cut);
    return expandNameMacros(text.slice(0, cut), this.names);
  }

  /** Whatever is still held back, at the end of the stream. */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return expandNameMacros(rest, this.names);
  }
}

/** Longer than any name macro with spaces inside (`{{ user }}`): an open `{{` this far back is not one. */
const MAX_HELD = 32;
const LEGACY_PREFIXES = ["<user>", "<bot>", "<char>"];

/** Where `text` may be cut without splitting a placeholder: before the last open one, if any. */
function safeCut(text: string): number {
  const open = text.lastIndexOf("{{");
  const braceOpen =
    open >= 0 && !text.includes("}}", open) && text.length - open <= MAX_HELD ? open : text.length;
  // A lone "{" at the very end may become "{{".
  const trailingBrace = text.endsWith("{") && !text.endsWith("{{") ? text.length - 1 : text.length;
  const angle = text.lastIndexOf("<");
  const tail = angle >= 0 ? text.slice(angle).toLowerCase() : "";
  const legacyOpen =
    angle >= 0 && LEGACY_PREFIXES.some((prefix) => prefix.startsWith(tail) && prefix !== tail)
      ? angle
      : text.length;
  return Math.min(braceOpen, trailingBrace, legacyOpen);
}
