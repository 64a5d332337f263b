import { JsonInputError, parseBoundedJson } from "./bounded-json.ts";

/** One item of a bulk upload: its value, or why it could not be read. */
export interface JsonItem {
  index: number;
  value?: unknown;
  error?: string;
}

/** Content types that mean "one JSON value per line". */
export function isJsonLines(contentType: string | undefined): boolean {
  return /(ndjson|jsonl|json-seq|jsonlines)/i.test(contentType ?? "");
}

/**
 * Reads a bulk upload: JSON Lines are parsed line by line as the body streams in (a bad line is reported
 * and the rest still read); a JSON array is read whole and yields its elements.
 *
 * @example for await (const item of readJsonItems(request.body, "application/x-ndjson")) …
 */
export async function* readJsonItems(
  body: ReadableStream<Uint8Array> | null,
  contentType: string | undefined,
): AsyncIterable<JsonItem> {
  if (!body) return;
  if (isJsonLines(contentType)) {
    yield* readLines(body);
    return;
  }
  const text = await new Response(body).text();
  let parsed: unknown;
  try {
    // The array itself may be as long as the import limit allows; its items are checked one by one later.
    parsed = parseBoundedJson(text, { maxBytes: Number.MAX_SAFE_INTEGER, maxItems: Number.MAX_SAFE_INTEGER });
  } catch (error) {
    throw new JsonInputError("syntax", `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new JsonInputError(
      "syntax",
      "the body must be a JSON array of items, or JSON Lines (one item per line)",
    );
  }
  for (const [index, value] of parsed.entries()) yield { index, value };
}

async function* readLines(body: ReadableStream<Uint8Array>): AsyncIterable<JsonItem> {
  const decoder = new TextDecoder();
  let pending = "";
  let index = 0;
  const parseLine = (line: string): JsonItem | undefined => {
    if (line.trim() === "") return undefined;
    const item: JsonItem = { index };
    index += 1;
    try {
      item.value = parseBoundedJson(line, { maxBytes: Number.MAX_SAFE_INTEGER });
    } catch (error) {
      item.error = (error as Error).message;
    }
    return item;
  };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const item = parseLine(line);
      if (item) yield item;
    }
  }
  const last = parseLine(pending + decoder.decode());
  if (last) yield last;
}
