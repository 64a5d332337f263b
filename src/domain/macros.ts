import { hashSeed } from "../lib/hash-seed.ts";
import { DateTime, FixedOffsetZone } from "luxon";

/**
 * SillyTavern-style macros in persona text: `{{char}}`, `{{user}}`, `{{time}}`, `{{random:a,b}}`, ...
 * Cards written for other front ends use them, so they are replaced before the model or the user sees
 * the text. Pure: the names, the clock, the time zone and the randomness come in the context.
 *
 * Macros nest (`{{random:{{char}},{{user}}}}`: the inner ones are replaced first); a replaced value is
 * never scanned again, so a user persona named `{{char}}` stays as written. Names are case-insensitive;
 * unknown macros are left as they are.
 */

export interface MacroContext {
  /** The persona's name. */
  char: string;
  /** The user persona's name, else the account's display name, else "User". */
  user: string;
  now: Date;
  /** IANA zone of `{{time}}`, `{{date}}` and `{{weekday}}`; an unknown zone falls back to UTC. */
  timeZone: string;
  /** When the user wrote before the message being answered (`{{idle_duration}}`); null if never. */
  previousUserMessageAt: Date | null;
  /** Makes `{{pick}}` stable: the same seed, text and position pick the same item (the conversation id). */
  seed: string;
  /** Uniform in [0, 1): `{{random}}` and `{{roll}}`. */
  random: () => number;
  /**
   * What the text replaces, for `{{original}}` in a system prompt (replaced once, later ones are removed,
   * as SillyTavern does). Left as is where there is nothing to replace.
   */
  original?: string | undefined;
}

/** The name macros alone: enough to keep `{{char}}`/`{{user}}` out of text stored before macros existed. */
export type NameMacroContext = Pick<MacroContext, "char" | "user">;

/** Deeper nesting is left as written: it is never meant, and it bounds the recursion. */
const MAX_NESTING = 8;
const MAX_DICE = 1000;
const MAX_SIDES = 1_000_000;

const LEGACY_PLACEHOLDER = /<(user|bot|char)>/gi;

/**
 * Replaces the macros of `text`.
 *
 * @example expandMacros("Hi {{user}}, I am {{char}}.", context) // "Hi Sam, I am Vex."
 */
export function expandMacros(text: string, context: MacroContext): string {
  if (!text.includes("{{") && !text.includes("<")) return text;
  const state = { originalUsed: false };
  return expandWith(text, context, (name, argument, offset) =>
    evaluate(name, argument, { context, text, offset, state }),
  );
}

/** Replaces only `{{char}}`, `{{user}}` and the legacy `<USER>`/`<BOT>`/`<CHAR>`. */
export function expandNameMacros(text: string, names: NameMacroContext): string {
  if (!text.includes("{{") && !text.includes("<")) return text;
  return expandWith(text, names, (name, argument) => (argument === null ? nameValue(name, names) : null));
}

type Evaluator = (name: string, argument: string | null, offset: number) => string | null;

interface BracePair {
  /** index of the opening `{{` */
  open: number;
  /** index of the closing `}}` */
  close: number;
}

function expandWith(text: string, names: NameMacroContext, evaluator: Evaluator): string {
  const pairs = matchBraces(text);
  const replaceLegacy = (segment: string) =>
    segment.replace(LEGACY_PLACEHOLDER, (_match, which: string) =>
      which.toLowerCase() === "user" ? names.user : names.char,
    );
  const expandRange = (from: number, to: number, depth: number): string => {
    let output = "";
    let index = from;
    for (let pairIndex = firstPairAtOrAfter(pairs, from); pairIndex < pairs.length; pairIndex++) {
      const pair = pairs[pairIndex] as BracePair;
      if (pair.open >= to) break;
      if (pair.open < index) continue; // nested in a pair already replaced
      output += replaceLegacy(text.slice(index, pair.open));
      const body =
        depth < MAX_NESTING
          ? expandRange(pair.open + 2, pair.close, depth + 1)
          : text.slice(pair.open + 2, pair.close);
      const parsed = parseMacro(body);
      const value = parsed && evaluator(parsed.name, parsed.argument, pair.open);
      output += value ?? `{{${body}}}`;
      index = pair.close + 2;
    }
    return output + replaceLegacy(text.slice(index, to));
  };
  return expandRange(0, text.length, 0);
}

/**
 * Pairs each `{{` with its `}}`, innermost first, in one pass. In a run of braces the macro starts at
 * the last pair (`{{{char}}}` is `{` + `{{char}}` + `}`); unmatched braces stay literal text.
 */
function matchBraces(text: string): BracePair[] {
  const pairs: BracePair[] = [];
  const openings: number[] = [];
  let index = 0;
  while (index < text.length - 1) {
    if (text[index] === "{" && text[index + 1] === "{") {
      if (text[index + 2] === "{") {
        index++;
        continue;
      }
      openings.push(index);
      index += 2;
    } else if (text[index] === "}" && text[index + 1] === "}" && openings.length > 0) {
      pairs.push({ open: openings.pop() as number, close: index });
      index += 2;
    } else {
      index++;
    }
  }
  return pairs.sort((a, b) => a.open - b.open);
}

function firstPairAtOrAfter(pairs: BracePair[], position: number): number {
  let low = 0;
  let high = pairs.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((pairs[middle] as BracePair).open < position) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * A macro's lower-cased name and what follows it (`null` when nothing does). `{{// note}}` is a comment.
 * `{{time_UTC+2}}` is named `time_utc` with the argument `+2`.
 */
function parseMacro(body: string): { name: string; argument: string | null } | null {
  const trimmed = body.trim();
  if (trimmed.startsWith("//")) return { name: "//", argument: null };
  const name = /^[a-z_]+/i.exec(trimmed)?.[0];
  if (!name) return null;
  const rest = trimmed.slice(name.length);
  return { name: name.toLowerCase(), argument: rest === "" ? null : rest };
}

function nameValue(name: string, names: NameMacroContext): string | null {
  if (name === "char") return names.char;
  if (name === "user") return names.user;
  return null;
}

interface Evaluation {
  context: MacroContext;
  /** the whole text and the macro's position in it: `{{pick}}` is seeded with both */
  text: string;
  offset: number;
  state: { originalUsed: boolean };
}

function evaluate(name: string, argument: string | null, evaluation: Evaluation): string | null {
  const { context } = evaluation;
  if (argument !== null) return evaluateWithArgument(name, argument, evaluation);
  switch (name) {
    case "char":
    case "user":
      return nameValue(name, context);
    case "original":
      if (context.original === undefined) return null;
      if (evaluation.state.originalUsed) return "";
      evaluation.state.originalUsed = true;
      return context.original;
    case "time":
      return formatIn(context, "h:mm a");
    case "date":
      return formatIn(context, "LLLL d, yyyy");
    case "weekday":
      return formatIn(context, "cccc");
    case "isotime":
      return formatIn(context, "HH:mm");
    case "isodate":
      return formatIn(context, "yyyy-MM-dd");
    case "idle_duration":
      return context.previousUserMessageAt === null
        ? "just now"
        : humanDuration(context.now.getTime() - context.previousUserMessageAt.getTime());
    case "newline":
      return "\n";
    case "noop":
    case "//":
      return "";
    default:
      return null;
  }
}

function evaluateWithArgument(name: string, argument: string, evaluation: Evaluation): string | null {
  const { context } = evaluation;
  switch (name) {
    case "random":
    case "pick": {
      const list = /^\s?::?([\s\S]*)$/.exec(argument)?.[1];
      if (list === undefined) return null;
      const items = listItems(list);
      const chosen =
        name === "random"
          ? context.random()
          : hashFraction(`${context.seed}\u0000${evaluation.text}\u0000${evaluation.offset}`);
      return items[Math.min(Math.floor(chosen * items.length), items.length - 1)] ?? "";
    }
    case "roll": {
      const expression = /^(?:\s*:\s*|\s+)(\S[\s\S]*)$/.exec(argument)?.[1];
      return expression === undefined ? null : rollDice(expression.trim(), context.random);
    }
    case "time_utc": {
      const offset = /^([+-]\d{1,2})$/.exec(argument)?.[1];
      if (offset === undefined || Math.abs(Number(offset)) > 14) return null;
      return formatIn(context, "h:mm a", Number(offset));
    }
    default:
      return null;
  }
}

/**
 * `a::b::c` splits on the double colons as written (items may hold commas); otherwise on commas, trimmed,
 * with `\,` for a comma inside an item.
 */
function listItems(list: string): string[] {
  if (list.includes("::")) return list.split("::");
  return list.split(/(?<!\\),/).map((item) => item.trim().replace(/\\,/g, ","));
}

/** `d20`, `2d6+1`, `3d8-2`, or `20` for a d20; null (the macro stays) when it is not dice. */
function rollDice(expression: string, random: () => number): string | null {
  const dice = /^(\d*)\s*d\s*(\d+)\s*(?:([+-])\s*(\d+))?$/i.exec(expression);
  const plain = /^\d+$/.exec(expression);
  if (!dice && !plain) return null;
  const count = dice ? Number(dice[1] || "1") : 1;
  const sides = Number(dice ? dice[2] : expression);
  if (count < 1 || count > MAX_DICE || sides < 1 || sides > MAX_SIDES) return null;
  let total = dice?.[4] ? Number(dice[4]) * (dice[3] === "-" ? -1 : 1) : 0;
  for (let roll = 0; roll < count; roll++) total += Math.min(Math.floor(random() * sides), sides - 1) + 1;
  return String(total);
}

/** FNV-1a over the text, as a fraction in [0, 1). */
function hashFraction(text: string): number {
  return hashSeed(text) / 0x1_0000_0000;
}

/**
 * `now` in the context's zone (an unknown one reads as UTC), or at a fixed UTC offset in hours. English
 * formats, as SillyTavern writes them: `2:05 PM`, `December 6, 2026`, `Sunday`.
 */
function formatIn(
  context: Pick<MacroContext, "now" | "timeZone">,
  format: string,
  utcOffset?: number,
): string {
  const zone = utcOffset === undefined ? context.timeZone : FixedOffsetZone.instance(utcOffset * 60);
  let time = DateTime.fromJSDate(context.now, { zone }).setLocale("en-US");
  if (!time.isValid) time = DateTime.fromJSDate(context.now, { zone: "UTC" }).setLocale("en-US");
  return time.toFormat(format);
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration in words, rounded as people say it: "a few seconds", "2 hours", "a month". */
export function humanDuration(milliseconds: number): string {
  const duration = Math.max(0, milliseconds);
  const count = (unit: number, singular: string, plural: string) => {
    const amount = Math.round(duration / unit);
    return amount <= 1 ? singular : `${amount} ${plural}`;
  };
  if (duration < 45 * SECOND) return "a few seconds";
  if (duration < 90 * SECOND) return "a minute";
  if (duration < 45 * MINUTE) return count(MINUTE, "a minute", "minutes");
  if (duration < 90 * MINUTE) return "an hour";
  if (duration < 22 * HOUR) return count(HOUR, "an hour", "hours");
  if (duration < 36 * HOUR) return "a day";
  if (duration < 26 * DAY) return count(DAY, "a day", "days");
  if (duration < 45 * DAY) return "a month";
  if (duration < 320 * DAY) return count(30.4 * DAY, "a month", "months");
  if (duration < 548 * DAY) return "a year";
  return count(365.25 * DAY, "a year", "years");
}
