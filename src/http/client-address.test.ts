import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clientAddress, normaliseAddress } from "./client-address.ts";

describe("normaliseAddress", () => {
  it("counts IPv4-mapped IPv6 as IPv4 and IPv6 per /64, and refuses what is not an address", () => {
    expect(normaliseAddress("203.0.113.7")).toBe("203.0.113.7");
    expect(normaliseAddress("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(normaliseAddress("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(normaliseAddress("[2001:db8:1:2::9]:443")).toBe("2001:db8:1:2::/64");
    expect(normaliseAddress("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(normaliseAddress("not an address")).toBeUndefined();
    expect(normaliseAddress("")).toBeUndefined();
  });
});

describe("clientAddress", () => {
  const app = new Hono().get("/", (c) => c.text(clientAddress(c, Number(c.req.query("hops")))));
  const ask = async (hops: number, forwarded?: string) => {
    const headers: Record<string, string> = forwarded ? { "x-forwarded-for": forwarded } : {};
    return (await app.request(`/?hops=${hops}`, { headers })).text();
  };

  it("ignores X-Forwarded-For unless the operator trusts proxies", async () => {
    expect(await ask(0, "198.51.100.1")).toBe("unknown");
  });

  it("takes the address the outermost trusted proxy saw, never what the client wrote further left", async () => {
    expect(await ask(1, "6.6.6.6, 198.51.100.1")).toBe("198.51.100.1");
    expect(await ask(2, "6.6.6.6, 198.51.100.1, 10.0.0.2")).toBe("198.51.100.1");
    expect(await ask(3, "198.51.100.1")).toBe("198.51.100.1");
    // A forged or broken header falls back to the socket (none in process).
    expect(await ask(1, "6.6.6.6, garbage")).toBe("unknown");
  });
});
