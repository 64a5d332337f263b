import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { isPublicAddress, matchesRange } from "./outbound-address.ts";
import { parseOutboundAllowList, type OutboundAllowEntry } from "./outbound-allow-list.ts";
import { createUnreachableFailure, OutboundRefusedError } from "./outbound-errors.ts";
import { sendPinnedRequest, type CheckedTarget } from "./outbound-request.ts";

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
 *
 * This file holds the policy and the redirect loop; its parts live beside it: address classification
 * (`outbound-address.ts`), the allow-list (`outbound-allow-list.ts`), the request pinned to a checked
 * address (`outbound-request.ts`) and the errors (`outbound-errors.ts`).
 */

/** Resolves a host name to all its addresses (injected so tests can stand in for DNS). */
export type ResolveHost = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export type OutboundScheme = "http:" | "https:";

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
        throw createUnreachableFailure();
      }
      addresses = resolved
        .filter((entry) => ipaddr.isValid(entry.address))
        .map((entry) => ({ address: entry.address, family: isIP(entry.address) as 4 | 6 }));
      if (addresses.length === 0) throw createUnreachableFailure();
    }
    // Every address must pass: a name that also stands for a private address is refused as a whole.
    for (const { address } of addresses) {
      if (!hostAllowed && !this.isAddressAllowed(address, port)) throw new OutboundRefusedError();
    }
    const [first] = addresses;
    if (!first) throw createUnreachableFailure();
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
      const response = await sendPinnedRequest({ target, method, headers, body, signal, deadline, limits });
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null || redirectMode === "manual") {
        return response;
      }
      await response.body?.cancel();
      if (redirectMode === "error" || hop >= limits.maxRedirects) throw createUnreachableFailure();
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw createUnreachableFailure();
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

const defaultResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });
