import { z } from "zod";

/**
 * Fetches model ids from an OpenAI-style list (`{ data: [{ id }] }`, which Anthropic also uses).
 * Returns an empty list on any failure: listing is a convenience and must not break start-up.
 *
 * @example
 * await fetchModelIds({ url: "http://127.0.0.1:11434/v1/models" }); // ["llama3.2:1b", ...]
 */
export async function fetchModelIds(options: {
  url: string;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  /** Credentials sent with the request: an id containing one (an upstream echoing them) is dropped. */
  secrets?: readonly (string | undefined)[];
}): Promise<string[]> {
  const secrets = (options.secrets ?? []).filter((secret): secret is string => (secret?.length ?? 0) >= 4);
  const fetchFunction = options.fetch ?? globalThis.fetch;
  try {
    const response = await fetchFunction(options.url, {
      headers: options.headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
    if (!response.ok) {
      return [];
    }
    const parsed = modelListSchema.safeParse(await response.json());
    return parsed.success
      ? parsed.data.data
          .map((model) => model.id)
          .filter((id) => !secrets.some((secret) => id.includes(secret)))
      : [];
  } catch {
    return [];
  }
}

const modelListSchema = z.object({ data: z.array(z.object({ id: z.string() })) });
