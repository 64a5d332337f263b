/**
 * The error a promise rejects with, for assertions on its class, status and message; fails the test when
 * the promise resolves instead.
 *
 * @example expect(await failure(provider.generate(request))).toMatchObject({ upstreamStatus: 401 });
 */
export async function failure(
  promise: Promise<unknown>,
): Promise<Error & { status?: number; upstreamStatus?: number }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown as Error,
  );
  if (!error) throw new Error("expected a rejection");
  return error;
}
