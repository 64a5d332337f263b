import type { Store } from "../src/store/store.ts";

/**
 * Waits until no job of `kind` that is due by `now()` is queued or running: the positive signal that
 * everything a request queued has been handled (a job not due yet is left alone).
 */
export async function settleJobs(options: { db: Store["db"]; kind: string; now: () => Date }): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const busy = await options.db
      .selectFrom("jobs")
      .select("id")
      .where("kind", "=", options.kind)
      .where("status", "in", ["queued", "running"])
      .where("run_after", "<=", options.now().toISOString())
      .execute();
    if (busy.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${options.kind} jobs did not settle`);
}
