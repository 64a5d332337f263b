/**
 * What Dramatis adds to a model call: `POST /v1/chat/completions` on a Dramatis server whose persona's model
 * is an upstream OpenAI-compatible endpoint, against the same request sent to that upstream directly.
 *
 * Three processes: the upstream (openai-upstream.ts, answers at once), the Dramatis server (SQLite in a temp
 * directory, LOG_LEVEL warn, DRAMATIS_PROVIDERS pointing at the upstream) and this one, the load generator.
 * Latency is measured with sequential requests at concurrency 1, alternating direct and relayed calls so
 * both see the same machine; throughput with autocannon at a fixed number of connections.
 */
import http from "node:http";
import path from "node:path";
import {
  checkRequest,
  measureLoad,
  type BenchRequest,
  type LoadResult,
  type LoadSettings,
} from "./load-test.ts";
import { summarizeLatencies, type LatencySummary } from "./latency-stats.ts";
import { UPSTREAM_MODEL, UPSTREAM_REPLY } from "./openai-upstream.ts";
import { readProcessCpuMilliseconds, startCpuAccounting } from "./report.ts";
import { startServerProcess, type ServerProcess } from "./server-process.ts";

/** The provider name Dramatis knows the upstream by; the persona's model is `upstream/<model>`. */
const PROVIDER_NAME = "upstream";
const RELAYED_MODEL = `${PROVIDER_NAME}/${UPSTREAM_MODEL}`;

/** A short chat turn: the client's history is one user message. */
const USER_MESSAGE = "Hi Mira! I just got back from the market. How has your evening been?";

export interface CompletionSettings {
  /** Measured requests per path at concurrency 1. */
  sequentialRequests: number;
  /** Requests per path sent first at concurrency 1 and discarded. */
  sequentialWarmup: number;
  load: LoadSettings;
  temporaryDirectory: string;
  adminKey: string;
  /** When set, the Dramatis server records a CPU profile of the whole measurement here. */
  cpuProfileFile?: string | undefined;
}

export interface PathResults {
  sequential: LatencySummary;
  load: LoadResult;
  /**
   * CPU (all threads, from /proc) of the process serving this path, per request, during the sequential run:
   * the upstream for direct calls, Dramatis for relayed ones. Undefined without /proc.
   */
  serverCpuMsPerRequest: number | undefined;
  /** Cores the serving process kept busy during this path's load run (1.0 = one core). */
  serverCoresUnderLoad: number | undefined;
  /** Cores other work on the machine used during this path's load run. */
  otherCoresUnderLoad: number;
}

export interface CompletionResults {
  direct: PathResults;
  relayed: PathResults;
  /** Cores other work on the machine used during the sequential run. */
  otherCoresSequential: number;
  sequentialRequests: number;
  load: LoadSettings;
}

interface Phase<T> {
  value: T;
  wallMs: number;
  dramatisCpuMs: number | undefined;
  upstreamCpuMs: number | undefined;
  otherCores: number;
}

/** Runs `work` and accounts for the CPU both servers and everything else on the machine used meanwhile. */
async function measurePhase<T>(
  servers: { dramatis: ServerProcess; upstream: ServerProcess },
  work: () => Promise<T>,
): Promise<Phase<T>> {
  const pids = [servers.dramatis.pid, servers.upstream.pid];
  const before = pids.map(readProcessCpuMilliseconds);
  const stopAccounting = startCpuAccounting(pids);
  const value = await work();
  const account = stopAccounting();
  const after = pids.map(readProcessCpuMilliseconds);
  const delta = (index: number) => {
    const [start, end] = [before[index], after[index]];
    return start === undefined || end === undefined ? undefined : end - start;
  };
  return {
    value,
    wallMs: account.wallMs,
    dramatisCpuMs: delta(0),
    upstreamCpuMs: delta(1),
    otherCores: account.otherCores,
  };
}

/** Fails when a load run saw any error or non-2xx answer, in the warm-up or the measurement. */
function assertLoadSucceeded(name: string, result: LoadResult): void {
  if (result.errors + result.non2xx + result.warmupFailures > 0) {
    throw new Error(
      `completions ${name}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.warmupFailures} ` +
        `failures in warm-up; status codes ${JSON.stringify(result.statusCodes)}`,
    );
  }
}

const divide = (value: number | undefined, by: number) => (value === undefined ? undefined : value / by);

/** Starts the upstream and Dramatis, checks both answer correctly, then measures both paths. */
export async function runCompletionOverheadBenchmark(
  settings: CompletionSettings,
): Promise<CompletionResults> {
  const upstream = await startServerProcess({ kind: "upstream" });
  let dramatis: ServerProcess | undefined;
  try {
    dramatis = await startServerProcess({
      kind: "dramatis",
      dataDirectory: path.join(settings.temporaryDirectory, "completions"),
      adminKey: settings.adminKey,
      providers: JSON.stringify([
        {
          name: PROVIDER_NAME,
          kind: "openai-compatible",
          base_url: `${upstream.ready.url}/v1`,
          api_key: "bench-upstream-key",
          models: [UPSTREAM_MODEL],
        },
      ]),
      personaModel: RELAYED_MODEL,
      cpuProfileFile: settings.cpuProfileFile,
    });
    const servers = { dramatis, upstream };
    const direct = directRequest(upstream.ready.url);
    const relayed = relayedRequest(dramatis, settings.adminKey);
    await checkCompletion(direct, UPSTREAM_MODEL);
    await checkCompletion(relayed, RELAYED_MODEL);

    console.error(`measuring completions: ${settings.sequentialRequests} sequential requests per path ...`);
    const sequential = await measurePhase(servers, () => measureSequential([direct, relayed], settings));
    console.error(`measuring completions: ${settings.load.connections} connections, upstream directly ...`);
    const directLoad = await measurePhase(servers, () => measureLoad(direct, settings.load));
    assertLoadSucceeded("upstream directly", directLoad.value);
    console.error(`measuring completions: ${settings.load.connections} connections, through Dramatis ...`);
    const relayedLoad = await measurePhase(servers, () => measureLoad(relayed, settings.load));
    assertLoadSucceeded("through Dramatis", relayedLoad.value);

    // Every sequential round sends one request per path: the upstream answers both, Dramatis the relayed one.
    const rounds = settings.sequentialWarmup + settings.sequentialRequests;
    return {
      direct: {
        sequential: summarizeLatencies(sequential.value[0]),
        load: directLoad.value,
        serverCpuMsPerRequest: divide(sequential.upstreamCpuMs, 2 * rounds),
        serverCoresUnderLoad: divide(directLoad.upstreamCpuMs, directLoad.wallMs),
        otherCoresUnderLoad: directLoad.otherCores,
      },
      relayed: {
        sequential: summarizeLatencies(sequential.value[1]),
        load: relayedLoad.value,
        serverCpuMsPerRequest: divide(sequential.dramatisCpuMs, rounds),
        serverCoresUnderLoad: divide(relayedLoad.dramatisCpuMs, relayedLoad.wallMs),
        otherCoresUnderLoad: relayedLoad.otherCores,
      },
      otherCoresSequential: sequential.otherCores,
      sequentialRequests: settings.sequentialRequests,
      load: settings.load,
    };
  } finally {
    keepAliveAgent.destroy();
    await dramatis?.stop();
    await upstream.stop();
  }
}

function directRequest(upstreamUrl: string): BenchRequest {
  return {
    url: `${upstreamUrl}/v1/chat/completions`,
    method: "POST",
    headers: { authorization: "Bearer bench-upstream-key", "content-type": "application/json" },
    body: JSON.stringify({ model: UPSTREAM_MODEL, messages: [{ role: "user", content: USER_MESSAGE }] }),
  };
}

function relayedRequest(dramatis: ServerProcess, adminKey: string): BenchRequest {
  const personaId = dramatis.ready.personaId;
  if (!personaId) throw new Error("the Dramatis bench server did not report a persona id");
  return {
    url: `${dramatis.ready.url}/v1/chat/completions`,
    method: "POST",
    headers: {
      authorization: `Bearer ${adminKey}`,
      "content-type": "application/json",
      "x-dramatis-user": "bench-user",
    },
    body: JSON.stringify({
      model: `persona/${personaId}`,
      messages: [{ role: "user", content: USER_MESSAGE }],
    }),
  };
}

/** Fails unless the request answers 2xx with the upstream's reply, reported as the expected model. */
async function checkCompletion(request: BenchRequest, expectedModel: string): Promise<void> {
  await checkRequest(request);
  const response = await send(request);
  const completion = JSON.parse(response) as {
    model?: string;
    choices?: { message?: { content?: string } }[];
  };
  const content = completion.choices?.[0]?.message?.content;
  if (completion.model !== expectedModel || content !== UPSTREAM_REPLY) {
    throw new Error(`${request.url} did not answer the upstream's reply as ${expectedModel}: ${response}`);
  }
}

// node:http rather than fetch for the timed requests: it costs the client about half as much per request,
// which leaves less of the client's own noise in figures that differ by fractions of a millisecond.
const keepAliveAgent = new http.Agent({ keepAlive: true });

/** Sends the request over a kept-alive connection and returns its body; any non-2xx stops the benchmark. */
function send(request: BenchRequest): Promise<string> {
  const body = request.body ?? "";
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      request.url,
      {
        method: request.method,
        agent: keepAliveAgent,
        headers: { ...request.headers, "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (part: Buffer) => parts.push(part));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          const status = response.statusCode ?? 0;
          if (status < 200 || status > 299) {
            reject(new Error(`${request.method} ${request.url} answered ${status}: ${text.slice(0, 500)}`));
          } else {
            resolve(text);
          }
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/**
 * Latencies in milliseconds (sub-millisecond resolution) of each request at concurrency 1, in the order
 * given. Requests alternate ABBA so neither path always goes first after the other.
 */
async function measureSequential(
  requests: [BenchRequest, BenchRequest],
  settings: CompletionSettings,
): Promise<[number[], number[]]> {
  const samples: [number[], number[]] = [[], []];
  const rounds = settings.sequentialWarmup + settings.sequentialRequests;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const index of order) {
      const started = performance.now();
      await send(requests[index] as BenchRequest);
      const elapsed = performance.now() - started;
      if (round >= settings.sequentialWarmup) samples[index]?.push(elapsed);
    }
  }
  return samples;
}
