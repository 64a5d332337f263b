import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withFileLock } from "./file-lock.ts";

describe("withFileLock", () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-lock-"));
  const lockFile = path.join(directory, "build.lock");
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it("lets one holder at a time run, and releases the lock after a failure", async () => {
    const events: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstEntered!: () => void;
    const entered = new Promise<void>((resolve) => (firstEntered = resolve));
    const first = withFileLock(lockFile, async () => {
      events.push("first in");
      firstEntered();
      await firstHolds;
      events.push("first out");
    });
    await entered;
    const second = withFileLock(lockFile, async () => events.push("second in"), { pollMs: 5 });
    // The second is waiting on the lock file the first holds.
    expect(fs.readFileSync(lockFile, "utf8")).toBe(String(process.pid));
    releaseFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(["first in", "first out", "second in"]);
    expect(fs.existsSync(lockFile)).toBe(false);

    await expect(withFileLock(lockFile, async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it("takes over a lock whose owner is gone", async () => {
    // Process ids are below 2^22 on Linux; this one cannot be running.
    fs.writeFileSync(lockFile, "99999999");
    await expect(withFileLock(lockFile, async () => "ran")).resolves.toBe("ran");
    fs.writeFileSync(lockFile, "not a pid");
    await expect(withFileLock(lockFile, async () => "ran again")).resolves.toBe("ran again");
  });
});
