/** Marks the ready line, so the parent can tell it apart from the server's own (JSON) log lines. */
export const READY_EVENT = "bench-server-ready";

/** What the server process prints as one JSON line on stdout once it accepts requests. */
export interface ServerReady {
  event: typeof READY_EVENT;
  url: string;
  /** The persona created for the read scenario; only for the Dramatis server. */
  personaId?: string;
}

/** Parses a stdout line, returning the ready report or undefined for any other line (such as a log line). */
export function parseServerReady(line: string): ServerReady | undefined {
  try {
    const value = JSON.parse(line) as Partial<ServerReady> | null;
    return value?.event === READY_EVENT && typeof value.url === "string" ? (value as ServerReady) : undefined;
  } catch {
    return undefined;
  }
}
