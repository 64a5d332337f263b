import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import ipaddr from "ipaddr.js";

/** The address of a request that came without a socket (in-process requests: tests, app.request). */
export const UNKNOWN_ADDRESS = "unknown";

/**
 * The client address rate limits count against: the socket's peer, or, when the operator says
 * `trustedProxyHops` proxies stand in front (DRAMATIS_TRUST_PROXY), the address the outermost of them
 * saw, read from the right of X-Forwarded-For (entries further left are whatever the client claimed).
 * IPv4-mapped IPv6 addresses count as IPv4; IPv6 addresses count per /64, the block one subscriber holds,
 * so rotating through it gains nothing.
 *
 * @example clientAddress(c, 1) // "203.0.113.7" behind one proxy
 */
export function clientAddress(c: Context, trustedProxyHops: number): string {
  if (trustedProxyHops > 0) {
    const forwarded = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    const seenByOutermostProxy = forwarded[Math.max(0, forwarded.length - trustedProxyHops)];
    const parsed = seenByOutermostProxy === undefined ? undefined : normaliseAddress(seenByOutermostProxy);
    if (parsed !== undefined) return parsed;
  }
  return normaliseAddress(socketAddress(c) ?? "") ?? UNKNOWN_ADDRESS;
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // No Node socket behind this request (app.request in tests).
    return undefined;
  }
}

/** The canonical text of an address (its /64 for IPv6), or undefined when it is not one. */
export function normaliseAddress(text: string): string | undefined {
  const bare = text.replace(/^\[|\](:\d+)?$/g, "").replace(/%.*$/, "");
  if (!ipaddr.isValid(bare)) return undefined;
  const address = ipaddr.process(bare);
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(":")}::/64`;
}
