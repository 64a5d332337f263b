/** One event of a text/event-stream answer. */
export interface ServerSentEvent {
  /** the `event:` name; "message" when the event had none */
  event: string;
  /** the `data:` lines joined with newlines */
  data: string;
  /** the event's `id:`, where a reconnecting reader resumes (Last-Event-ID); undefined when it had none */
  id?: string;
}

/**
 * The events of a `text/event-stream` body: `event:` names it, `data:` lines join with newlines, and a
 * blank line ends each event. A failed read throws what `readFailed` makes of it (the error itself by
 * default). Leaving early cancels the body, so the connection is not kept busy.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  readFailed: (error: unknown) => unknown = (error) => error,
): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let event = "message";
  let id: string | undefined;
  let data: string[] = [];
  let finished = false;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw readFailed(error);
      }
      finished = chunk.done;
      buffered += chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      const lines = buffered.split("\n");
      buffered = chunk.done ? "" : (lines.pop() ?? "");
      for (const rawLine of lines) {
        const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
        if (line === "") {
          if (data.length > 0) {
            yield id === undefined ? { event, data: data.join("\n") } : { event, data: data.join("\n"), id };
          }
          event = "message";
          id = undefined;
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "id" && !value.includes("\0")) id = value;
      }
      if (chunk.done) return;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}
