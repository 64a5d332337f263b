/**
 * Lets timers and I/O (HTTP requests) run before continuing. Work over the synchronous SQLite driver
 * never waits on real I/O, so a long loop of awaited queries would otherwise hold the event loop: every
 * await resumes as a microtask, ahead of any request.
 *
 * @example for (const batch of batches) { await store(batch); await yieldToEventLoop(); }
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
