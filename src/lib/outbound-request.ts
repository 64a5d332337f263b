import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { Readable } from "node:stream";
import zlib from "node:zlib";
import { createUnreachableFailure } from "./outbound-errors.ts";

/** A URL that passed the policy, with the address the connection is pinned to. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
  port: number;
}

/** The bounds on a response body once its head has arrived. */
export interface ResponseBodyLimits {
  /** Longest silence while the body streams. */
  idleTimeoutMs: number;
  /** Largest body (decoded); beyond it the body errors. */
  maxResponseBytes: number;
}

/**
 * One request to a checked target, connected to its checked address (never a fresh DNS answer), with
 * the Host header and TLS server name of the URL; the response as a fetch Response with a bounded body.
 * Every network failure, and a head that does not arrive before `deadline`, is `createUnreachableFailure()`.
 */
export function sendPinnedRequest(options: {
  target: CheckedTarget;
  method: string;
  headers: Headers;
  body: Buffer | undefined;
  signal: AbortSignal | undefined;
  deadline: AbortSignal;
  limits: ResponseBodyLimits;
}): Promise<Response> {
  const { target, limits } = options;
  const hostname = target.url.hostname.replace(/^\[|\]$/g, "");
  // The pinned lookup: whatever name is asked for, the answer is the address that was checked.
  const pinnedLookup = ((
    _name: string,
    lookupOptions: { all?: boolean },
    callback: (...results: unknown[]) => void,
  ) => {
    if (lookupOptions?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
  const outgoing: Record<string, string> = {};
  options.headers.forEach((value, name) => {
    if (name !== "host" && name !== "accept-encoding" && name !== "connection") outgoing[name] = value;
  });
  outgoing["accept-encoding"] = "identity";
  if (options.body !== undefined) outgoing["content-length"] = String(options.body.length);
  const transport = target.url.protocol === "https:" ? https : http;
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(error);
    };
    const request = transport.request({
      protocol: target.url.protocol,
      hostname,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: options.method,
      headers: outgoing,
      lookup: pinnedLookup,
      family: target.family,
      agent: false,
      ...(target.url.protocol === "https:" && isIP(hostname) === 0 ? { servername: hostname } : {}),
    });
    const onAbort = () => {
      request.destroy();
      fail(options.signal?.reason ?? new DOMException("This operation was aborted", "AbortError"));
    };
    const onDeadline = () => {
      request.destroy();
      fail(createUnreachableFailure());
    };
    const cleanup = () => {
      options.signal?.removeEventListener("abort", onAbort);
      options.deadline.removeEventListener("abort", onDeadline);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.deadline.aborted) return onDeadline();
    options.deadline.addEventListener("abort", onDeadline, { once: true });
    request.on("error", () => fail(createUnreachableFailure()));
    request.on("response", (incoming) => {
      if (settled) {
        incoming.destroy();
        return;
      }
      settled = true;
      cleanup();
      try {
        resolve(toResponse(incoming, request, options.method, options.signal, limits));
      } catch {
        incoming.destroy();
        reject(createUnreachableFailure());
      }
    });
    request.end(options.body);
  });
}

/** The incoming message as a fetch Response: decoded, its body bounded in size and silence, stopped on abort. */
function toResponse(
  incoming: http.IncomingMessage,
  request: http.ClientRequest,
  method: string,
  signal: AbortSignal | undefined,
  limits: ResponseBodyLimits,
): Response {
  const status = incoming.statusCode ?? 502;
  const headers = new Headers();
  for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) {
    headers.append(incoming.rawHeaders[index] ?? "", incoming.rawHeaders[index + 1] ?? "");
  }
  if (status < 200 || status > 599) throw createUnreachableFailure();
  const emptyBody = method === "HEAD" || status === 204 || status === 205 || status === 304;
  if (emptyBody) {
    incoming.resume();
    return new Response(null, { status, statusText: incoming.statusMessage ?? "", headers });
  }
  let source: Readable = incoming;
  const encoding = headers.get("content-encoding")?.trim().toLowerCase();
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? zlib.createGunzip()
      : encoding === "deflate"
        ? zlib.createInflate()
        : encoding === "br"
          ? zlib.createBrotliDecompress()
          : undefined;
  if (decoder) {
    source = incoming.pipe(decoder);
    incoming.on("error", (error) => decoder.destroy(error));
    headers.delete("content-encoding");
    headers.delete("content-length");
  }
  let received = 0;
  const stop = (error: unknown) => {
    request.destroy();
    source.destroy(error instanceof Error ? error : undefined);
  };
  incoming.setTimeout(limits.idleTimeoutMs, () => stop(createUnreachableFailure()));
  const onAbort = () => stop(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) {
          signal?.removeEventListener("abort", onAbort);
          controller.close();
          return;
        }
        received += next.value.length;
        if (received > limits.maxResponseBytes) {
          stop(undefined);
          signal?.removeEventListener("abort", onAbort);
          controller.error(createUnreachableFailure());
          return;
        }
        controller.enqueue(new Uint8Array(next.value));
      } catch {
        signal?.removeEventListener("abort", onAbort);
        controller.error(
          signal?.aborted
            ? (signal.reason ?? new DOMException("aborted", "AbortError"))
            : createUnreachableFailure(),
        );
      }
    },
    cancel() {
      signal?.removeEventListener("abort", onAbort);
      stop(undefined);
    },
  });
  return new Response(body, { status, statusText: incoming.statusMessage ?? "", headers });
}
