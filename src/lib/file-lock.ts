import fs from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `work` while holding `lockFile` (created exclusively, holding this process's id), so processes on
 * one machine that would write the same output (two test runs building the web app) take turns. A lock
 * whose owner has died is taken over. Waiting polls every `pollMs`.
 *
 * @example await withFileLock("web/.build.lock", () => build());
 */
export async function withFileLock<T>(
  lockFile: string,
  work: () => Promise<T>,
  options: { pollMs?: number } = {},
): Promise<T> {
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(lockFile, "utf8").trim());
      if (!Number.isInteger(owner) || owner <= 0 || !processIsAlive(owner)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      await delay(options.pollMs ?? 100);
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}
