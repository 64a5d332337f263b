/**
 * Summarizes a V8 .cpuprofile (from `BENCH_CPU_PROFILE=...` or `node --cpu-prof`) as markdown tables:
 * self time by module (package or source file), self time by function, and inclusive time (time with the
 * function or module anywhere on the stack), all as shares of busy (non-idle) time.
 *
 * Usage: node --import tsx bench/summarize-cpu-profile.ts <file.cpuprofile> [rows per table, default 25]
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { formatNumber } from "./latency-stats.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const SPECIAL_FRAMES = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/** Where a frame's code lives: an npm package, a project file, a Node module, or a V8 pseudo-frame. */
function moduleOf(frame: ProfileNode["callFrame"]): string {
  if (SPECIAL_FRAMES.has(frame.functionName) && frame.url === "") return frame.functionName;
  const url = frame.url.replace(/^file:\/\//, "");
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1] as string;
  // Node's own modules by name (node:internal/webstreams/readablestream, node:net, ...).
  if (url.startsWith("node:")) return url;
  if (url.startsWith(PROJECT_ROOT)) return url.slice(PROJECT_ROOT.length);
  return url === "" ? "(native / V8 builtins)" : url;
}

function functionKey(frame: ProfileNode["callFrame"]): string {
  const name = frame.functionName || "(anonymous)";
  const module = moduleOf(frame);
  return module === name ? name : `${name} — ${module}:${frame.lineNumber + 1}`;
}

function addTo(map: Map<string, number>, key: string, microseconds: number): void {
  map.set(key, (map.get(key) ?? 0) + microseconds);
}

function table(title: string, map: Map<string, number>, busy: number, rows: number): string {
  const sorted = [...map.entries()].sort((left, right) => right[1] - left[1]).slice(0, rows);
  return [
    `| ${title} | ms | % of busy |`,
    "|---|---:|---:|",
    ...sorted.map(
      ([key, microseconds]) =>
        `| ${key.replaceAll("|", "\\|")} | ${formatNumber(microseconds / 1000, 0)} | ` +
        `${formatNumber((100 * microseconds) / busy, 1)} |`,
    ),
  ].join("\n");
}

async function main(): Promise<void> {
  const [file, rowsText] = process.argv.slice(2);
  if (!file) throw new Error("usage: summarize-cpu-profile.ts <file.cpuprofile> [rows]");
  const rows = rowsText ? Number(rowsText) : 25;
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const selfByFunction = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  const inclusiveByModule = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((nodeId, index) => {
    const microseconds = profile.timeDeltas[index] ?? 0;
    const node = nodes.get(nodeId);
    if (!node) return;
    total += microseconds;
    if (node.callFrame.functionName === "(idle)") {
      idle += microseconds;
      return;
    }
    addTo(selfByFunction, functionKey(node.callFrame), microseconds);
    addTo(selfByModule, moduleOf(node.callFrame), microseconds);
    const seenFunctions = new Set<string>();
    const seenModules = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) {
      const frame = (nodes.get(id) as ProfileNode).callFrame;
      if (frame.functionName === "(root)") break;
      seenFunctions.add(functionKey(frame));
      seenModules.add(moduleOf(frame));
    }
    for (const key of seenFunctions) addTo(inclusiveByFunction, key, microseconds);
    for (const key of seenModules) addTo(inclusiveByModule, key, microseconds);
  });
  const busy = total - idle;
  console.log(
    `Profiled ${formatNumber(total / 1000, 0)} ms, busy ${formatNumber(busy / 1000, 0)} ms ` +
      `(${formatNumber((100 * busy) / total, 0)} %).\n`,
  );
  console.log(table("self time by module", selfByModule, busy, rows), "\n");
  console.log(table("self time by function", selfByFunction, busy, rows), "\n");
  console.log(table("inclusive time by module (on the stack)", inclusiveByModule, busy, rows), "\n");
  console.log(table("inclusive time by function (on the stack)", inclusiveByFunction, busy, rows * 2));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
