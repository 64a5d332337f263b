import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import type { AddressRange } from "./outbound-address.ts";

/** One DRAMATIS_OUTBOUND_ALLOW entry. */
export type OutboundAllowEntry =
  | { kind: "range"; range: AddressRange; port: number | undefined }
  | { kind: "host"; host: string; port: number | undefined };

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
