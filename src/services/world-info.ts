import {
  activateLorebook,
  parseCharacterBook,
  type ActivatedLorebookEntry,
  type Lorebook,
} from "../domain/lorebook/index.ts";
import { expandMacros, type MacroContext } from "../domain/macros.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { createRandom, hashSeed } from "../memory/seeded-random.ts";
import type { HistoryMessage, WorldInfoInsert } from "./prompt-assembly.ts";

/** Share of the prompt's token budget world info may take (SillyTavern's default is 25% of the context). */
const WORLD_INFO_BUDGET_SHARE = 0.25;
/** Parsed books by their JSON: the engine compiles a book once per object, so the same book is reused. */
const PARSED_BOOKS_KEPT = 64;
const parsedBooks = new Map<string, Lorebook | null>();

/**
 * The persona's card lorebook (`card.character_book`), active by default as the V2/V3 specs require; null
 * when it has none or it cannot be read (an unreadable book is left out rather than failing the reply).
 */
export function characterBookOf(persona: PersonaDefinition): Lorebook | null {
  const raw = persona.card.character_book;
  if (raw === null || typeof raw !== "object") return null;
  const text = JSON.stringify(raw);
  const cached = parsedBooks.get(text);
  if (cached !== undefined) {
    // Refresh its place: the least recently used book is the one forgotten.
    parsedBooks.delete(text);
    parsedBooks.set(text, cached);
    return cached;
  }
  let book: Lorebook | null;
  try {
    book = parseCharacterBook(raw);
  } catch {
    book = null;
  }
  parsedBooks.set(text, book);
  if (parsedBooks.size > PARSED_BOOKS_KEPT) parsedBooks.delete(parsedBooks.keys().next().value as string);
  return book;
}

/**
 * The world info entries a reply brings into the prompt: the persona's card lorebook and every standalone
 * book attached to the persona, the user persona or the conversation (`attachedBooks`, in that order),
 * scanned together against the history within one shared budget, a quarter of the prompt's; entries'
 * macros replaced. Probabilities draw from a source seeded by the conversation and its length, so the same
 * turn always activates the same entries.
 */
export function worldInfoFor(input: {
  persona: PersonaDefinition;
  attachedBooks?: readonly Lorebook[];
  history: readonly HistoryMessage[];
  macros: MacroContext;
  tokenBudget: number;
  countTokens: (text: string) => number;
  seed: string;
}): WorldInfoInsert[] {
  const cardBook = characterBookOf(input.persona);
  const books = [...(cardBook ? [cardBook] : []), ...(input.attachedBooks ?? [])].filter(
    (book) => book.entries.length > 0,
  );
  if (books.length === 0) return [];
  const random = createRandom(hashSeed(`${input.seed}|${input.history.length}`));
  const activation = activateLorebook({
    books,
    // Tool results are data, not conversation: keywords in them do not fire entries.
    messages: input.history.flatMap(({ role, content }) => (role === "tool" ? [] : [{ role, content }])),
    tokenBudget: Math.floor(input.tokenBudget * WORLD_INFO_BUDGET_SHARE),
    countTokens: input.countTokens,
    random: () => random.next(),
    keyMacros: { char: input.macros.char, user: input.macros.user },
  });
  return activation.entries.flatMap((entry) => {
    const position = placement(entry.position);
    if (!position) return [];
    const content = expandMacros(entry.content, input.macros);
    return [
      {
        position,
        depth: entry.depth,
        role: entry.role,
        content,
        tokens: input.countTokens(content),
        detail: describeEntry(entry),
      },
    ];
  });
}

/**
 * Where an entry goes in Dramatis's prompt: the author's note positions sit after the character (there is
 * no author's note), and named outlets appear only where a prompt asks for them, which none does yet.
 */
function placement(position: ActivatedLorebookEntry["position"]): WorldInfoInsert["position"] | null {
  switch (position) {
    case "before_char":
    case "after_char":
    case "before_examples":
    case "after_examples":
    case "at_depth":
      return position;
    case "author_note_top":
    case "author_note_bottom":
      return "after_char";
    case "outlet":
      return null;
  }
}

/** "Lorebook “Eldoria”, entry “Dragons”: key “dragon” in the chat", for the prompt inspector. */
function describeEntry(entry: ActivatedLorebookEntry): string {
  const title = entry.entry.name || entry.entry.comment || entry.entry.keys[0] || `#${entry.entryIndex + 1}`;
  const book = entry.bookName
    ? `Lorebook “${entry.bookName}”, entry “${title}”`
    : `Lorebook entry “${title}”`;
  const trigger = entry.trigger;
  const why =
    trigger.kind === "constant"
      ? "always on (constant)"
      : trigger.kind === "decorator"
        ? "activated by a decorator"
        : `key “${trigger.key}”${trigger.secondaryKey ? ` with “${trigger.secondaryKey}”` : ""} ${
            trigger.source === "chat" ? "in the chat" : "in another entry"
          }`;
  const where = entry.position === "at_depth" ? `, at depth ${entry.depth} as ${entry.role}` : "";
  return `${book}: ${why}${where}`;
}
