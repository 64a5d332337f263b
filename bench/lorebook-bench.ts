/**
 * Lorebook activation time: a 66-entry book (the size of a rich character card's) and a 5,000-entry book
 * (a large shared world), against a 10,000-message conversation, at the default scan depth and deeper.
 * Everything is in process and pure: no server, no database. Writes bench/results/lorebook-latest.md.
 *
 * Run: npm run bench:lorebook   (LOREBOOK_BENCH_SECONDS=2 per scenario by default)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { activateLorebook, type LorebookMessage } from "../src/domain/lorebook/activate-lorebook.ts";
import { compileLorebook } from "../src/domain/lorebook/compile-lorebook.ts";
import { createLorebook, createLorebookEntry, type Lorebook } from "../src/domain/lorebook/lorebook-model.ts";
import { countTokens } from "../src/models/token-count.ts";
import { createMessagePool, createRandom } from "./conversation-fixtures.ts";
import { formatNumber, summarizeLatencies, type LatencySummary } from "./latency-stats.ts";
import { describeMachine } from "./report.ts";

const MESSAGE_COUNT = 10_000;
const SECONDS_PER_SCENARIO = Number(process.env.LOREBOOK_BENCH_SECONDS ?? 2);
const MAX_SAMPLES = 2_000;
const MIN_SAMPLES = 5;

const SYLLABLES = [
  "ka",
  "lor",
  "vesh",
  "tam",
  "ri",
  "on",
  "dul",
  "mir",
  "sa",
  "thel",
  "gor",
  "ein",
  "ba",
  "zu",
];

/** A made-up proper name, like the places and people lorebooks describe. */
function inventName(random: () => number): string {
  const length = 2 + Math.floor(random() * 2);
  let name = "";
  for (let index = 0; index < length; index++) name += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * A book shaped like real ones: 1 to 3 keys per entry (a name, sometimes a nickname or a two-word phrase),
 * a secondary key on one entry in eight, a regex key on one in fifty, whole-word matching on a third, three
 * constant entries, contents of 40 to 120 words naming one or two other entries (so recursion has work).
 */
function generateBook(entryCount: number, random: () => number): { book: Lorebook; names: string[] } {
  const names = Array.from({ length: entryCount }, (_, index) => `${inventName(random)}${index}`);
  const entries = names.map((name, index) => {
    const keys = [name];
    if (random() < 0.4) keys.push(`${inventName(random)} ${name}`);
    if (random() < 0.3) keys.push(inventName(random).toLowerCase());
    if (random() < 0.02) keys.push(`/${name}(?:'s|s)?\\b/i`);
    const words = 40 + Math.floor(random() * 80);
    const content = Array.from({ length: words }, (_, word) =>
      word % 60 === 30 ? (names[Math.floor(random() * names.length)] as string) : "lore",
    ).join(" ");
    return createLorebookEntry({
      id: String(index),
      keys,
      secondaryKeys: random() < 0.125 ? [inventName(random)] : [],
      selective: true,
      selectiveLogic: random() < 0.5 ? "and_any" : "not_any",
      content,
      constant: index < 3,
      matchWholeWords: random() < 0.33 ? true : null,
      insertionOrder: Math.floor(random() * 200),
      position: random() < 0.2 ? "at_depth" : "before_char",
    });
  });
  return { book: createLorebook({ name: `${entryCount} entries`, entries }), names };
}

/** 10,000 everyday chat messages; one in five mentions a name from the book, as role-play chats do. */
function generateConversation(names: readonly string[], random: () => number): LorebookMessage[] {
  const pool = createMessagePool({ size: 400, random });
  return Array.from({ length: MESSAGE_COUNT }, (_, index) => {
    let content = (pool[Math.floor(random() * pool.length)] as { content: string }).content;
    if (random() < 0.2) content += ` What about ${names[Math.floor(random() * names.length)]}?`;
    return { role: index % 2 === 0 ? "user" : "assistant", content } satisfies LorebookMessage;
  });
}

interface ScenarioResult {
  book: string;
  scanDepth: number;
  recursive: boolean;
  /** Compiling the book alone (decorators, keys, automatons). */
  compileMs: number;
  firstMs: number;
  summary: LatencySummary;
  activated: number;
  /** Before the token budget. */
  matched: number;
}

/**
 * Activations on consecutive turns (the conversation cut at 50 different ends), measured one at a time
 * until the time is up. The first activation, which compiles the book and counts its tokens, is reported
 * apart.
 */
function measure(
  book: Lorebook,
  conversations: readonly LorebookMessage[][],
  scanDepth: number,
  recursive: boolean,
): ScenarioResult {
  const random = createRandom(99);
  const activate = (messages: LorebookMessage[]) =>
    activateLorebook({
      books: [book],
      messages,
      scanDepth,
      tokenBudget: 2_000,
      countTokens,
      random,
      recursiveScanning: recursive,
      maxRecursionSteps: 3,
    });
  let started = performance.now();
  compileLorebook({ ...book }, { caseSensitive: false, matchWholeWords: false });
  const compileMs = performance.now() - started;
  const fresh = { ...book };
  started = performance.now();
  activateLorebook({
    books: [fresh],
    messages: conversations[0] as LorebookMessage[],
    scanDepth,
    countTokens,
    random,
  });
  const firstMs = performance.now() - started;
  for (let warmUp = 0; warmUp < 3; warmUp++) activate(conversations[warmUp] as LorebookMessage[]);
  const samples: number[] = [];
  let activated = 0;
  let matched = 0;
  const deadline = performance.now() + SECONDS_PER_SCENARIO * 1000;
  while (samples.length < MAX_SAMPLES && (samples.length < MIN_SAMPLES || performance.now() < deadline)) {
    const messages = conversations[samples.length % conversations.length] as LorebookMessage[];
    started = performance.now();
    const result = activate(messages);
    samples.push(performance.now() - started);
    activated += result.entries.length;
    matched += result.entries.length + result.trimmed.length;
  }
  return {
    book: book.name,
    scanDepth,
    recursive,
    compileMs,
    firstMs,
    summary: summarizeLatencies(samples),
    activated: activated / samples.length,
    matched: matched / samples.length,
  };
}

/** Kept so the naive loop's result is used and cannot be optimised away. */
let naiveMatches = 0;

/** The straightforward way, for scale: every key of every entry looked up with `includes` in the joined text. */
function measureNaive(book: Lorebook, messages: readonly LorebookMessage[], scanDepth: number): number {
  const samples: number[] = [];
  for (let run = 0; run < MIN_SAMPLES; run++) {
    const started = performance.now();
    const text = messages
      .slice(-scanDepth)
      .map((message) => message.content)
      .join("\n")
      .toLowerCase();
    let found = 0;
    for (const entry of book.entries) if (entry.keys.some((key) => text.includes(key.toLowerCase()))) found++;
    samples.push(performance.now() - started);
    naiveMatches += found;
  }
  return summarizeLatencies(samples).p50;
}

async function main(): Promise<void> {
  const machine = await describeMachine();
  const random = createRandom(20261206);
  const small = generateBook(66, random);
  const large = generateBook(5_000, random);
  const conversationFor = (names: readonly string[]) => {
    const full = generateConversation(names, random);
    return Array.from({ length: 50 }, (_, cut) => full.slice(0, MESSAGE_COUNT - cut));
  };
  const books = [
    { book: small.book, conversations: conversationFor(small.names) },
    { book: large.book, conversations: conversationFor(large.names) },
  ];
  const depths = [2, 100, MESSAGE_COUNT];

  const results: ScenarioResult[] = [];
  const naiveMilliseconds: number[] = [];
  for (const { book, conversations } of books) {
    for (const scanDepth of depths) {
      const naiveP50 = measureNaive(book, conversations[0] as LorebookMessage[], scanDepth);
      for (const recursive of [false, true]) {
        const result = measure(book, conversations, scanDepth, recursive);
        results.push(result);
        naiveMilliseconds.push(naiveP50);
        console.log(
          `${book.name.padEnd(12)} scan depth ${String(scanDepth).padStart(6)}, recursion ${recursive ? "on " : "off"}: ` +
            `p50 ${formatNumber(result.summary.p50, 3)} ms, p95 ${formatNumber(result.summary.p95, 3)} ms, ` +
            `first ${formatNumber(result.firstMs, 1)} ms, ${formatNumber(result.matched, 1)} activated, ` +
            `${formatNumber(result.activated, 1)} kept (${result.summary.count} activations)`,
        );
      }
    }
  }

  const rows = results.map(
    (result, index) =>
      `| ${result.book} | ${formatNumber(result.scanDepth, 0)} | ${result.recursive ? "on" : "off"} | ` +
      `${formatNumber(result.summary.p50, 3)} | ${formatNumber(result.summary.p95, 3)} | ` +
      `${formatNumber(result.summary.mean, 3)} | ${formatNumber(result.compileMs, 1)} | ${formatNumber(result.firstMs, 1)} | ` +
      `${formatNumber(result.matched, 1)} | ${formatNumber(result.activated, 1)} | ${result.summary.count} | ` +
      `${formatNumber(naiveMilliseconds[index] as number, 3)} |`,
  );
  const document = [
    "# Lorebook activation benchmark results",
    "",
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    `- machine: ${machine.cores} cores (nproc), ${machine.cpuModel}`,
    `- node: ${machine.nodeVersion}`,
    `- CPU busy with other work just before the run: ${formatNumber(machine.backgroundCpuPercent, 0)} %`,
    `- conversation: ${formatNumber(MESSAGE_COUNT, 0)} messages of 30 to 80 tokens; token budget 2,000; up to 3 recursion rounds`,
    "",
    "| book | scan depth (messages) | recursion | p50 ms | p95 ms | mean ms | compile ms | first activation ms (compile + token counts) | entries activated | kept in budget | activations measured | naive `includes` scan, keys only, p50 ms |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n");
  const resultsDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(resultsDirectory, { recursive: true });
  writeFileSync(path.join(resultsDirectory, "lorebook-latest.md"), document);
  console.log(`\n${document}\n(naive scans matched ${naiveMatches} entries in all)`);
}

await main();
