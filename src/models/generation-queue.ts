/** A first-come queue of generations on one model; a waiter whose signal aborts leaves without its turn. */
export class GenerationQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function when it is this caller's turn, or undefined if the signal aborted first. */
  async acquire(signal: AbortSignal | undefined): Promise<(() => void) | undefined> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => turn);
    if (await waitUnlessAborted(previous, signal)) return release;
    void previous.then(release); // pass the turn on once it arrives, so later callers are not stuck
    return undefined;
  }
}

function waitUnlessAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
  if (!signal) return promise.then(() => true);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(!signal.aborted);
    });
  });
}
