import type { CompletionResults } from "./completion-overhead-bench.ts";
import { formatNumber, formatSigned } from "./latency-stats.ts";
import type { Machine } from "./report.ts";
import type { TurnCaseResult, TurnSettings } from "./turn-time-bench.ts";

/** Turn time per memory tier and conversation length. */
export function formatTurnTable(results: TurnCaseResult[]): string {
  const lines = [
    "| memory tier | messages in conversation | conversations | history in prompt (messages / tokens) | " +
      "stored prompt record KB | turns | p50 ms | p99 ms | whole send() p50 ms | whole send() p99 ms | turns/s | other work, cores |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const result of results) {
    lines.push(
      `| ${result.tier} | ${formatNumber(result.length, 0)} | ${formatNumber(result.conversations, 0)} | ` +
        `${result.historyInPrompt} / ${formatNumber(result.promptTokens, 0)} | ` +
        `${formatNumber(result.promptRecordBytes / 1024, 0)} | ${result.turns} | ` +
        `${formatNumber(result.replyPath.p50, 2)} | ${formatNumber(result.replyPath.p99, 2)} | ` +
        `${formatNumber(result.wholeTurn.p50, 2)} | ${formatNumber(result.wholeTurn.p99, 2)} | ` +
        `${formatNumber(result.turnsPerSecond, 0)} | ${formatNumber(result.otherCores, 2)} |`,
    );
  }
  return lines.join("\n");
}

/** Sequential latency and throughput of both paths, with the difference Dramatis makes. */
export function formatCompletionTables(results: CompletionResults): string {
  const { direct, relayed } = results;
  const paths = [
    ["upstream directly", direct],
    ["through Dramatis (persona/<id>)", relayed],
  ] as const;
  const optional = (value: number | undefined, fractionDigits: number) =>
    value === undefined ? "n/a" : formatNumber(value, fractionDigits);
  const sequential = [
    "| POST /v1/chat/completions, concurrency 1 | requests | p50 ms | p99 ms | mean ms | " +
      "server CPU ms / request |",
    "|---|---:|---:|---:|---:|---:|",
    ...paths.map(
      ([name, path]) =>
        `| ${name} | ${formatNumber(path.sequential.count, 0)} | ${formatNumber(path.sequential.p50, 2)} | ` +
        `${formatNumber(path.sequential.p99, 2)} | ${formatNumber(path.sequential.mean, 2)} | ` +
        `${optional(path.serverCpuMsPerRequest, 2)} |`,
    ),
    `| **added by Dramatis** | | **${formatSigned(relayed.sequential.p50 - direct.sequential.p50, 2)}** | ` +
      `**${formatSigned(relayed.sequential.p99 - direct.sequential.p99, 2)}** | ` +
      `${formatSigned(relayed.sequential.mean - direct.sequential.mean, 2)} | |`,
  ];
  const load = [
    `| POST /v1/chat/completions, ${results.load.connections} connections | req/s | p50 ms | p99 ms | ` +
      "errors / non-2xx | serving process, cores busy | other work, cores |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...paths.map(
      ([name, path]) =>
        `| ${name} | ${formatNumber(path.load.requestsPerSecond, 0)} | ` +
        `${formatNumber(path.load.latencyP50Milliseconds, 0)} | ` +
        `${formatNumber(path.load.latencyP99Milliseconds, 0)} | ${path.load.errors} / ${path.load.non2xx} | ` +
        `${optional(path.serverCoresUnderLoad, 2)} | ${formatNumber(path.otherCoresUnderLoad, 2)} |`,
    ),
    `| **added by Dramatis** | | ` +
      `**${formatSigned(relayed.load.latencyP50Milliseconds - direct.load.latencyP50Milliseconds, 0)}** | ` +
      `**${formatSigned(relayed.load.latencyP99Milliseconds - direct.load.latencyP99Milliseconds, 0)}** | | | |`,
  ];
  return [...sequential, "", ...load].join("\n");
}

/** The full record written to results/chat-latest.md. */
export function formatChatResultsDocument(options: {
  machine: Machine;
  date: Date;
  turnSettings: TurnSettings;
  turns: TurnCaseResult[] | undefined;
  completions: CompletionResults | undefined;
}): string {
  const { machine, date, turnSettings, turns, completions } = options;
  const lines = [
    "# Chat benchmark results",
    "",
    `- date: ${date.toISOString().slice(0, 10)}`,
    `- machine: ${machine.cores} cores (nproc), ${machine.cpuModel}`,
    `- node: ${machine.nodeVersion}`,
    `- CPU busy with other work just before the run: ${machine.backgroundCpuPercent.toFixed(0)} %`,
  ];
  if (turns) {
    lines.push(
      "",
      "## Chat turn time excluding model time (SQLite, in process, instant model)",
      "",
      `${turnSettings.warmupTurns} warm-up turns discarded, then ${turnSettings.turns} measured per row. ` +
        "p50/p99 are `timings.total_ms − timings.model_ms` as `ConversationService.send` returns them; " +
        '"whole send()" is the wall time of the call minus `model_ms`.',
      "",
      formatTurnTable(turns),
    );
  }
  if (completions) {
    lines.push(
      "",
      "## Added latency of /v1/chat/completions over the upstream called directly (non-streaming)",
      "",
      `${formatNumber(completions.sequentialRequests, 0)} measured requests per path at concurrency 1 (alternating), then ` +
        `autocannon with ${completions.load.connections} connections, ${completions.load.warmupSeconds} s ` +
        `warm-up and ${completions.load.durationSeconds} s measured per path; upstream, Dramatis and load ` +
        "generator in three processes. Other work on the machine used " +
        `${formatNumber(completions.otherCoresSequential, 2)} cores on average during the sequential run.`,
      "",
      formatCompletionTables(completions),
    );
  }
  lines.push("");
  return lines.join("\n");
}
