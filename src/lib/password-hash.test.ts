import { describe, expect, it } from "vitest";
import { DEFAULT_PASSWORD_COST, hashPassword, needsRehash, verifyPassword } from "./password-hash.ts";

describe("password hashes", () => {
  it("hash at OWASP's minimum scrypt cost by default (N=2^17, r=8, p=1) and verify", async () => {
    expect(DEFAULT_PASSWORD_COST).toEqual({ N: 131072, r: 8, p: 1 });
    const stored = await hashPassword("correct horse battery");
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword("correct horse batter", stored)).toBe(false);
    expect(needsRehash(stored)).toBe(false);
    // Two derivations of 128 MiB each: slow on a busy two-core machine, so no tight timeout.
  }, 60_000);

  it("ask for a rehash when the stored cost is below the current one (the earlier default N=2^15)", async () => {
    const cheap = await hashPassword("pw pw pw pw", { N: 32768, r: 8, p: 1 });
    expect(await verifyPassword("pw pw pw pw", cheap)).toBe(true);
    expect(needsRehash(cheap)).toBe(true);
    expect(needsRehash(cheap, { N: 32768, r: 8, p: 1 })).toBe(false);
    expect(needsRehash(cheap, { N: 32768, r: 16, p: 1 })).toBe(true);
    expect(needsRehash("not a hash")).toBe(true);
  });

  it("refuse stored hashes with absurd costs instead of allocating for them", async () => {
    expect(await verifyPassword("x", "scrypt$1073741824$8$1$c2FsdA$aGFzaA")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1000$8$1$c2FsdA$aGFzaA")).toBe(false);
  });
});
