import { describe, expect, it } from "vitest";
import { closedLoopbackURL } from "../../test/mock-upstreams.ts";
import { loadConfig } from "../config/config.ts";
import {
  DEFAULT_LOCAL_MODEL_SERVERS,
  parseLocalModelServers,
  probeLocalServer,
} from "./local-model-servers.ts";

describe("local model server addresses", () => {
  it("defaults to the well-known ports, turns off with off, and reads kind=url entries", () => {
    expect(parseLocalModelServers("")).toBe(DEFAULT_LOCAL_MODEL_SERVERS);
    expect(DEFAULT_LOCAL_MODEL_SERVERS.map((server) => server.origin)).toEqual([
      "http://127.0.0.1:11434",
      "http://127.0.0.1:1234",
      "http://127.0.0.1:8080",
      "http://127.0.0.1:8000",
    ]);
    expect(parseLocalModelServers("off")).toEqual([]);
    expect(
      parseLocalModelServers("ollama=http://127.0.0.1:11500/ignored, llama.cpp=http://[::1]:8081"),
    ).toEqual([
      { kind: "ollama", name: "ollama", origin: "http://127.0.0.1:11500" },
      { kind: "llama.cpp", name: "llama-cpp", origin: "http://[::1]:8081" },
    ]);
    expect(() => parseLocalModelServers("gopher=http://127.0.0.1:1")).toThrow(/entry 1: the kind/);
    expect(() => parseLocalModelServers("vllm=ftp://127.0.0.1:1")).toThrow(/entry 1: expected kind=/);
  });

  it("names the variable, not the value, when the configuration is wrong", () => {
    expect(() => loadConfig({ DRAMATIS_LOCAL_MODEL_SERVERS: "ollama" })).toThrow(
      /DRAMATIS_LOCAL_MODEL_SERVERS: entry 1/,
    );
    expect(loadConfig({ DRAMATIS_LOCAL_MODEL_SERVERS: "off" }).localModelServers).toEqual([]);
  });

  it("reports an address where nothing listens as unreachable, without throwing", async () => {
    const origin = new URL(await closedLoopbackURL()).origin;
    expect(await probeLocalServer({ kind: "vllm", name: "vllm", origin })).toMatchObject({
      reachable: false,
      models: [],
      baseUrl: `${origin}/v1`,
    });
  });
});
