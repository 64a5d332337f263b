import ipaddr from "ipaddr.js";

/** An address range as ipaddr.js parses a CIDR: the network address and the prefix length. */
export type AddressRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

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

/**
 * True when the address lies inside the range.
 *
 * @example matchesRange(ipaddr.parse("::ffff:127.0.0.1"), ipaddr.parseCIDR("127.0.0.0/8")) // true
 */
export function matchesRange(address: ipaddr.IPv4 | ipaddr.IPv6, range: AddressRange): boolean {
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
