import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { AppError } from "../errors/app-error.ts";
import type { AppEnv } from "./app-env.ts";
import { logUpstreamFailure } from "./problem.ts";

/** Whether the client asked for the reply as SSE: the body's `stream` flag, else an `Accept: text/event-stream`. */
export function wantsStream(c: Context, bodyFlag: boolean | undefined): boolean {
  return bodyFlag ?? (c.req.header("accept") ?? "").includes("text/event-stream");
}

/** How a generation reports to its stream: the start (with what the client should know first) and each delta. */
interface StreamHandlers {
  signal: AbortSignal;
  start: (data: unknown) => Promise<void>;
  onDelta: (text: string) => Promise<void>;
}

/**
 * Streams a generation as SSE: message-start, message-delta ({text}) and message-end (what `generate`
 * returns), or an error event once the status line is sent. A client that disconnects stops the model.
 */
export function streamGeneration(
  c: Context<AppEnv>,
  generate: (handlers: StreamHandlers) => Promise<unknown>,
): Response {
  return streamSSE(c, async (stream) => {
    const controller = new AbortController();
    stream.onAbort(() => controller.abort());
    try {
      const result = await generate({
        signal: controller.signal,
        start: (data) => stream.writeSSE({ event: "message-start", data: JSON.stringify(data) }),
        onDelta: (text) => stream.writeSSE({ event: "message-delta", data: JSON.stringify({ text }) }),
      });
      await stream.writeSSE({ event: "message-end", data: JSON.stringify(result) });
    } catch (error) {
      // The status line is already sent, so failures travel as an event with the problem document.
      const problem =
        error instanceof AppError
          ? { title: error.title, status: error.status, detail: error.message, errors: error.errors }
          : {
              title: "Internal Server Error",
              status: 500,
              detail: "an unexpected error occurred; it has been logged",
            };
      if (!(error instanceof AppError)) c.var.logger.error({ err: error }, "streamed reply failed");
      logUpstreamFailure(c.var.logger, error, c);
      await stream.writeSSE({ event: "error", data: JSON.stringify(problem) });
    }
  });
}
