import dgram from "node:dgram";
import { Resolver } from "node:dns/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAI } from "../../test/mock-upstreams.ts";
import { createOpenAICompatibleProvider } from "../models/openai-compatible-provider.ts";
import { parseOutboundAllowList } from "./outbound-allow-list.ts";
import {
  OUTBOUND_REFUSED_MESSAGE,
  OUTBOUND_UNREACHABLE_MESSAGE,
  OutboundRefusedError,
} from "./outbound-errors.ts";
import { OutboundGuard, type ResolveHost } from "./outbound-guard.ts";

/** A resolver that knows only the names given; anything else does not resolve. */
function stubResolver(names: Record<string, string[]>): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const addresses = names[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

interface LoopbackServer {
  port: number;
  origin: string;
  /** Requests received, as `METHOD path host`. */
  received: string[];
  close(): Promise<void>;
}

/** A loopback server whose answer the test decides per request. */
async function startServer(
  handle: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<LoopbackServer> {
  const received: string[] = [];
  const server = http.createServer((request, response) => {
    received.push(`${request.method} ${request.url} ${request.headers.host}`);
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A real DNS server on a loopback UDP port that answers A queries from `records` (NXDOMAIN otherwise):
 * enough for node's resolver to ask it over the wire.
 */
async function startDnsStub(
  records: Record<string, string>,
): Promise<{ server: string; close(): Promise<void> }> {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (query, peer) => {
    // The question starts after the 12-byte header: labels, then type and class.
    const labels: string[] = [];
    let offset = 12;
    while (offset < query.length && query[offset] !== 0) {
      const length = query[offset] ?? 0;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString());
      offset += length + 1;
    }
    const questionEnd = offset + 5;
    const type = query.readUInt16BE(offset + 1);
    const address = records[labels.join(".").toLowerCase()];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(address === undefined ? 0x8183 : 0x8180, 2); // NXDOMAIN or no error
    header.writeUInt16BE(1, 4);
    const answers = address !== undefined && type === 1 ? 1 : 0;
    header.writeUInt16BE(answers, 6);
    const parts = [header, query.subarray(12, questionEnd)];
    if (answers === 1 && address !== undefined) {
      const answer = Buffer.alloc(16);
      answer.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      answer.writeUInt16BE(1, 2); // A
      answer.writeUInt16BE(1, 4); // IN
      answer.writeUInt32BE(60, 6); // TTL
      answer.writeUInt16BE(4, 10);
      address.split(".").forEach((octet, index) => answer.writeUInt8(Number(octet), 12 + index));
      parts.push(answer);
    }
    socket.send(Buffer.concat(parts), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The rejection of a promise, for asserting on it. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("outbound guard: the default policy", () => {
  const guard = new OutboundGuard({ resolve: stubResolver({ localhost: ["127.0.0.1", "::1"] }) });

  // Every notation of an address the server must not reach, as a tenant could write it.
  const refused = [
    "http://127.0.0.1/",
    "http://127.0.0.1:11434/v1",
    "http://2130706433/", // decimal
    "http://0x7f000001/", // hex
    "http://0x7f.0x0.0x0.0x1/",
    "http://0177.0.0.1/", // octal
    "http://0177.1/",
    "http://127.1/", // short
    "http://127.0.1/",
    "http://localhost:8080/", // a name for loopback
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/", // IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/", // cloud metadata
    "http://2852039166/", // 169.254.169.254 in decimal
    "http://[fe80::1]/", // IPv6 link-local
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.168.1.1/",
    "http://100.64.0.1/", // CGNAT
    "http://100.127.255.254/",
    "http://224.0.0.1/", // multicast
    "http://[ff02::1]/",
    "http://0.0.0.0/", // unspecified
    "http://0/",
    "http://[::]/",
    "http://255.255.255.255/", // broadcast
    "http://240.0.0.1/", // reserved
    "http://198.18.0.1/", // benchmarking
    "http://[fc00::1]/", // unique local
    "http://[fd12:3456:789a::1]/",
    "http://[64:ff9b::7f00:1]/", // NAT64 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/", // NAT64 of 169.254.169.254
    "http://[2002:7f00:1::1]/", // 6to4 of 127.0.0.1
    "http://[2002:c0a8:101::1]/", // 6to4 of 192.168.1.1
    "https://127.0.0.1/",
    "file:///etc/passwd", // schemes
    "ftp://example.com/",
    "gopher://example.com/",
    "data:text/plain,hi",
    "not a url",
  ];

  it.each(refused)("refuses %s", async (url) => {
    const error = await rejectionOf(guard.checkUrl(url));
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error.message).toBe(OUTBOUND_REFUSED_MESSAGE);
  });

  it.each([
    "https://93.184.215.14/",
    "http://8.8.8.8:8080/v1",
    "https://[2606:4700:4700::1111]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[64:ff9b::808:808]/",
  ])("allows the public address %s", async (url) => {
    const target = await guard.checkUrl(url);
    expect(target.url.toString()).toBe(new URL(url).toString());
  });

  it("refuses a scheme the caller does not allow (push: https only)", async () => {
    await expect(guard.checkUrl("http://8.8.8.8/", { schemes: ["https:"] })).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    await expect(guard.checkUrl("https://8.8.8.8/", { schemes: ["https:"] })).resolves.toMatchObject({
      address: "8.8.8.8",
      port: 443,
    });
  });
});

describe("outbound guard: names resolved by a DNS stub", () => {
  it("refuses a name that resolves to a private address, or to any private among public ones", async () => {
    const resolve = stubResolver({
      "intranet.example": ["10.1.2.3"],
      "metadata.example": ["169.254.169.254"],
      "mixed.example": ["93.184.215.14", "192.168.0.10"],
      "v6.example": ["fd00::1"],
      "mapped.example": ["::ffff:127.0.0.1"],
      "public.example": ["93.184.215.14"],
    });
    const guard = new OutboundGuard({ resolve });
    for (const name of ["intranet", "metadata", "mixed", "v6", "mapped"]) {
      await expect(guard.checkUrl(`https://${name}.example/`), name).rejects.toBeInstanceOf(
        OutboundRefusedError,
      );
    }
    await expect(guard.checkUrl("https://public.example/")).resolves.toMatchObject({
      address: "93.184.215.14",
      family: 4,
      port: 443,
    });
  });

  it("refuses what a real DNS server on a loopback port says is private", async () => {
    const dns = await startDnsStub({
      "rebind.example": "127.0.0.1",
      "intranet.example": "10.0.0.5",
      "metadata.example": "169.254.169.254",
      "public.example": "93.184.215.14",
    });
    try {
      const resolver = new Resolver({ timeout: 2000, tries: 1 });
      resolver.setServers([dns.server]);
      const guard = new OutboundGuard({
        resolve: async (hostname) =>
          (await resolver.resolve4(hostname)).map((address) => ({ address, family: 4 })),
      });
      for (const name of ["rebind", "intranet", "metadata"]) {
        const error = await rejectionOf(guard.fetch(`http://${name}.example/`));
        expect(error, name).toBeInstanceOf(OutboundRefusedError);
        expect(error.message).toBe(OUTBOUND_REFUSED_MESSAGE);
      }
      await expect(guard.checkUrl("https://public.example/")).resolves.toMatchObject({
        address: "93.184.215.14",
      });
      const missing = await rejectionOf(guard.checkUrl("https://missing.example/"));
      expect((missing.cause as Error).message).toBe(OUTBOUND_UNREACHABLE_MESSAGE);
    } finally {
      await dns.close();
    }
  });

  it("says a name that does not resolve could not be reached, nothing more", async () => {
    const guard = new OutboundGuard({ resolve: stubResolver({}) });
    const error = await rejectionOf(guard.checkUrl("https://nowhere.example/"));
    expect(error).toBeInstanceOf(TypeError);
    expect((error.cause as Error).message).toBe(OUTBOUND_UNREACHABLE_MESSAGE);
  });
});

describe("outbound guard: fetching", () => {
  let target: LoopbackServer;
  let elsewhere: LoopbackServer;

  beforeAll(async () => {
    elsewhere = await startServer((request, response) => {
      response.end(`secret from port ${request.socket.localPort}`);
    });
    target = await startServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://x");
      if (url.pathname === "/to-elsewhere") {
        response.writeHead(302, { location: `${elsewhere.origin}/inside` }).end();
      } else if (url.pathname === "/to-metadata") {
        response.writeHead(307, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      } else if (url.pathname === "/hop") {
        const left = Number(url.searchParams.get("left"));
        if (left === 0) response.end(`arrived with authorization=${request.headers.authorization ?? "none"}`);
        else response.writeHead(301, { location: `/hop?left=${left - 1}` }).end();
      } else if (url.pathname === "/to-other-origin") {
        response.writeHead(308, { location: `${elsewhere.origin}/echo` }).end();
      } else if (url.pathname === "/big") {
        response.writeHead(200, { "content-type": "application/octet-stream" });
        response.end(Buffer.alloc(64 * 1024, 1));
      } else if (url.pathname === "/silent") {
        // never answers: the guard's deadline must end the call
      } else if (url.pathname === "/post") {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => response.end(`${request.method} ${body}`));
      } else {
        response.end(`hello ${request.headers.host}`);
      }
    });
  });
  afterAll(async () => {
    await Promise.all([target.close(), elsewhere.close()]);
  });

  it("refuses loopback under the default policy before connecting", async () => {
    const guard = new OutboundGuard();
    const before = target.received.length;
    await expect(guard.fetch(`${target.origin}/`)).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(target.received.length).toBe(before);
  });

  it("reaches an allow-listed loopback port, and only that port", async () => {
    const guard = new OutboundGuard({ allow: `127.0.0.1:${target.port}` });
    const response = await guard.fetch(`${target.origin}/`);
    expect(await response.text()).toBe(`hello 127.0.0.1:${target.port}`);
    await expect(guard.fetch(`${elsewhere.origin}/`)).rejects.toBeInstanceOf(OutboundRefusedError);
  });

  it("refuses a redirect from an allowed server to another loopback port, which never sees a request", async () => {
    const guard = new OutboundGuard({ allow: `127.0.0.1:${target.port}` });
    const before = elsewhere.received.length;
    await expect(guard.fetch(`${target.origin}/to-elsewhere`)).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(guard.fetch(`${target.origin}/to-metadata`)).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(elsewhere.received.length).toBe(before);
  });

  it("follows a redirect chain between allowed loopback ports, re-checking every hop, up to the limit", async () => {
    const guard = new OutboundGuard({ allow: "127.0.0.0/8" });
    const chained = await guard.fetch(`${target.origin}/to-elsewhere`);
    expect(await chained.text()).toBe(`secret from port ${elsewhere.port}`);
    const hops = await guard.fetch(`${target.origin}/hop?left=3`, undefined, { maxRedirects: 3 });
    expect(await hops.text()).toBe("arrived with authorization=none");
    const tooMany = await rejectionOf(
      guard.fetch(`${target.origin}/hop?left=4`, undefined, { maxRedirects: 3 }),
    );
    expect((tooMany.cause as Error).message).toBe(OUTBOUND_UNREACHABLE_MESSAGE);
    const manual = await guard.fetch(`${target.origin}/to-elsewhere`, { redirect: "manual" });
    expect(manual.status).toBe(302);
  });

  it("keeps credentials on the same origin and drops them on another", async () => {
    const guard = new OutboundGuard({ allow: "127.0.0.0/8" });
    const same = await guard.fetch(`${target.origin}/hop?left=1`, { headers: { authorization: "Bearer k" } });
    expect(await same.text()).toBe("arrived with authorization=Bearer k");
    const other = await guard.fetch(`${target.origin}/to-other-origin`, {
      method: "POST",
      headers: { authorization: "Bearer k", "x-api-key": "k" },
      body: "payload",
    });
    expect(await other.text()).toBe(`secret from port ${elsewhere.port}`);
    const call = elsewhere.received.at(-1);
    expect(call).toMatch(/^POST \/echo/);
  });

  it("refuses a URL carrying credentials without quoting them", async () => {
    const guard = new OutboundGuard({ allow: "127.0.0.0/8" });
    const error = await rejectionOf(guard.fetch(`http://user:hunter2@127.0.0.1:${target.port}/`));
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error.message).not.toContain("hunter2");
  });

  it("sends bodies and methods as fetch does", async () => {
    const guard = new OutboundGuard({ allow: "127.0.0.0/8" });
    const response = await guard.fetch(`${target.origin}/post`, { method: "POST", body: "a=1" });
    expect(await response.text()).toBe("POST a=1");
  });

  it("connects to the address it checked, keeping the name in the Host header", async () => {
    // The first answer is the allowed address; a rebinding second answer would be private.
    let answers = 0;
    const resolve: ResolveHost = async () =>
      answers++ === 0 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.9.9.9", family: 4 }];
    const guard = new OutboundGuard({ allow: `127.0.0.1:${target.port}`, resolve });
    const response = await guard.fetch(`http://service.example:${target.port}/`);
    expect(await response.text()).toBe(`hello service.example:${target.port}`);
    expect(answers).toBe(1);
  });

  it("allows a name the operator lists, wherever it resolves", async () => {
    const resolve = stubResolver({ "ollama.internal": ["127.0.0.1"] });
    const guard = new OutboundGuard({ allow: `ollama.internal:${target.port}`, resolve });
    expect(await (await guard.fetch(`http://ollama.internal:${target.port}/`)).text()).toBe(
      `hello ollama.internal:${target.port}`,
    );
    await expect(guard.fetch(`http://ollama.internal:${elsewhere.port}/`)).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
  });

  it("bounds the response size", async () => {
    const guard = new OutboundGuard({ allow: "127.0.0.0/8" });
    const response = await guard.fetch(`${target.origin}/big`, undefined, { maxResponseBytes: 1024 });
    const error = await rejectionOf(response.arrayBuffer());
    expect((error.cause as Error).message).toBe(OUTBOUND_UNREACHABLE_MESSAGE);
    const whole = await guard.fetch(`${target.origin}/big`, undefined, { maxResponseBytes: 64 * 1024 });
    expect((await whole.arrayBuffer()).byteLength).toBe(64 * 1024);
  });

  it("says the same about a silent server and a closed port: could not be reached", async () => {
    const guard = new OutboundGuard({ allow: "127.0.0.0/8" });
    const silent = await rejectionOf(guard.fetch(`${target.origin}/silent`, undefined, { timeoutMs: 100 }));
    const closedPort = await new Promise<number>((resolve) => {
      const probe = http.createServer();
      probe.listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const closed = await rejectionOf(guard.fetch(`http://127.0.0.1:${closedPort}/`));
    for (const error of [silent, closed]) {
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe("fetch failed");
      expect((error.cause as Error).message).toBe(OUTBOUND_UNREACHABLE_MESSAGE);
      expect((error.cause as { code?: unknown }).code).toBeUndefined();
    }
    // Nothing tells the two apart but the time they took.
    const shape = (error: Error) => [
      error.name,
      error.message,
      (error.cause as Error).name,
      (error.cause as Error).message,
    ];
    expect(shape(silent)).toEqual(shape(closed));
  });

  it("stops at once when the caller aborts", async () => {
    const guard = new OutboundGuard({ allow: "127.0.0.0/8" });
    const controller = new AbortController();
    const pending = guard.fetch(`${target.origin}/silent`, { signal: controller.signal });
    controller.abort();
    const error = await rejectionOf(pending);
    expect(error.name).toBe("AbortError");
  });
});

describe("outbound guard: an allow-listed loopback model server", () => {
  it("serves model listing, generation and streaming through the guard (an Ollama on the same machine)", async () => {
    const upstream = await startMockOpenAI({ reply: "Hi through the guard.", models: ["llama3.2:1b"] });
    try {
      const port = new URL(upstream.baseURL).port;
      const guard = new OutboundGuard({ allow: parseOutboundAllowList(`127.0.0.1:${port}`) });
      const provider = createOpenAICompatibleProvider({
        name: "ollama",
        baseURL: upstream.baseURL,
        fetch: guard.fetcher(),
      });
      expect(await provider.listModels()).toEqual(["llama3.2:1b"]);
      const model = provider.languageModel("llama3.2:1b");
      const result = await model.generate({ messages: [{ role: "user", content: "Hello" }] });
      expect(result.text).toBe("Hi through the guard.");
      let streamed = "";
      for await (const part of model.stream({ messages: [{ role: "user", content: "Hello" }] })) {
        if (part.type === "delta") streamed += part.text;
      }
      expect(streamed).toBe("Hi through the guard.");

      // The same server is refused without the allow-list entry, at listing and at generation.
      const refusing = createOpenAICompatibleProvider({
        name: "ollama",
        baseURL: upstream.baseURL,
        fetch: new OutboundGuard().fetcher(),
        retry: { attempts: 1 },
      });
      const before = upstream.requests.length;
      expect(await refusing.listModels()).toEqual([]);
      const error = await rejectionOf(
        refusing.languageModel("llama3.2:1b").generate({ messages: [{ role: "user", content: "Hello" }] }),
      );
      expect(error.message).toContain(OUTBOUND_REFUSED_MESSAGE);
      expect(upstream.requests.length).toBe(before);
    } finally {
      await upstream.close();
    }
  });
});
