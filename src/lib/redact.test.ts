import { describe, expect, it } from "vitest";
import { excerpt, hasUrlCredentials, redactSecrets, redactUrl, safeRequestId } from "./redact.ts";

describe("redaction", () => {
  it("removes URL credentials, authorization headers, key fields and the given secrets, also base64-encoded", () => {
    const basic = Buffer.from("AC01:tok-secret").toString("base64");
    const text = redactSecrets(
      `GET https://AC01:tok-secret@api.twilio.com {"authorization":"Basic ${basic}","x-api-key":"sk-1234"} api_key=abc123 raw tok-secret`,
      ["tok-secret", "AC01:tok-secret"],
    );
    expect(text).not.toMatch(/tok-secret|sk-1234|abc123/);
    expect(text).not.toContain(basic);
    expect(text).toContain("api.twilio.com");
  });

  it("redacts and detects URL credentials", () => {
    expect(redactUrl("postgres://app:pw@db:5432/x")).toBe("postgres://[redacted]@db:5432/x");
    expect(redactUrl("https://llm.example.com/v1")).toBe("https://llm.example.com/v1");
    expect(hasUrlCredentials("https://user:pass@host")).toBe(true);
    expect(hasUrlCredentials("https://user@host")).toBe(true);
    expect(hasUrlCredentials("https://host/a@b")).toBe(false);
  });

  it("quotes at most a short excerpt", () => {
    expect(excerpt("short")).toBe("short");
    const long = excerpt("x".repeat(5_000_000));
    expect([...long]).toHaveLength(80);
    expect(long.endsWith("…")).toBe(true);
  });

  it("accepts a request id only when it looks like one and is none of the secrets", () => {
    expect(safeRequestId(new Headers({ "x-request-id": "req_123" }))).toBe("req_123");
    expect(safeRequestId(new Headers({ "x-request-id": "Bearer sk-1" }))).toBeUndefined();
    expect(
      safeRequestId(new Headers({ "x-request-id": "sk-operator-key" }), ["sk-operator-key"]),
    ).toBeUndefined();
    expect(safeRequestId({ "request-id": "abc" })).toBe("abc");
  });
});
