import { UnsupportedFunctionalityError } from "ai";
import { BadRequestError } from "../errors/app-error.ts";
import { withRetry, type RetryOptions } from "./upstream-retry.ts";

/**
 * Like `withRetry`, but a request the provider's API cannot express (an audio part sent to a model
 * API without audio, a file type it has no part for) is the caller's mistake: a 400, not a 502.
 */
export async function retryUpstream<T>(operation: () => Promise<T>, retry: RetryOptions): Promise<T> {
  let unsupported: UnsupportedFunctionalityError | undefined;
  try {
    return await withRetry(async () => {
      try {
        return await operation();
      } catch (error) {
        if (UnsupportedFunctionalityError.isInstance(error)) unsupported = error;
        throw error;
      }
    }, retry);
  } catch (error) {
    if (unsupported) {
      const who = retry.provider ? `the model provider ${retry.provider}` : "the model provider";
      throw new BadRequestError(`${who} does not support ${unsupported.functionality}`);
    }
    throw error;
  }
}
