import { describe, expect, it } from "vitest";
import { parseOutboundAllowList } from "./outbound-allow-list.ts";

describe("parseOutboundAllowList", () => {
  it("reads hosts, IPs and CIDRs with optional ports, and names a bad entry by position", () => {
    expect(
      parseOutboundAllowList(" 127.0.0.1:11434, 10.0.0.0/8 ,[::1]:8080, ::1, ollama.internal, gpu:8000,127.1")
        .length,
    ).toBe(7);
    expect(parseOutboundAllowList("")).toEqual([]);
    expect(() => parseOutboundAllowList("127.0.0.1, http://x/")).toThrow(/entry 2/);
    expect(() => parseOutboundAllowList("10.0.0.0/99")).toThrow(/entry 1/);
    expect(() => parseOutboundAllowList("host:70000")).toThrow(/entry 1/);
  });
});
