import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { Readable } from "node:stream";
import zlib from "node:zlib";
import ipaddr from "ipaddr.js";
import { AppError } from "../errors/app-error.ts";

/*
 * The one way the server reaches a URL that a user or tenant supplied (tenant provider base URLs, web
 * push endpoints; later tools, knowledge URLs, media and webhooks). Without it, such a URL is a way
 * into the server's own network: loopback services, the cloud metadata address, private ranges.
 *
 * - Only the allowed schemes (http and https; push: https only).
 * - The host is parsed by the WHATWG URL parser, so `2130706433`, `0x7f000001`, `0177.0.0.1` and
 *   `127.1` all become `127.0.0.1` before any check; names are resolved once, every address is
 *   checked, and the connection is pinned to the checked address (a custom `lookup`), keeping the Host
 *   header and the TLS server name: a DNS answer that changes between check and connect (rebinding)
 *   changes nothing.
 * - Loopback, private, link-local (169.254.169.254), CGNAT, multicast, unspecified, reserved and
 *   broadcast addresses are refused, in IPv4 and IPv6 form, including IPv4 embedded in IPv6
 *   (`::ffff:127.0.0.1`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`), unless the operator allow-lists them
 *   (DRAMATIS_OUTBOUND_ALLOW), e.g. for an Ollama on the same machine.
 * - Redirects are followed by hand, each hop checked again, at most `maxRedirects` of them.
 * - Time to the response head, silence inside the body and the body's size are bounded.
 * - Failures never say what lies behind an address: a refusal is "refused by the outbound policy",
 *   every network failure (refused, reset, timed out, unresolvable) is the same "could not be reached".
 */

/** Message of every refusal; callers show it as is. */
export const OUTBOUND_REFUSED_MESSAGE = "refused by the outbound policy";
/** Message of every network failure, whatever it was, so nothing can be told about what lies behind. */
export const OUTBOUND_UNREACHABLE_MESSAGE = "the upstream could not be reached";

/** Thrown when a URL or one of its redirects is not allowed; a neutral 502 if it reaches the API. */
export class OutboundRefusedError extends AppError {
  constructor() {
    super(502, "Bad Gateway", OUTBOUND_REFUSED_MESSAGE);
  }
}

/**
 * The cause of every network failure, wrapped like fetch's own (`TypeError: fetch failed`) so the AI
 * SDK and the retry logic treat it as a retryable connection failure.
 */
export class OutboundUnreachableError extends Error {
  constructor() {
    super(OUTBOUND_UNREACHABLE_MESSAGE);
    this.name = "OutboundUnreachableError";
  }
}

/** Resolves a host name to all its addresses (injected so tests can stand in for DNS). */
export type ResolveHost = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export type OutboundScheme = "http:" | "https:";

/** One DRAMATIS_OUTBOUND_ALLOW entry. */
export type OutboundAllowEntry =
  | { kind: "range"; range: [ipaddr.IPv4 | ipaddr.IPv6, number]; port: number | undefined }
  | { kind: "host"; host: string; port: number | undefined };

export interface OutboundGuardOptions {
  /** Operator's exceptions (DRAMATIS_OUTBOUND_ALLOW): hosts, IPs or CIDRs, each optionally with `:port`. */
  allow?: readonly OutboundAllowEntry[] | string | undefined;
  /** Default: the system resolver (`dns.lookup`, all addresses). */
  resolve?: ResolveHost | undefined;
}

export interface OutboundRequestLimits {
  /** Schemes allowed for the URL and every redirect. Default http and https. */
  schemes?: readonly OutboundScheme[];
  /** Longest wait for the response head (status and headers), redirects included. Default 30 s. */
  timeoutMs?: number;
  /** Longest silence while the body streams. Default 60 s. */
  idleTimeoutMs?: number;
  /** Largest body (decoded); beyond it the body errors. Default 16 MiB. */
  maxResponseBytes?: number;
  /** Redirects followed (each checked); one more is a failure. Default 5. */
  maxRedirects?: number;
}

/** A URL that passed the policy, with the address the connection is pinned to. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
  port: number;
}

const DEFAULT_LIMITS: Required<OutboundRequestLimits> = {
  schemes: ["http:", "https:"],
  timeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxResponseBytes: 16 * 1024 * 1024,
  maxRedirects: 5,
};

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials: never sent on to another origin by a redirect. */
const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie", "x-api-key"];

/**
 * Checks and fetches user-supplied URLs under one policy. Make one per server (from
 * DRAMATIS_OUTBOUND_ALLOW) and hand it to every service that fetches such URLs.
 *
 * @example
 * const guard = new OutboundGuard({ allow: "127.0.0.1:11434" });
 * await guard.checkUrl("http://169.254.169.254/latest"); // throws OutboundRefusedError
 * const response = await guard.fetch("https://api.example.com/v1/models", { headers });
 * createOpenAICompatibleProvider({ name, baseURL, fetch: guard.fetcher({ timeoutMs: 300_000 }) });
 */
export class OutboundGuard {
  private readonly allow: readonly OutboundAllowEntry[];
  private readonly resolve: ResolveHost;

  constructor(options: OutboundGuardOptions = {}) {
    this.allow =
      typeof options.allow === "string" ? parseOutboundAllowList(options.allow) : (options.allow ?? []);
    this.resolve = options.resolve ?? defaultResolve;
  }

  /**
   * Checks a URL: scheme, then every address its host stands for. Throws `OutboundRefusedError` when
   * the policy forbids it, and `TypeError: fetch failed` (cause `OutboundUnreachableError`) when the
   * name does not resolve.
   */
  async checkUrl(
    input: string | URL,
    options: { schemes?: readonly OutboundScheme[] } = {},
  ): Promise<CheckedTarget> {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new OutboundRefusedError();
    }
    const schemes = options.schemes ?? DEFAULT_LIMITS.schemes;
    if (!schemes.includes(url.protocol as OutboundScheme)) throw new OutboundRefusedError();
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    const hostAllowed = this.allow.some(
      (entry) =>
        entry.kind === "host" && entry.host === host && (entry.port === undefined || entry.port === port),
    );
    let addresses: { address: string; family: 4 | 6 }[];
    if (isIP(host) !== 0) {
      addresses = [{ address: host, family: isIP(host) as 4 | 6 }];
    } else {
      let resolved: readonly { address: string; family: number }[];
      try {
        resolved = await this.resolve(host);
      } catch {
        throw unreachable();
      }
      addresses = resolved
        .filter((entry) => ipaddr.isValid(entry.address))
        .map((entry) => ({ address: entry.address, family: isIP(entry.address) as 4 | 6 }));
      if (addresses.length === 0) throw unreachable();
    }
    // Every address must pass: a name that also stands for a private address is refused as a whole.
    for (const { address } of addresses) {
      if (!hostAllowed && !this.isAddressAllowed(address, port)) throw new OutboundRefusedError();
    }
    const [first] = addresses;
    if (!first) throw unreachable();
    return { url, address: first.address, family: first.family, port };
  }

  /** True when the address is public, or inside an allow-listed range (for this port). */
  isAddressAllowed(address: string, port: number): boolean {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.parse(address);
    } catch {
      return false;
    }
    const allowed = this.allow.some(
      (entry) =>
        entry.kind === "range" &&
        (entry.port === undefined || entry.port === port) &&
        matchesRange(parsed, entry.range),
    );
    return allowed || isPublicAddress(parsed);
  }

  /**
   * A `fetch` for URLs users supplied: the policy checked on the URL and each redirect, the connection
   * pinned to the checked address, time and size bounded. Same signature as the global fetch.
   */
  fetch(
    input: string | URL | Request,
    init?: RequestInit,
    limits?: OutboundRequestLimits,
  ): Promise<Response> {
    return this.fetchWithLimits(input, init, { ...DEFAULT_LIMITS, ...limits });
  }

  /**
   * A fetch function bound to limits, for libraries that take one (the AI SDK's provider factories,
   * the provider HTTP client).
   */
  fetcher(limits: OutboundRequestLimits = {}): typeof globalThis.fetch {
    const bound = { ...DEFAULT_LIMITS, ...limits };
    return ((input: string | URL | Request, init?: RequestInit) =>
      this.fetchWithLimits(input, init, bound)) as typeof globalThis.fetch;
  }

  private async fetchWithLimits(
    input: string | URL | Request,
    init: RequestInit | undefined,
    limits: Required<OutboundRequestLimits>,
  ): Promise<Response> {
    // A Request normalises every body kind (string, bytes, URLSearchParams, FormData) and its headers.
    // It refuses a URL with credentials in it, in an error that quotes them: refused here, unquoted.
    let request: Request;
    try {
      request = new Request(input, { ...init, ...(init?.body ? { duplex: "half" } : {}) } as RequestInit);
    } catch {
      throw new OutboundRefusedError();
    }
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    let method = request.method;
    let body: Buffer | undefined =
      request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const headers = new Headers(request.headers);
    const redirectMode = init?.redirect ?? "follow";
    const deadline = AbortSignal.timeout(limits.timeoutMs);
    let url = new URL(request.url);
    for (let hop = 0; ; hop++) {
      const target = await this.checkUrl(url, { schemes: limits.schemes });
      signal?.throwIfAborted();
      const response = await sendOnce({ target, method, headers, body, signal, deadline, limits });
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null || redirectMode === "manual") {
        return response;
      }
      await response.body?.cancel();
      if (redirectMode === "error" || hop >= limits.maxRedirects) throw unreachable();
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw unreachable();
      }
      if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without the body.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
        for (const name of ["content-type", "content-length", "content-encoding"]) headers.delete(name);
      }
      url = next;
    }
  }
}

/**
 * Parses DRAMATIS_OUTBOUND_ALLOW: comma-separated hosts, IPs or CIDRs, each optionally with `:port`
 * (IPv6 in brackets when a port follows: `[::1]:11434`). Throws naming the first bad entry's position.
 *
 * @example parseOutboundAllowList("127.0.0.1:11434, 10.0.0.0/8, ollama.internal")
 */
export function parseOutboundAllowList(text: string): OutboundAllowEntry[] {
  const entries: OutboundAllowEntry[] = [];
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  for (const [index, part] of parts.entries()) {
    const entry = parseAllowEntry(part.toLowerCase());
    if (!entry) {
      throw new Error(
        `entry ${index + 1} is not a host, IP address or CIDR range (with an optional :port), such as ` +
          "127.0.0.1:11434 or 10.0.0.0/8",
      );
    }
    entries.push(entry);
  }
  return entries;
}

function parseAllowEntry(text: string): OutboundAllowEntry | undefined {
  let host = text;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] ?? "";
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const [name = "", portText = ""] = text.split(":");
    if (!/^\d+$/.test(portText)) return undefined;
    host = name;
    port = Number(portText);
  }
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  if (host.includes("/")) {
    if (!ipaddr.isValidCIDR(host)) return undefined;
    return { kind: "range", range: ipaddr.parseCIDR(host), port };
  }
  if (ipaddr.isValid(host) && isIP(host) !== 0) {
    const address = ipaddr.parse(host);
    return { kind: "range", range: [address, address.kind() === "ipv4" ? 32 : 128], port };
  }
  // A name, or an IPv4 in a notation the URL parser would rewrite (127.1): normalise it the same way.
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
  if (isIP(hostname) === 4) {
    return { kind: "range", range: [ipaddr.parse(hostname), 32], port };
  }
  return /^[a-z0-9.-]+$/.test(hostname) ? { kind: "host", host: hostname, port } : undefined;
}

/**
 * True for addresses on the public internet: IPv4 `unicast`, IPv6 `unicast`, and IPv6 forms that
 * embed a public IPv4 (mapped, NAT64, 6to4). Everything else — loopback, private, link-local, CGNAT,
 * multicast, unspecified, broadcast, reserved, benchmarking, unique-local, Teredo — is not.
 *
 * @example isPublicAddress(ipaddr.parse("169.254.169.254")) // false
 */
export function isPublicAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() === "ipv4") return (address as ipaddr.IPv4).range() === "unicast";
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === "unicast") return true;
  const embedded = embeddedIPv4(v6, range);
  return embedded !== undefined && embedded.range() === "unicast";
}

/** The IPv4 address inside an IPv4-mapped, NAT64 (RFC 6052/6145) or 6to4 IPv6 address. */
function embeddedIPv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | undefined {
  const bytes = address.toByteArray();
  if (range === "ipv4Mapped" || range === "rfc6052" || range === "rfc6145") {
    return new ipaddr.IPv4(bytes.slice(12, 16));
  }
  if (range === "6to4") return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

function matchesRange(
  address: ipaddr.IPv4 | ipaddr.IPv6,
  range: [ipaddr.IPv4 | ipaddr.IPv6, number],
): boolean {
  // An IPv4-mapped IPv6 address matches IPv4 ranges too (::ffff:127.0.0.1 is 127.0.0.1).
  const candidate =
    address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
  if (candidate.kind() !== range[0].kind()) return false;
  return candidate.kind() === "ipv4"
    ? (candidate as ipaddr.IPv4).match(range as [ipaddr.IPv4, number])
    : (candidate as ipaddr.IPv6).match(range as [ipaddr.IPv6, number]);
}

const defaultResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function unreachable(): TypeError {
  return new TypeError("fetch failed", { cause: new OutboundUnreachableError() });
}

/** One request to a checked target, connected to its checked address; the response as a fetch Response. */
function sendOnce(options: {
  target: CheckedTarget;
  method: string;
  headers: Headers;
  body: Buffer | undefined;
  signal: AbortSignal | undefined;
  deadline: AbortSignal;
  limits: Required<OutboundRequestLimits>;
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
      fail(unreachable());
    };
    const cleanup = () => {
      options.signal?.removeEventListener("abort", onAbort);
      options.deadline.removeEventListener("abort", onDeadline);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.deadline.aborted) return onDeadline();
    options.deadline.addEventListener("abort", onDeadline, { once: true });
    request.on("error", () => fail(unreachable()));
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
        reject(unreachable());
      }
    });
    request.end(options.body);
  });
}

function toResponse(
  incoming: http.IncomingMessage,
  request: http.ClientRequest,
  method: string,
  signal: AbortSignal | undefined,
  limits: Required<OutboundRequestLimits>,
): Response {
  const status = incoming.statusCode ?? 502;
  const headers = new Headers();
  for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) {
    headers.append(incoming.rawHeaders[index] ?? "", incoming.rawHeaders[index + 1] ?? "");
  }
  if (status < 200 || status > 599) throw unreachable();
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
  incoming.setTimeout(limits.idleTimeoutMs, () => stop(unreachable()));
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
          controller.error(unreachable());
          return;
        }
        controller.enqueue(new Uint8Array(next.value));
      } catch {
        signal?.removeEventListener("abort", onAbort);
        controller.error(
          signal?.aborted ? (signal.reason ?? new DOMException("aborted", "AbortError")) : unreachable(),
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
