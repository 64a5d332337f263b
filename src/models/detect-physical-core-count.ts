import { readFileSync } from "node:fs";
import os from "node:os";

/**
 * Physical CPU cores, counted as distinct (physical id, core id) pairs in /proc/cpuinfo; elsewhere half
 * the logical processors (hyper-threading), at least 1. llama.cpp is memory-bound: one thread per
 * physical core is fastest, and oversubscribing is dramatically slower.
 *
 * @example detectPhysicalCoreCount() // 2 on a 2-core, 4-thread laptop
 */
export function detectPhysicalCoreCount(cpuinfo: string | undefined = readCpuinfo()): number {
  const cores = new Set<string>();
  let physicalId = "0";
  for (const line of (cpuinfo ?? "").split("\n")) {
    const [key, value] = line.split(":").map((part) => part.trim());
    if (key === "physical id" && value !== undefined) physicalId = value;
    if (key === "core id" && value !== undefined) cores.add(`${physicalId}/${value}`);
  }
  if (cores.size > 0) return cores.size;
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

function readCpuinfo(): string | undefined {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
}
