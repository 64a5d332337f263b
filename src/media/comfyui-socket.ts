import WebSocket from "ws";
import { redactSecrets } from "../lib/redact.ts";
import { shortenUpstreamText } from "./media-jobs.ts";
import { MediaProviderError, type MediaProgress } from "./media.ts";

/**
 * ComfyUI's WebSocket (`/ws?clientId=...`): the server tells the client that queued a prompt how it
 * runs, as JSON text frames `{"type": ..., "data": {...}}` (`progress` with `value`/`max`, `executing`
 * with the node, `node: null` once the prompt is finished and its history stored, `execution_error`),
 * and binary frames with preview pictures, which are ignored here. It is opened before the prompt is
 * queued, so messages that arrive before `/prompt` answered are kept until the prompt's id is known.
 */

export type ComfyWebSocketConstructor = typeof WebSocket;

/** How a followed prompt ended: finished, or the socket closed first (the caller polls instead). */
export type ComfyFollowOutcome = "done" | "lost";

interface ComfySocketMessage {
  type: string;
  data: Record<string, unknown>;
}

/** A connection that never answers its handshake counts as refused. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Messages kept before anyone follows a prompt: more than one run sends, fewer than a flood. */
const BACKLOG_LIMIT = 10_000;

export interface ComfySocketSettings {
  provider: string;
  url: string;
  headers: Record<string, string>;
  WebSocket?: ComfyWebSocketConstructor | undefined;
  /** keys sent, kept out of error messages */
  secrets?: ReadonlyArray<string | undefined>;
}

export class ComfyProgressSocket {
  private readonly backlog: ComfySocketMessage[] = [];
  private listener: ((message: ComfySocketMessage) => void) | undefined;
  private onClosed: (() => void) | undefined;
  private closed = false;

  private constructor(
    private readonly socket: WebSocket,
    private readonly settings: ComfySocketSettings,
  ) {
    socket.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const message = parseMessage(data.toString());
      if (!message) return;
      if (this.listener) this.listener(message);
      else if (this.backlog.length < BACKLOG_LIMIT) this.backlog.push(message);
    });
    socket.on("close", () => {
      this.closed = true;
      this.onClosed?.();
    });
    // A broken connection is followed by "close"; without a listener "error" would throw.
    socket.on("error", () => undefined);
  }

  /**
   * The open socket, or undefined when it cannot be opened (refused, a proxy without WebSockets, no
   * answer): the caller then polls the history instead.
   */
  static open(settings: ComfySocketSettings, signal: AbortSignal): Promise<ComfyProgressSocket | undefined> {
    return new Promise((resolve) => {
      const Constructor = settings.WebSocket ?? WebSocket;
      let socket: WebSocket;
      try {
        socket = new Constructor(settings.url, {
          headers: settings.headers,
          handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        });
      } catch {
        return resolve(undefined);
      }
      const settle = (opened: boolean) => {
        signal.removeEventListener("abort", onAbort);
        const result = opened ? new ComfyProgressSocket(socket, settings) : undefined;
        socket.off("open", onOpen).off("error", onFailure).off("close", onFailure);
        if (!opened) {
          socket.on("error", () => undefined);
          socket.terminate();
        }
        resolve(result);
      };
      const onOpen = () => settle(true);
      const onFailure = () => settle(false);
      const onAbort = () => settle(false);
      socket.once("open", onOpen).once("error", onFailure).once("close", onFailure);
      if (signal.aborted) return settle(false);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Follows one prompt to its end: progress reported, `executing` with `node: null` is "done", an
   * `execution_error` rejects with a MediaProviderError naming the node, an abort with its reason.
   */
  follow(
    promptId: string,
    options: { signal: AbortSignal; onProgress?: ((progress: MediaProgress) => void) | undefined },
  ): Promise<ComfyFollowOutcome> {
    const { signal, onProgress } = options;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        this.listener = undefined;
        this.onClosed = undefined;
        signal.removeEventListener("abort", onAbort);
        settle();
      };
      const onAbort = () => finish(() => reject(signal.reason as Error));
      const handle = ({ type, data }: ComfySocketMessage) => {
        if (data.prompt_id !== undefined && data.prompt_id !== promptId) return;
        switch (type) {
          case "progress": {
            const { value, max } = data;
            if (typeof value === "number" && typeof max === "number" && max > 0) {
              onProgress?.({ fraction: Math.min(1, value / max), message: `step ${value}/${max}` });
            }
            return;
          }
          case "executing":
            if (data.node === null) finish(() => resolve("done"));
            return;
          case "execution_error":
            return finish(() => reject(this.fail(describeExecutionError(data))));
          case "execution_interrupted":
            return finish(() => reject(this.fail("the run was interrupted on the server")));
        }
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      for (const message of this.backlog.splice(0)) {
        handle(message);
        if (settled) return;
      }
      if (this.closed) return finish(() => resolve("lost"));
      this.listener = handle;
      this.onClosed = () => finish(() => resolve("lost"));
    });
  }

  close(): void {
    this.listener = undefined;
    this.onClosed = undefined;
    if (!this.closed) this.socket.terminate();
  }

  private fail(message: string): MediaProviderError {
    return new MediaProviderError(
      this.settings.provider,
      redactSecrets(message, this.settings.secrets ?? []),
    );
  }
}

/** `KSampler (node 3): CUDA out of memory...`, from an `execution_error`'s data (socket or history). */
export function describeExecutionError(data: Record<string, unknown>): string {
  const node = [
    typeof data.node_type === "string" ? data.node_type : undefined,
    typeof data.node_id === "string" || typeof data.node_id === "number"
      ? `(node ${data.node_id})`
      : undefined,
  ]
    .filter(Boolean)
    .join(" ");
  const exception =
    typeof data.exception_message === "string" && data.exception_message.trim()
      ? shortenUpstreamText(data.exception_message)
      : "the run failed";
  return node ? `${node}: ${exception}` : exception;
}

function parseMessage(text: string): ComfySocketMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object") return undefined;
  const { type, data } = parsed as { type?: unknown; data?: unknown };
  if (typeof type !== "string") return undefined;
  const record = data && typeof data === "object" ? (data as Record<string, unknown>) : {};
  return { type, data: record };
}
