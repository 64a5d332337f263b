import { readFileSync } from "node:fs";
import os from "node:os";
import { setTimeout } from "node:timers/promises";
import type { LoadResult, LoadSettings } from "./load-test.ts";

/** A measured scenario, ready to be printed. */
export interface ScenarioResult {
  name: string;
  result: LoadResult;
}

/** The machine the figures belong to: without it they mean little. */
export interface Machine {
  cores: number;
  cpuModel: string;
  nodeVersion: string;
  /** CPU use by other work just before the run, in percent of all cores: it skews the figures. */
  backgroundCpuPercent: number;
}

export async function describeMachine(): Promise<Machine> {
  return {
    // Same count as `nproc`: the cores this process may run on, not every core in the host.
    cores: os.availableParallelism(),
    cpuModel: readCpuModel(),
    nodeVersion: process.version,
    backgroundCpuPercent: await sampleCpuBusyPercent(1000),
  };
}

/** Share of CPU time, over all cores, that was not idle during the sample. */
async function sampleCpuBusyPercent(sampleMilliseconds: number): Promise<number> {
  const before = sumCpuTimes();
  await setTimeout(sampleMilliseconds);
  const after = sumCpuTimes();
  const total = after.total - before.total;
  return total > 0 ? (100 * (total - (after.idle - before.idle))) / total : 0;
}

function sumCpuTimes(): { total: number; idle: number } {
  let total = 0;
  let idle = 0;
  for (const { times } of os.cpus()) {
    total += times.user + times.nice + times.sys + times.irq + times.idle;
    idle += times.idle;
  }
  return { total, idle };
}

function readCpuModel(): string {
  try {
    const cpuInfo = readFileSync("/proc/cpuinfo", "utf8");
    const modelLine = /^model name\s*:\s*(.+)$/m.exec(cpuInfo);
    if (modelLine?.[1]) return modelLine[1].trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** The results as a markdown table, one row per scenario. */
export function formatResultsTable(scenarios: ScenarioResult[]): string {
  const header = ["| scenario | req/s | p50 ms | p99 ms | errors / non-2xx |", "|---|---:|---:|---:|---:|"];
  const rows = scenarios.map(
    ({ name, result }) =>
      `| ${name} | ${formatNumber(result.requestsPerSecond, 0)} | ${formatNumber(result.latencyP50Milliseconds, 0)} | ` +
      `${formatNumber(result.latencyP99Milliseconds, 0)} | ${result.errors} / ${result.non2xx} |`,
  );
  return [...header, ...rows].join("\n");
}

/** The full record written to results/latest.md: machine, date, settings and the table. */
export function formatResultsDocument(options: {
  scenarios: ScenarioResult[];
  machine: Machine;
  settings: LoadSettings;
  date: Date;
}): string {
  const { scenarios, machine, settings, date } = options;
  return [
    "# HTTP benchmark results",
    "",
    `- date: ${date.toISOString().slice(0, 10)}`,
    `- machine: ${machine.cores} cores (nproc), ${machine.cpuModel}`,
    `- node: ${machine.nodeVersion}`,
    `- CPU busy with other work just before the run: ${machine.backgroundCpuPercent.toFixed(0)} %`,
    `- load: autocannon, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up, ` +
      `${settings.durationSeconds} s measured per scenario; server in its own process`,
    "",
    formatResultsTable(scenarios),
    "",
  ].join("\n");
}

function formatNumber(value: number, fractionDigits: number): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  });
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, all threads) a process has used so far, in milliseconds, from /proc; undefined
 * where there is no /proc (not Linux). Resolution is one clock tick (10 ms), so use it over many requests.
 */
export function readProcessCpuMilliseconds(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * (1000 / CLOCK_TICKS_PER_SECOND) : undefined;
  } catch {
    return undefined;
  }
}

/** How much CPU other work on the machine used while something ran. */
export interface CpuAccount {
  wallMs: number;
  /**
   * Cores (1.0 = one core busy all the time) the machine spent in user and system time beyond what this
   * process and the given benchmark processes used: other programs competing for the same cores. Interrupt
   * time is left out, since on loopback it mostly carries the benchmark's own traffic.
   */
  otherCores: number;
}

/**
 * Starts accounting for other work; the returned function ends it. A run on a shared machine can then say
 * how much it had to share.
 *
 * @example const stop = startCpuAccounting([server.pid]); await run(); const { otherCores } = stop();
 */
export function startCpuAccounting(benchmarkPids: readonly number[]): () => CpuAccount {
  const machineBefore = sumBusyMilliseconds();
  const ownBefore = process.cpuUsage();
  const serversBefore = benchmarkPids.map((pid) => readProcessCpuMilliseconds(pid) ?? 0);
  const started = performance.now();
  return () => {
    const wallMs = performance.now() - started;
    const machineMs = sumBusyMilliseconds() - machineBefore;
    const own = process.cpuUsage(ownBefore);
    const serversMs = benchmarkPids.reduce(
      (total, pid, index) => total + ((readProcessCpuMilliseconds(pid) ?? 0) - (serversBefore[index] ?? 0)),
      0,
    );
    const benchmarkMs = (own.user + own.system) / 1000 + serversMs;
    return { wallMs, otherCores: Math.max(0, machineMs - benchmarkMs) / wallMs };
  };
}

/** User and system time of all cores so far, in milliseconds. */
function sumBusyMilliseconds(): number {
  return os.cpus().reduce((total, { times }) => total + times.user + times.nice + times.sys, 0);
}
