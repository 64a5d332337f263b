import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SecretBox, decodeKey, loadSecretKey } from "./secret-box.ts";

describe("SecretBox", () => {
  it("round-trips, never stores the plaintext, and refuses tampering or another key", () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed = box.encrypt("sk-very-secret");
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain("sk-very-secret");
    expect(box.encrypt("sk-very-secret")).not.toBe(sealed);
    expect(box.decrypt(sealed)).toBe("sk-very-secret");
    const tampered = `v1:${Buffer.from(Buffer.from(sealed.slice(3), "base64").map((byte, index) => (index === 20 ? byte ^ 1 : byte))).toString("base64")}`;
    expect(() => box.decrypt(tampered)).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).decrypt(sealed)).toThrow();
  });

  it("creates a key file once and reuses it; a configured key wins", () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "dramatis-secret-"));
    const first = loadSecretKey({ configured: undefined, dataDir: directory });
    const second = loadSecretKey({ configured: undefined, dataDir: directory });
    expect(second.equals(first)).toBe(true);
    expect(fs.statSync(path.join(directory, "secret.key")).mode & 0o777).toBe(0o600);
    const configured = "ab".repeat(32);
    expect(loadSecretKey({ configured, dataDir: directory }).equals(decodeKey(configured))).toBe(true);
    expect(() => decodeKey("short")).toThrow(/64 hex characters/);
    fs.rmSync(directory, { recursive: true, force: true });
  });
});
