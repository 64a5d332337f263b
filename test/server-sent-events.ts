/** A server-sent event stream's events, each `data` parsed as JSON (null when a block has none). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read event data as loosely as response JSON
export function parseServerSentEvents(body: string): { event: string; data: any }[] {
  return body
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      return { event, data: data ? JSON.parse(data) : null };
    });
}
