/**
 * Runs pieces of work one after another per key, within this process (other keys run alongside). A failed
 * piece does not stop the ones queued behind it.
 *
 * @example await locks.run(sha256, () => removeIfUnreferenced(sha256));
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier piece of work on the same key. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.tails.set(key, next);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === next) this.tails.delete(key);
    }
  }
}
