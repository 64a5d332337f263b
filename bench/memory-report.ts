import { formatNumber } from "./latency-stats.ts";
import type { Machine } from "./report.ts";
import type { RecallDataset } from "./recall-dataset.ts";
import type { RecallGroup, RecallResult } from "./recall-bench.ts";
import type { LatencyCaseResult, LatencySettings } from "./search-latency-bench.ts";

/** Misses shown as examples in the results: enough to see the pattern, few enough to read. */
const EXAMPLE_MISSES = 6;

function formatPercent(share: number): string {
  return `${formatNumber(share * 100, 1)} %`;
}

/** Search latency per backend and memory count. */
export function formatLatencyTable(results: readonly LatencyCaseResult[]): string {
  const lines = [
    "| backend | memories | p50 ms | p95 ms | p99 ms | searches/s | full-text read p50 ms | salient read p50 ms | " +
      "median share of memories matching a query | insert s (memories added) | other processes, cores |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const result of results) {
    lines.push(
      `| ${result.backend} | ${formatNumber(result.memories, 0)} | ${formatNumber(result.search.p50, 2)} | ` +
        `${formatNumber(result.search.p95, 2)} | ${formatNumber(result.search.p99, 2)} | ` +
        `${formatNumber(result.searchesPerSecond, 0)} | ${formatNumber(result.fullText.p50, 2)} | ` +
        `${formatNumber(result.salient.p50, 2)} | ${formatPercent(result.medianMatchedShare)} | ` +
        `${formatNumber(result.insertSeconds, 1)} (${formatNumber(result.addedMemories, 0)}) | ` +
        `${formatNumber(result.otherCores, 2)} |`,
    );
  }
  return lines.join("\n");
}

function formatGroupRow(group: RecallGroup): string {
  return (
    `| ${group.label} | ${group.questions} | ${group.evidence} | ${formatPercent(group.sharingWords)} | ` +
    `**${formatPercent(group.recallAt5)}** | **${formatPercent(group.recallAt10)}** | ` +
    `${formatPercent(group.completeAt10)} | ${formatPercent(group.fullTextRecallAt10)} |`
  );
}

/** Recall per category and per word overlap, for one backend. */
export function formatRecallTable(result: RecallResult): string {
  return [
    "| questions | count | evidence memories | share with a content word in common | recall@5 | recall@10 | " +
      "all evidence in top 10 | full-text only, recall@10 |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...result.byCategory.map(formatGroupRow),
    ...result.byOverlap.map(formatGroupRow),
    formatGroupRow(result.overall),
  ].join("\n");
}

/** A few questions whose evidence the search missed, with what it returned first. */
export function formatExampleMisses(result: RecallResult): string {
  const misses = result.outcomes.filter(
    (outcome) => outcome.foundAt10 < outcome.question.evidenceKeys.length,
  );
  const seen = new Set<string>();
  const examples = misses.filter((outcome) => {
    // One per category first, so the examples show the different ways retrieval fails.
    if (seen.has(outcome.question.category)) return false;
    seen.add(outcome.question.category);
    return true;
  });
  return examples
    .slice(0, EXAMPLE_MISSES)
    .map(
      (outcome) =>
        `- (${outcome.question.category}) "${outcome.question.question}": evidence ` +
        `${outcome.evidenceFacts.map((facts) => `"${facts}"`).join(" + ")}; ranked first: "${outcome.topFacts[0] ?? ""}"`,
    )
    .join("\n");
}

/** What the dataset holds, counted from the dataset itself. */
export function describeDataset(dataset: RecallDataset): string {
  const roles = new Map<string, number>();
  for (const memory of dataset.memories) roles.set(memory.role, (roles.get(memory.role) ?? 0) + 1);
  const categories = new Map<string, number>();
  for (const question of dataset.questions)
    categories.set(question.category, (categories.get(question.category) ?? 0) + 1);
  const list = (counts: Map<string, number>) =>
    [...counts].map(([label, count]) => `${label} ${formatNumber(count, 0)}`).join(", ");
  return (
    `seed ${dataset.settings.seed}; ${dataset.users.length} users; ${formatNumber(dataset.memories.length, 0)} ` +
    `memories (${list(roles)}); ${dataset.questions.length} questions (${list(categories)})`
  );
}

/** The full record written to results/memory-latest.md. */
export function formatMemoryResultsDocument(options: {
  machine: Machine;
  date: Date;
  latencySettings: LatencySettings;
  latency: LatencyCaseResult[] | undefined;
  recall: RecallResult[] | undefined;
  dataset: RecallDataset;
}): string {
  const { machine, date, latencySettings, latency, recall } = options;
  const lines = [
    "# Memory benchmark results",
    "",
    `- date: ${date.toISOString().slice(0, 10)}`,
    `- machine: ${machine.cores} cores (nproc), ${machine.cpuModel}`,
    `- node: ${machine.nodeVersion}`,
    `- CPU busy with other work just before the run: ${machine.backgroundCpuPercent.toFixed(0)} %`,
  ];
  if (latency) {
    lines.push(
      "",
      "## Search latency (`memoryRetrieval.search`, in process, k = " + `${latencySettings.k})`,
      "",
      `One persona (tier longest) grown to each size; ${latencySettings.warmupSearches} warm-up searches, then ` +
        `${latencySettings.searches} measured, one at a time. No embedding model is configured: there is no ` +
        "query-embedding time and no vector scoring in these figures.",
      "",
      formatLatencyTable(latency),
    );
  }
  for (const result of recall ?? []) {
    lines.push(
      "",
      `## Retrieval quality, ${result.backend}`,
      "",
      `Dataset: ${describeDataset(options.dataset)}. A question's search sees ` +
        `${formatNumber(result.visibleMemories, 0)} memories (its user's and the persona's timeline), so ` +
        `picking 10 at random would find ${formatPercent(10 / result.visibleMemories)} of the evidence.`,
      "",
      formatRecallTable(result),
      "",
      "Examples of missed evidence:",
      "",
      formatExampleMisses(result),
    );
  }
  lines.push("");
  return lines.join("\n");
}
