import type { EntryPosition, EntryRole } from "./lorebook-model.ts";

/**
 * Character Card V3 decorators: `@@name value` lines in an entry's content that change how the entry activates
 * and where it goes. A `@@@name value` line right after a decorator is its fallback, used when the decorator
 * before it is unknown here or its value is invalid (fallbacks chain, checked top to bottom).
 */
export interface Decorator {
  name: string;
  /** The text after the name, split on commas and trimmed; empty for a decorator without a value. */
  values: string[];
  fallbacks: Decorator[];
}

/** What an entry's decorators ask for, after unknown and invalid ones were dropped. */
export interface EntryDirectives {
  /** `@@activate`: a match whatever the chat says (a disabled entry still never activates). */
  activate: boolean;
  /** `@@dont_activate`: never a match, unless `@@activate` is also present. */
  dontActivate: boolean;
  /** `@@activate_only_after N`: not before the chat holds N assistant messages. */
  activateOnlyAfter: number | null;
  /** `@@activate_only_every N`: only when the assistant message count is a multiple of N. */
  activateOnlyEvery: number | null;
  /** `@@scan_depth N`: the entry's keys are looked for in the last N messages. */
  scanDepth: number | null;
  /** `@@depth N` (into the history, N messages from the end) or `@@position ...`. */
  position: EntryPosition | null;
  depth: number | null;
  /** `@@role system|user|assistant`. */
  role: EntryRole | null;
  /** `@@additional_keys a,b`: one of these must also be in the chat. */
  additionalKeys: string[];
  /** `@@exclude_keys a,b`: none of these may be in the chat. */
  excludeKeys: string[];
  /** `@@is_greeting N`: only while the conversation started from greeting N (0 = first_mes). */
  isGreeting: number | null;
  /** `@@keep_activate_after_match`: once activated, active on every later turn. */
  keepActivateAfterMatch: boolean;
  /** `@@dont_activate_after_match`: once activated, never again. */
  dontActivateAfterMatch: boolean;
}

const DECORATOR_LINE = /^@@(@*)([a-z_][a-z0-9_]*)(?:[ \t]+(.*))?$/i;

/**
 * Splits decorator lines from the text that goes into the prompt. Lines not starting with `@@` are content;
 * the blank lines left around removed decorators are trimmed, as the V3 spec asks.
 *
 * @example parseDecorators("@@depth 2\n@@role user\nThe tower is haunted.")
 *   // { decorators: [{ name: "depth", values: ["2"], ... }, ...], content: "The tower is haunted." }
 */
export function parseDecorators(content: string): { decorators: Decorator[]; content: string } {
  if (!content.includes("@@")) return { decorators: [], content };
  const decorators: Decorator[] = [];
  const kept: string[] = [];
  for (const line of content.split(/\r?\n/)) {
    const match = DECORATOR_LINE.exec(line.trimEnd());
    if (!match) {
      kept.push(line);
      continue;
    }
    const [, extraAts = "", name = "", rawValue = ""] = match;
    const decorator: Decorator = { name: name.toLowerCase(), values: splitValues(rawValue), fallbacks: [] };
    const previous = decorators.at(-1);
    // `@@@name` falls back for the decorator above it; a stray one with nothing above is ignored.
    if (extraAts.length > 0) previous?.fallbacks.push(decorator);
    else decorators.push(decorator);
  }
  if (decorators.length === 0) return { decorators, content };
  return { decorators, content: kept.join("\n").replace(/^(?:[ \t]*\r?\n)+|(?:\r?\n[ \t]*)+$/g, "") };
}

function splitValues(rawValue: string): string[] {
  const trimmed = rawValue.trim();
  if (trimmed === "") return [];
  return trimmed
    .split(",")
    .map((value) => value.trim())
    .filter((value) => value !== "");
}

/** V3's `@@position` values and the ones SillyTavern adds, mapped to this engine's positions. */
const POSITION_VALUES: Record<string, EntryPosition> = {
  before_desc: "before_char",
  after_desc: "after_char",
  before_char: "before_char",
  after_char: "after_char",
  before_examples: "before_examples",
  after_examples: "after_examples",
  author_note_top: "author_note_top",
  author_note_bottom: "author_note_bottom",
};

const ROLES: readonly EntryRole[] = ["system", "user", "assistant"];

function wholeNumber(values: string[]): number | null {
  if (values.length !== 1) return null;
  const text = values[0] as string;
  if (!/^-?\d+$/.test(text)) return null;
  return Number(text);
}

type Apply = (directives: EntryDirectives, values: string[], seen: Set<string>) => boolean;

/**
 * Each known decorator: applies itself and answers true, or answers false when its value is invalid (so a
 * fallback is tried). Decorators this engine cannot honour in a chat (`@@instruct_depth`, `@@reverse_depth`,
 * `@@is_user_icon`, `@@ignore_on_max_context`, ...) are unknown here, which lets their fallbacks apply.
 */
const KNOWN: Record<string, Apply> = {
  activate: (directives) => ((directives.activate = true), true),
  dont_activate: (directives) => ((directives.dontActivate = true), true),
  activate_only_after: (directives, values) => {
    const count = wholeNumber(values);
    if (count === null || count < 0) return false;
    directives.activateOnlyAfter = count;
    return true;
  },
  activate_only_every: (directives, values) => {
    const every = wholeNumber(values);
    if (every === null || every < 1) return false;
    directives.activateOnlyEvery = every;
    return true;
  },
  scan_depth: (directives, values) => {
    const depth = wholeNumber(values);
    if (depth === null || depth < 0) return false;
    directives.scanDepth = depth;
    return true;
  },
  depth: (directives, values, seen) => {
    const depth = wholeNumber(values);
    if (depth === null) return false;
    // V3: `@@position` wins over `@@depth`, whichever line comes first.
    if (seen.has("position")) return true;
    directives.position = "at_depth";
    directives.depth = Math.max(0, depth);
    return true;
  },
  position: (directives, values) => {
    const position = values.length === 1 ? POSITION_VALUES[(values[0] as string).toLowerCase()] : undefined;
    if (!position) return false;
    directives.position = position;
    directives.depth = null;
    return true;
  },
  role: (directives, values) => {
    const role = values.length === 1 ? (values[0] as string).toLowerCase() : "";
    if (!ROLES.includes(role as EntryRole)) return false;
    directives.role = role as EntryRole;
    return true;
  },
  additional_keys: (directives, values) => {
    if (values.length === 0) return false;
    directives.additionalKeys = values;
    return true;
  },
  exclude_keys: (directives, values) => {
    if (values.length === 0) return false;
    directives.excludeKeys = values;
    return true;
  },
  keep_activate_after_match: (directives) => ((directives.keepActivateAfterMatch = true), true),
  dont_activate_after_match: (directives) => ((directives.dontActivateAfterMatch = true), true),
  is_greeting: (directives, values) => {
    const index = wholeNumber(values);
    if (index === null || index < 0) return false;
    directives.isGreeting = index;
    return true;
  },
};

export function emptyDirectives(): EntryDirectives {
  return {
    activate: false,
    dontActivate: false,
    activateOnlyAfter: null,
    activateOnlyEvery: null,
    scanDepth: null,
    position: null,
    depth: null,
    role: null,
    additionalKeys: [],
    excludeKeys: [],
    isGreeting: null,
    keepActivateAfterMatch: false,
    dontActivateAfterMatch: false,
  };
}

/**
 * What a list of decorators asks for. Only the first decorator of a name counts (V3); an unknown or invalid
 * one gives way to its first applicable fallback.
 *
 * @example resolveDirectives(parseDecorators("@@depth 0\n@@role assistant\nHi").decorators)
 *   // { position: "at_depth", depth: 0, role: "assistant", ... }
 */
export function resolveDirectives(decorators: readonly Decorator[]): EntryDirectives {
  const directives = emptyDirectives();
  const seen = new Set<string>();
  // `@@position` anywhere overrides `@@depth`: look ahead once so the order of lines does not matter.
  if (
    decorators.some(
      (decorator) =>
        decorator.name === "position" && KNOWN.position?.(emptyDirectives(), decorator.values, seen),
    )
  ) {
    seen.add("position");
  }
  const applied = new Set<string>();
  for (const decorator of decorators) {
    for (const candidate of [decorator, ...decorator.fallbacks]) {
      const apply = KNOWN[candidate.name];
      if (!apply) continue;
      if (applied.has(candidate.name)) break;
      if (apply(directives, candidate.values, seen)) {
        applied.add(candidate.name);
        break;
      }
    }
  }
  return directives;
}
