import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  UpstreamModelError,
  type GenerateObjectResult,
  type GenerateRequest,
  type StreamPart,
} from "./language-model.ts";
import { detectPhysicalCoreCount } from "./detect-physical-core-count.ts";
import { findDefaultGguf } from "./local-gguf-files.ts";
import { createLocalGgufProvider, type LocalGgufProvider } from "./local-gguf-provider.ts";
import {
  describeLocalGgufInstall,
  importNodeLlamaCpp,
  isLocalGgufRuntimeAvailable,
} from "./local-gguf-runtime.ts";

const sharedModels = path.resolve(import.meta.dirname, "../../../shared/models");
const modelAvailable =
  statSync(path.join(sharedModels, "stories260K.gguf"), { throwIfNoEntry: false }) !== undefined;
// node-llama-cpp is an optional install kept outside the project's packages (CI puts it here).
const runtimeDirectory =
  process.env.DRAMATIS_LLAMA_RUNTIME ?? path.resolve(import.meta.dirname, "../../.cache/llama-runtime");
const runtimeAvailable = await isLocalGgufRuntimeAvailable({ runtimeDirectory });
if (!runtimeAvailable || !modelAvailable) {
  console.log(
    `Skipping the local GGUF inference tests: ${
      runtimeAvailable
        ? `no test model in ${sharedModels}`
        : `install node-llama-cpp with: ${describeLocalGgufInstall(runtimeDirectory)}`
    }`,
  );
}

const moduleNotFound = () =>
  Promise.reject(
    Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: "ERR_MODULE_NOT_FOUND" }),
  );

function storyRequest(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    messages: [
      { role: "system", content: "You tell stories." },
      { role: "user", content: "Once upon a time" },
    ],
    sampling: { max_tokens: 16, temperature: 0 },
    ...overrides,
  };
}

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe("local GGUF provider without inference", () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), "dramatis-gguf-"));
    for (const name of ["zeta.gguf", "alpha.gguf", "notes.txt", "beta.gguf.part"]) {
      writeFileSync(path.join(directory, name), "not a real model");
    }
    mkdirSync(path.join(directory, "folder.gguf"));
  });

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("lists GGUF files as model names and picks the first as the default", async () => {
    const provider = createLocalGgufProvider({ modelsDirectory: directory, importModule: moduleNotFound });
    expect(provider.name).toBe("local");
    expect(await provider.listModels()).toEqual(["alpha", "zeta"]);
    expect(findDefaultGguf(directory)).toBe("alpha");
    expect(findDefaultGguf(path.join(directory, "missing"))).toBeUndefined();
  });

  it("fails with the install command when node-llama-cpp is missing, without throwing at creation", async () => {
    const provider = createLocalGgufProvider({ modelsDirectory: directory, importModule: moduleNotFound });
    const model = provider.languageModel("alpha");
    expect(model.id).toBe("local/alpha");
    const failure = model.generate(storyRequest());
    await expect(failure).rejects.toBeInstanceOf(UpstreamModelError);
    await expect(failure).rejects.toThrow(/npm install --no-save node-llama-cpp@3\.22\.1/);
    expect(await isLocalGgufRuntimeAvailable({ importModule: moduleNotFound })).toBe(false);
  });

  it("names the runtime directory in the slim install command", () => {
    expect(describeLocalGgufInstall("/srv/runtime")).toMatch(
      /^npm install --prefix "\/srv\/runtime" --omit=optional --no-package-lock node-llama-cpp@3\.22\.1 @node-llama-cpp\/\S+@3\.22\.1$/,
    );
  });

  it("rejects unknown models and names that leave the models directory", async () => {
    const provider = createLocalGgufProvider({ modelsDirectory: directory, importModule: moduleNotFound });
    await expect(provider.languageModel("missing").generate(storyRequest())).rejects.toThrow(
      /local model missing was not found.*available: alpha, zeta/,
    );
    await expect(provider.languageModel("../alpha").generate(storyRequest())).rejects.toThrow(
      /must be a file name/,
    );
  });

  it("counts physical cores from /proc/cpuinfo, not hyper-threads", () => {
    const processor = (physicalId: number, coreId: number) =>
      `physical id\t: ${physicalId}\ncore id\t\t: ${coreId}\n`;
    const twoSocketsHyperThreaded = [0, 0, 1, 1, 0, 0, 1, 1]
      .map((coreId, index) => processor(index < 4 ? 0 : 1, coreId))
      .join("\n");
    expect(detectPhysicalCoreCount(twoSocketsHyperThreaded)).toBe(4);
    expect(detectPhysicalCoreCount("")).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!runtimeAvailable || !modelAvailable)("local GGUF provider with stories260K", () => {
  let provider: LocalGgufProvider;
  let loadCount = 0;

  beforeAll(() => {
    // Wraps the real module to count model loads: concurrent first use must load the file once.
    const importCountingLoads = async () => {
      const runtime = (await importNodeLlamaCpp(runtimeDirectory)) as Record<string, unknown> & {
        getLlama: (options: unknown) => Promise<{ loadModel: (options: unknown) => Promise<unknown> }>;
      };
      const getLlama = async (options: unknown) => {
        const llama = await runtime.getLlama(options);
        const loadModel = llama.loadModel.bind(llama);
        llama.loadModel = (loadOptions) => {
          loadCount += 1;
          return loadModel(loadOptions);
        };
        return llama;
      };
      return { ...runtime, getLlama };
    };
    provider = createLocalGgufProvider({
      modelsDirectory: sharedModels,
      threads: 1,
      importModule: importCountingLoads,
    });
  });

  afterAll(async () => provider?.close());

  it("embeds texts with the model (64 dimensions for stories260K)", async () => {
    const embedder = provider.embeddingModel?.("stories260K");
    const { embeddings } = await embedder!.embed(["Once upon a time", "a little dog"]);
    expect(embeddings).toHaveLength(2);
    expect(embeddings[0]?.length).toBe(64);
    expect(embeddings[0]?.some((value) => value !== 0)).toBe(true);
  });

  it("loads once under concurrent first use and generates with token usage", async () => {
    const model = provider.languageModel("stories260K");
    const [first, second] = await Promise.all([
      model.generate(storyRequest()),
      model.generate(storyRequest()),
    ]);
    expect(loadCount).toBe(1);
    expect(first.model).toBe("local/stories260K");
    expect(first.text.length).toBeGreaterThan(0);
    expect(first.finishReason).toBe("length");
    expect(first.usage.inputTokens).toBeGreaterThan(5);
    expect(first.usage.outputTokens).toBe(16);
    expect(second.text).toBe(first.text); // temperature 0 is greedy, so deterministic
    expect(first.warnings).toEqual([]);
  });

  it("streams several deltas and then one finish whose text is their concatenation", async () => {
    const parts = await collect(provider.languageModel("stories260K").stream(storyRequest()));
    const deltas = parts.filter((part) => part.type === "delta");
    const finish = parts.at(-1);
    expect(deltas.length).toBeGreaterThan(3);
    expect(parts.filter((part) => part.type === "finish")).toHaveLength(1);
    expect(finish?.type).toBe("finish");
    if (finish?.type !== "finish") return;
    expect(finish.result.text).toBe(deltas.map((part) => part.text).join(""));
    expect(finish.result.usage.outputTokens).toBeGreaterThan(0);
  });

  it("stops at the first delta when aborted and finishes as aborted with the text so far", async () => {
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    const request = storyRequest({ sampling: { max_tokens: 400 }, signal: controller.signal });
    for await (const part of provider.languageModel("stories260K").stream(request)) {
      parts.push(part);
      if (part.type === "delta") controller.abort();
    }
    const finish = parts.at(-1);
    expect(finish?.type).toBe("finish");
    if (finish?.type !== "finish") return;
    const deltas = parts.filter((part) => part.type === "delta");
    expect(finish.result.finishReason).toBe("aborted");
    // Tokens already decoded while the first delta travelled to the consumer still arrive, but no more.
    expect(finish.result.text).toBe(deltas.map((part) => part.text).join(""));
    expect(finish.result.usage.outputTokens).toBeLessThan(10);
  });

  it("stops generating when the consumer leaves the stream early", async () => {
    const model = provider.languageModel("stories260K");
    for await (const part of model.stream(storyRequest({ sampling: { max_tokens: 400 } }))) {
      if (part.type === "delta") break;
    }
    const next = await model.generate(storyRequest({ sampling: { max_tokens: 4 } }));
    expect(next.finishReason).toBe("length");
  });

  it("lets a queued request leave as aborted while another generation holds the model", async () => {
    const model = provider.languageModel("stories260K");
    const running = model.generate(storyRequest({ sampling: { max_tokens: 200 } }));
    const controller = new AbortController();
    const queued = model.generate(storyRequest({ signal: controller.signal }));
    controller.abort();
    expect(await queued).toMatchObject({ text: "", finishReason: "aborted" });
    expect((await running).usage.outputTokens).toBeGreaterThan(0);
  });

  it("returns at once as aborted when the signal is already aborted", async () => {
    const result = await provider
      .languageModel("stories260K")
      .generate(storyRequest({ signal: AbortSignal.abort() }));
    expect(result).toMatchObject({ text: "", finishReason: "aborted" });
  });

  it("keeps working after an abort and honours stop sequences", async () => {
    const model = provider.languageModel("stories260K");
    const full = await model.generate(storyRequest({ sampling: { max_tokens: 24, temperature: 0 } }));
    const stopWord = full.text.trim().split(/\s+/)[2];
    expect(stopWord).toBeDefined();
    const stopped = await model.generate(
      storyRequest({ sampling: { max_tokens: 24, temperature: 0, stop: [stopWord!] } }),
    );
    expect(stopped.finishReason).toBe("stop");
    expect(stopped.text).not.toContain(stopWord);
    expect(full.text.startsWith(stopped.text)).toBe(true);
  });

  it("maps sampling parameters and warns about the ones it ignores or clamps", async () => {
    const result = await provider.languageModel("stories260K").generate(
      storyRequest({
        sampling: {
          max_tokens: 8,
          temperature: 0.9,
          top_p: 0.9,
          top_k: 40,
          min_p: 0.05,
          repetition_penalty: 1.2,
          frequency_penalty: 1.5,
          presence_penalty: 0.2,
          seed: 7,
          top_a: 0.1,
        },
      }),
    );
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.warnings).toEqual([
      "frequency_penalty 1.5 was clamped to 1: local supports 0 to 1",
      "top_a is not supported by local and was ignored",
    ]);
  });

  it("answers generateObject with parsed JSON or a clean upstream error", async () => {
    const outcome = await provider
      .languageModel("stories260K")
      .generateObject({
        ...storyRequest({ sampling: { max_tokens: 48, temperature: 0 } }),
        schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
        schemaName: "character",
      })
      .then(
        (result): GenerateObjectResult | Error => result,
        (error: unknown) => error as Error,
      );
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(UpstreamModelError);
      expect(outcome.message).toMatch(/valid JSON/);
    } else {
      expect(typeof outcome.object).toBe("object");
      expect(outcome.usage.outputTokens).toBeGreaterThan(0);
    }
  });
});
