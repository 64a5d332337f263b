/*
 * Model servers people run next to Dramatis on the same machine (Ollama, LM Studio, llama.cpp's server,
 * vLLM), found by asking each one's well-known loopback port for its models. Only these fixed addresses
 * (the defaults, or the operator's DRAMATIS_LOCAL_MODEL_SERVERS) are ever probed: never a URL from a
 * request.
 */

export const LOCAL_SERVER_KINDS = ["ollama", "lm-studio", "llama.cpp", "vllm"] as const;
export type LocalServerKind = (typeof LOCAL_SERVER_KINDS)[number];

/** One place a local model server may listen. `origin` is scheme, host and port, without a path. */
export interface LocalServerAddress {
  kind: LocalServerKind;
  /** the provider name it is added under (prefixes its model ids) */
  name: string;
  origin: string;
}

/** What a probe found at an address. */
export interface LocalServerProbe extends LocalServerAddress {
  /** the OpenAI-compatible API root a provider for it uses: `<origin>/v1` */
  baseUrl: string;
  reachable: boolean;
  models: string[];
}

const NAMES: Record<LocalServerKind, string> = {
  ollama: "ollama",
  "lm-studio": "lm-studio",
  "llama.cpp": "llama-cpp",
  vllm: "vllm",
};

/** The servers' default ports on this machine. */
export const DEFAULT_LOCAL_MODEL_SERVERS: readonly LocalServerAddress[] = [
  { kind: "ollama", name: NAMES.ollama, origin: "http://127.0.0.1:11434" },
  { kind: "lm-studio", name: NAMES["lm-studio"], origin: "http://127.0.0.1:1234" },
  { kind: "llama.cpp", name: NAMES["llama.cpp"], origin: "http://127.0.0.1:8080" },
  { kind: "vllm", name: NAMES.vllm, origin: "http://127.0.0.1:8000" },
];

/**
 * Reads DRAMATIS_LOCAL_MODEL_SERVERS: empty for the defaults, `off` for none (discovery disabled), or
 * comma-separated `kind=http://host:port` entries. Throws naming the first bad entry.
 *
 * @example parseLocalModelServers("ollama=http://127.0.0.1:11500,vllm=http://127.0.0.1:8001")
 */
export function parseLocalModelServers(text: string): readonly LocalServerAddress[] {
  const trimmed = text.trim();
  if (trimmed === "") return DEFAULT_LOCAL_MODEL_SERVERS;
  if (trimmed === "off") return [];
  return trimmed
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, index) => {
      const [kind = "", url = ""] = part.split(/=(.*)/s);
      if (!(LOCAL_SERVER_KINDS as readonly string[]).includes(kind)) {
        throw new Error(`entry ${index + 1}: the kind must be one of ${LOCAL_SERVER_KINDS.join(", ")}`);
      }
      let origin: string;
      try {
        const parsed = new URL(url);
        if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
        origin = parsed.origin;
      } catch {
        throw new Error(
          `entry ${index + 1}: expected kind=http://host:port, such as ollama=http://127.0.0.1:11434`,
        );
      }
      return { kind: kind as LocalServerKind, name: NAMES[kind as LocalServerKind], origin };
    });
}

/** How long a probe waits for a server on this machine: one that is running answers at once. */
const PROBE_TIMEOUT_MS = 1_500;

/**
 * Asks a server for its models: Ollama's own `/api/tags` first, then the OpenAI-compatible `/v1/models`
 * every kind offers. Never throws: an address where nothing answers is `reachable: false`.
 *
 * @example const found = await probeLocalServer(DEFAULT_LOCAL_MODEL_SERVERS[0]!)
 */
export async function probeLocalServer(
  address: LocalServerAddress,
  options: { fetch?: typeof globalThis.fetch; timeoutMs?: number } = {},
): Promise<LocalServerProbe> {
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  const signal = AbortSignal.timeout(options.timeoutMs ?? PROBE_TIMEOUT_MS);
  const get = async (path: string): Promise<unknown> => {
    const response = await fetchImplementation(`${address.origin}${path}`, {
      signal,
      headers: { accept: "application/json" },
      redirect: "error",
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    return response.json();
  };
  const result = { ...address, baseUrl: `${address.origin}/v1` };
  if (address.kind === "ollama") {
    const tags = await get("/api/tags").catch(() => undefined);
    const names = modelNames(tags, "models", "name");
    if (names) return { ...result, reachable: true, models: names };
  }
  const listing = await get("/v1/models").catch(() => undefined);
  const names = modelNames(listing, "data", "id");
  return names ? { ...result, reachable: true, models: names } : { ...result, reachable: false, models: [] };
}

/** `body[list][*][key]` as strings, or undefined when the body does not have that shape. */
function modelNames(body: unknown, list: string, key: string): string[] | undefined {
  const entries = (body as Record<string, unknown> | null | undefined)?.[list];
  if (!Array.isArray(entries)) return undefined;
  return entries
    .map((entry) => (entry as Record<string, unknown> | null)?.[key])
    .filter((name): name is string => typeof name === "string" && name.length > 0)
    .slice(0, 500);
}
