import http, { type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";

/*
 * Why this exists: an answer sent before the request body was read (413 from the body limit, 401 before
 * authentication, 400, 404 ...) left the rest of that body unread on the socket. Whatever had started
 * reading it (the fetch adapter's web stream) stops pulling once the handler gives up, which pauses the
 * socket: the next request on that keep-alive connection waited behind the unread bytes until
 * @hono/node-server closed the socket, and clients saw "other side closed" (undici) or ECONNRESET on a
 * request that had done nothing wrong.
 *
 * So, once an answer is written, whatever is left of its request body is read and thrown away (as node's own
 * IncomingMessage._dump does for bodies nobody touched) and the connection stays usable. Never unbounded:
 * a body that declares more than `maximumDrainBytes` gets `Connection: close` on the early answer (the
 * client knows not to reuse the socket), and a chunked body that goes on past the cap has its connection
 * closed once the answer is out. Node's requestTimeout still bounds how long a slow body may take.
 */

/** How much of an unanswered request body is read and discarded, at least, to keep its connection usable. */
export const MINIMUM_DRAIN_BYTES = 4 * 1024 * 1024;

export interface DrainOptions {
  /** The most bytes of a request body read and discarded after its answer; beyond, the connection closes. */
  maximumDrainBytes: number;
}

/** A request's declared body length, or undefined when it is chunked (or says nothing). */
function declaredLength(incoming: IncomingMessage): number | undefined {
  if (incoming.headers["transfer-encoding"] !== undefined) return undefined;
  const header = incoming.headers["content-length"];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** Called as the answer's headers are about to be written: too much left to read means no keep-alive. */
function beforeHeaders(incoming: IncomingMessage, outgoing: ServerResponse, options: DrainOptions): void {
  if (incoming.complete || outgoing.headersSent) return;
  const length = declaredLength(incoming);
  if (length !== undefined && length > options.maximumDrainBytes) outgoing.setHeader("connection", "close");
}

/** Reads and discards what is left of the request body, within the cap. */
function drain(incoming: IncomingMessage, outgoing: ServerResponse, options: DrainOptions): void {
  if (incoming.complete || incoming.destroyed) return;
  // The answer is out: nothing reads this body any more. A reader that stopped pulling (the fetch adapter's
  // web stream) would pause the socket again on each chunk, so its listeners go, as in IncomingMessage._dump.
  incoming.removeAllListeners("data");
  let discarded = 0;
  incoming.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > options.maximumDrainBytes) {
      incoming.removeAllListeners("data");
      incoming.pause();
      // The answer was sent with keep-alive (the length was not known): this closes the connection.
      outgoing.socket?.destroySoon();
      incoming.socket?.destroySoon();
    }
  });
  incoming.resume();
}

/**
 * Wraps a node request listener so that an answer sent before its request body was read leaves the
 * keep-alive connection usable (see the comment at the top of this file).
 *
 * @example http.createServer(drainingListener(getRequestListener(app.fetch, { autoCleanupIncoming: false }), { maximumDrainBytes }))
 */
export function drainingListener(listener: RequestListener, options: DrainOptions): RequestListener {
  return (incoming, outgoing) => {
    const writeHead = outgoing.writeHead;
    // Every path to the status line (writeHead, implicit headers on write/end, flushHeaders) goes through
    // writeHead, so this is the last moment `Connection: close` can still be said.
    outgoing.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      beforeHeaders(incoming, outgoing, options);
      return (writeHead as (...parameters: unknown[]) => ServerResponse).apply(this, args);
    } as typeof outgoing.writeHead;
    outgoing.once("finish", () => drain(incoming, outgoing, options));
    return listener(incoming, outgoing);
  };
}

/** An HTTP server whose early answers keep their connections usable (see drainingListener). */
export function createDrainingServer(listener: RequestListener, options: DrainOptions): http.Server {
  return http.createServer(drainingListener(listener, options));
}
