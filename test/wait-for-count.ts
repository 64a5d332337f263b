/**
 * Resolves with `items` once it holds `count` entries (a mock's record filling up as the server calls
 * it); rejects after `timeoutMs` with `describe()`'s account of what arrived instead.
 *
 * @example await waitForCount(mock.messages, 2, { what: "SMS at the mock Twilio" })
 */
export async function waitForCount<T>(
  items: T[],
  count: number,
  options: { what: string; timeoutMs?: number; describe?: () => string },
): Promise<T[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (items.length < count) {
    if (Date.now() > deadline) {
      const more = options.describe ? `: ${options.describe()}` : "";
      throw new Error(`expected ${count} ${options.what}, got ${items.length}${more}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return items;
}
