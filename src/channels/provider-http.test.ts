import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ProviderHttpClient, type ProviderHttpClientOptions } from "./provider-http.ts";
import { ProviderDownloadTooLargeError, ProviderHttpError } from "./provider-http-errors.ts";

/** One scripted answer of the loopback provider. */
type Step =
  { status: number; body?: unknown; headers?: Record<string, string> } | { hang: true } | { drop: true };

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe("ProviderHttpClient", () => {
  let server: http.Server;
  let baseUrl: string;
  let script: Step[] = [];
  let received: Received[] = [];
  let waits: number[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        received.push({
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body,
        });
        const step = script.shift() ?? { status: 200, body: { ok: true } };
        if ("hang" in step) return; // never answers: the client's timeout must end the attempt
        if ("drop" in step) return request.socket.destroy();
        const text = typeof step.body === "string" ? step.body : JSON.stringify(step.body ?? {});
        response.writeHead(step.status, {
          "content-type": typeof step.body === "string" ? "text/plain" : "application/json",
          ...step.headers,
        });
        response.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    script = [];
    received = [];
    waits = [];
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function client(options: Partial<ProviderHttpClientOptions> = {}): ProviderHttpClient {
    return new ProviderHttpClient({
      provider: "twilio",
      baseUrl,
      sleep: async (milliseconds) => {
        waits.push(milliseconds);
      },
      random: () => 0.5,
      ...options,
    });
  }

  it("posts a form with basic auth and parses the JSON answer", async () => {
    script = [{ status: 201, body: { sid: "SM1" } }];
    const response = await client({
      auth: { type: "basic", username: "AC123", password: "token" },
    }).request(
      {
        call: "send message",
        method: "POST",
        path: "/2010-04-01/Accounts/AC123/Messages.json",
        form: { From: "+14155550100", To: "+14155550111", Body: "Hi & bye", MediaUrl: ["a", "b"] },
      },
      z.object({ sid: z.string() }),
    );
    expect(response).toMatchObject({ status: 201, body: { sid: "SM1" }, attempts: 1 });
    const [request] = received;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/2010-04-01/Accounts/AC123/Messages.json");
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from("AC123:token").toString("base64")}`);
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect([...new URLSearchParams(request?.body)]).toEqual([
      ["From", "+14155550100"],
      ["To", "+14155550111"],
      ["Body", "Hi & bye"],
      ["MediaUrl", "a"],
      ["MediaUrl", "b"],
    ]);
  });

  it("posts raw bytes with their content type and the caller's headers (web push)", async () => {
    script = [{ status: 201, body: "" }];
    const bytes = Uint8Array.from({ length: 300 }, (_, index) => index % 256);
    const response = await client().request({
      call: "notification",
      method: "POST",
      path: "/push/abc",
      binary: { contentType: "application/octet-stream", bytes },
      headers: { "content-encoding": "aes128gcm", ttl: "60" },
    });
    expect(response.status).toBe(201);
    const [request] = received;
    expect(request?.headers["content-type"]).toBe("application/octet-stream");
    expect(request?.headers["content-length"]).toBe("300");
    expect(request?.headers["content-encoding"]).toBe("aes128gcm");
    expect(request?.headers.ttl).toBe("60");
  });

  it("sends JSON with a bearer token and a query", async () => {
    await client({ auth: { type: "bearer", token: "graph-token" } }).request({
      call: "send whatsapp message",
      method: "POST",
      path: "v21.0/123/messages",
      query: { debug: "all", skipped: undefined },
      json: { to: "14155550111", text: { body: "Hi" } },
    });
    const [request] = received;
    expect(request?.url).toBe("/v21.0/123/messages?debug=all");
    expect(request?.headers.authorization).toBe("Bearer graph-token");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({ to: "14155550111", text: { body: "Hi" } });
  });

  it("retries 5xx with exponential backoff and succeeds", async () => {
    script = [{ status: 503 }, { status: 500 }, { status: 200, body: { done: 1 } }];
    const response = await client({ baseDelayMs: 100 }).request({ call: "fetch", path: "/x" });
    expect(response).toMatchObject({ body: { done: 1 }, attempts: 3 });
    expect(received).toHaveLength(3);
    // equal jitter with random 0.5: three quarters of 100 ms, then of 200 ms
    expect(waits).toEqual([75, 150]);
  });

  it("honours Retry-After on 429, capped by maxDelayMs", async () => {
    script = [
      { status: 429, headers: { "retry-after": "2" } },
      { status: 429, headers: { "retry-after": "120" } },
      { status: 200 },
    ];
    await client({ maxDelayMs: 10_000 }).request({ call: "fetch", path: "/x" });
    expect(waits).toEqual([2000, 10_000]);
  });

  it("does not retry other 4xx and says which provider, which call and what went wrong", async () => {
    script = [
      {
        status: 400,
        body: { code: 21211, message: "The 'To' number +1555 is not a valid phone number.", status: 400 },
      },
    ];
    const error = await client()
      .request({ call: "send message", method: "POST", path: "/m", form: { To: "+1555" } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({
      provider: "twilio",
      call: "send message",
      providerStatus: 400,
      providerCode: "21211",
      retryable: false,
      attempts: 1,
      status: 502,
    });
    // The provider's words stay on the error for server logs; callers get status and code.
    expect((error as Error).message).toBe("twilio send message failed: HTTP 400 (code 21211) (1 attempt)");
    expect((error as ProviderHttpError).upstreamMessage).toBe(
      "The 'To' number +1555 is not a valid phone number.",
    );
    expect(received).toHaveLength(1);
  });

  it("never hands a caller what a hostile provider echoes back: its SID, token or Authorization header", async () => {
    const sid = "AC0123456789abcdef0123456789abcdef";
    const token = "twilio-auth-token-987654321";
    const basic = Buffer.from(`${sid}:${token}`).toString("base64");
    script = [
      {
        status: 401,
        body: { code: token, message: `Authorization: Basic ${basic} (${sid}:${token})`, more_info: token },
        headers: { "x-request-id": token, "twilio-request-id": `${sid}` },
      },
      {
        status: 401,
        body: { code: 20003, message: `you sent ${sid}:${token}` },
        headers: { "twilio-request-id": "RQ0123456789abcdef" },
      },
    ];
    const twilio = client({ auth: { type: "basic", username: sid, password: token } });
    for (const expected of [
      "twilio send message failed: HTTP 401 (1 attempt)",
      "twilio send message failed: HTTP 401 (code 20003) (request id RQ0123456789abcdef) (1 attempt)",
    ]) {
      const error = (await twilio
        .request({ call: "send message", method: "POST", path: "/m", form: {} })
        .catch((caught: unknown) => caught)) as ProviderHttpError;
      expect(error.message).toBe(expected);
      for (const secret of [sid, token, basic]) {
        expect(JSON.stringify({ ...error, message: error.message })).not.toContain(secret);
      }
    }
  });

  it("reads Graph API style errors", async () => {
    script = [{ status: 401, body: { error: { message: "Invalid OAuth access token.", code: 190 } } }];
    const error = await client({ provider: "whatsapp" })
      .request({ call: "send message", method: "POST", path: "/m", json: {} })
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toContain("whatsapp send message failed: HTTP 401 (code 190)");
  });

  it("gives up after the last attempt and keeps the failure retryable for a later job", async () => {
    script = [{ status: 502, body: "bad gateway" }, { status: 503 }];
    const error = await client({ attempts: 2 })
      .request({ call: "fetch", path: "/x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true, attempts: 2, providerStatus: 503 });
    expect((error as Error).message).toContain("(2 attempts)");
  });

  it("ends an attempt that takes too long and retries it", async () => {
    script = [{ hang: true }, { status: 200, body: { late: false } }];
    const response = await client({ timeoutMs: 200 }).request({ call: "fetch", path: "/x" });
    expect(response).toMatchObject({ body: { late: false }, attempts: 2 });
    script = [{ hang: true }, { hang: true }];
    const error = await client({ timeoutMs: 100, attempts: 2 })
      .request({ call: "fetch", path: "/x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true, attempts: 2 });
    expect((error as Error).message).toContain("no answer within 100 ms");
  });

  it("retries dropped and refused connections, naming the cause", async () => {
    script = [{ drop: true }, { status: 200 }];
    expect((await client().request({ call: "fetch", path: "/x" })).attempts).toBe(2);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await client({ baseUrl: `http://127.0.0.1:${port}` })
      .request({ call: "fetch", path: "/x" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true, attempts: 3 });
    // The code, never the address or the network error's text: a provider URL can be a probe target.
    expect((error as Error).message).toMatch(/^twilio fetch failed: cannot reach twilio \(ECONNREFUSED\)/);
    expect((error as Error).message).not.toContain("127.0.0.1");
    expect(waits).toHaveLength(3); // one wait after the dropped connection, two between the refusals
  });

  it("stops at once when the caller aborts, rethrowing the abort", async () => {
    script = [{ hang: true }];
    const controller = new AbortController();
    const pending = client({ timeoutMs: 5000 }).request({
      call: "fetch",
      path: "/x",
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(ProviderHttpError);
    expect((error as Error).name).toBe("AbortError");
    expect(received).toHaveLength(1);
  });

  it("refuses a response that does not have the expected shape, without retrying", async () => {
    script = [{ status: 201, body: { id: 5 } }];
    const error = await client()
      .request({ call: "send message", method: "POST", path: "/m" }, z.object({ sid: z.string() }))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: false, attempts: 1 });
    expect((error as Error).message).toContain("unexpected response: sid:");
  });

  describe("downloads", () => {
    const basic = { auth: { type: "basic" as const, username: "AC123", password: "token" } };

    it("follows a redirect to storage without the credentials, and retries a failed download", async () => {
      script = [
        { status: 503, body: "busy" },
        { status: 307, body: "", headers: { location: "/storage/ME1" } },
        { status: 200, body: "the picture's bytes", headers: { "content-type": "image/jpeg; x=1" } },
      ];
      const file = await client(basic).download(
        { call: "download media", path: "/Media/ME1", redirect: "follow-without-credentials" },
        { maxBytes: 100 },
      );
      expect(new TextDecoder().decode(file.bytes)).toBe("the picture's bytes");
      expect(file).toMatchObject({ contentType: "image/jpeg", attempts: 2 });
      expect(received.map((request) => request.url)).toEqual(["/Media/ME1", "/Media/ME1", "/storage/ME1"]);
      expect(received[1]!.headers.authorization).toMatch(/^Basic /);
      expect(received[2]!.headers.authorization).toBeUndefined();
    });

    it("stops reading past the limit and does not retry", async () => {
      script = [{ status: 200, body: "x".repeat(1000) }];
      const error = await client(basic)
        .download({ call: "download media", path: "/big" }, { maxBytes: 10 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderDownloadTooLargeError);
      expect(received).toHaveLength(1);
    });

    it("refuses a redirect to plain http elsewhere, and any redirect unless asked to follow", async () => {
      script = [{ status: 302, body: "", headers: { location: "http://storage.example/ME1" } }];
      const elsewhere = await client(basic)
        .download(
          { call: "download media", path: "/Media/ME1", redirect: "follow-without-credentials" },
          { maxBytes: 10 },
        )
        .catch((caught: unknown) => caught);
      expect(elsewhere).toMatchObject({ retryable: false });
      expect((elsewhere as Error).message).toContain("a redirect to no https address");
      script = [{ status: 302, body: "", headers: { location: "/storage/ME1" } }];
      const unasked = await client({ ...basic, attempts: 1 })
        .download({ call: "download media", path: "/Media/ME1" }, { maxBytes: 10 })
        .catch((caught: unknown) => caught);
      expect(unasked).toBeInstanceOf(ProviderHttpError);
      expect(received.map((request) => request.url)).toEqual(["/Media/ME1", "/Media/ME1"]);
    });
  });
});
