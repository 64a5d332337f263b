/**
 * `npm run bench:crash [-- --cycles 200] [-- --postgres]`: the kill -9 loop (test/crash-loop.ts) for many
 * cycles. Prints the figures recorded in bench/README.md and exits non-zero when anything acknowledged was
 * lost or an acknowledged async reply was not delivered. `--postgres` uses DATABASE_URL.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { runCrashLoop } from "../test/crash-loop.ts";

const { values } = parseArgs({
  options: { cycles: { type: "string", default: "200" }, postgres: { type: "boolean", default: false } },
});
const cycles = Number(values.cycles);
if (!Number.isInteger(cycles) || cycles < 1) throw new RangeError(`--cycles must be a positive integer`);
const databaseUrl = values.postgres ? process.env.DATABASE_URL : undefined;
if (values.postgres && !databaseUrl) throw new Error("--postgres needs DATABASE_URL=postgres://...");

const report = await runCrashLoop({ cycles, databaseUrl, log: (line) => console.log(line) });
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(
  [
    `date: ${new Date().toISOString()}  machine: ${os.cpus().length} x ${cpu}, Node ${process.version}`,
    `backend: ${report.backend}  cycles: ${report.cycles}  duration: ${(report.durationMs / 1000).toFixed(0)} s`,
    `acknowledged writes: ${report.acknowledged.total} (messages ${report.acknowledged.messages}, ` +
      `memories ${report.acknowledged.memories})  lost: ${report.lost.length}`,
    `async replies acknowledged: ${report.acknowledged.asyncReplies}  delivered: ${report.asyncRepliesDelivered}` +
      `  most crashes of one job: ${report.maxJobCrashes}`,
    `rejected answers: ${JSON.stringify(report.rejected)}  integrity_check: ${report.integrityCheck ?? "n/a"}`,
  ].join("\n"),
);
console.log(`most crashed jobs: ${JSON.stringify(report.mostCrashedJobs)}`);
if (report.lost.length > 0 || report.undelivered.length > 0 || (report.integrityCheck ?? "ok") !== "ok") {
  console.error("FAILED:", JSON.stringify({ lost: report.lost, undelivered: report.undelivered }));
  process.exitCode = 1;
}
