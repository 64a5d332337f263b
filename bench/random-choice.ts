/**
 * Choices driven by a seeded generator (createRandom in conversation-fixtures.ts), so every benchmark
 * fixture is the same on every run.
 */

export type Random = () => number;

/** Any element, each equally likely. */
export function pickOne<T>(items: readonly T[], random: Random): T {
  if (items.length === 0) throw new Error("nothing to pick from");
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * An element with a heavy head: the first few are picked often and the last ones rarely (the chance of
 * index i falls roughly like a power law), as words are in real text, so queries meet both common and
 * rare words.
 */
export function pickSkewed<T>(items: readonly T[], random: Random): T {
  if (items.length === 0) throw new Error("nothing to pick from");
  return items[Math.floor(items.length * random() ** 3)] as T;
}

/** An integer in [minimum, maximum], both included. */
export function randomInteger(minimum: number, maximum: number, random: Random): number {
  return minimum + Math.floor(random() * (maximum - minimum + 1));
}

/** A copy in random order (Fisher-Yates). */
export function shuffle<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/** `count` distinct elements (all of them when there are fewer), in random order. */
export function pickDistinct<T>(items: readonly T[], count: number, random: Random): T[] {
  return shuffle(items, random).slice(0, count);
}
