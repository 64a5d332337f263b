import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EspeakSynthesizer } from "./espeak-synthesizer.ts";
import { EspeakWorkerPool, type EspeakJob } from "./espeak-worker-pool.ts";
import { SpeechInputError } from "./speech.ts";
import { decodeWav } from "./wav.ts";

const WORKER_FILE = new URL("./espeak-worker.mjs", import.meta.url);

/** A pool of real workers that records the text of every job handed to one, and counts exited workers. */
function recordingPool(size: number, createWorker = () => new Worker(WORKER_FILE, { execArgv: [] })) {
  const posted: string[] = [];
  const exited: number[] = [];
  const pool = new EspeakWorkerPool({
    size,
    createWorker: () => {
      const worker = createWorker();
      const post = worker.postMessage.bind(worker);
      worker.postMessage = (message: EspeakJob) => {
        posted.push(message.files?.["/in.txt"] ?? message.args.join(" "));
        post(message);
      };
      worker.once("exit", (code) => exited.push(code));
      return worker;
    },
  });
  pools.push(pool);
  return { pool, posted, exited };
}

function readAloud(text: string, voice = "en-us"): EspeakJob {
  return {
    args: ["-v", voice, "-b", "1", "-f", "/in.txt", "-w", "/out.wav"],
    files: { "/in.txt": text },
    outputFile: "/out.wav",
  };
}

/** About 3,000 characters: two pieces, a few seconds of CPU on a busy machine. */
const LONG_TEXT = Array.from(
  { length: 40 },
  (_, index) => `This is sentence number ${index + 1}, read aloud by the basic voice.`,
).join(" ");

const pools: EspeakWorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe("EspeakSynthesizer in worker threads", () => {
  it("reads text into a WAV with audio in it", async () => {
    const { pool } = recordingPool(1);
    const clip = await new EspeakSynthesizer({ pool }).synthesize({ voice: "en-us", text: "Hello there." });
    expect(clip.contentType).toBe("audio/wav");
    const audio = decodeWav(clip.bytes);
    expect(audio.samples.length / audio.sampleRate).toBeGreaterThan(0.3);
    expect(Math.max(...audio.samples.map(Math.abs))).toBeGreaterThan(0.05);
    expect(clip.durationSeconds).toBeCloseTo(audio.samples.length / audio.sampleRate, 3);
  });

  it("keeps the event loop turning while eSpeak reads a long text", async () => {
    // Counts turns of the event loop, and notes the count when each piece goes to the worker and when
    // its audio comes back: on the main thread, eSpeak's run would hold the loop for that whole stretch.
    let turns = 0;
    const stretches: Array<{ posted: number; answered?: number }> = [];
    const pool = new EspeakWorkerPool({
      size: 1,
      createWorker: () => {
        const worker = new Worker(WORKER_FILE, { execArgv: [] });
        const post = worker.postMessage.bind(worker);
        worker.postMessage = (message: EspeakJob) => {
          stretches.push({ posted: turns });
          post(message);
        };
        worker.on("message", () => (stretches.at(-1)!.answered = turns));
        return worker;
      },
    });
    pools.push(pool);
    const synthesizer = new EspeakSynthesizer({ pool });
    // The worker compiles eSpeak on its first job; what is counted below is the synthesis only.
    await synthesizer.synthesize({ voice: "en-us", text: "Warming up." });
    stretches.length = 0;
    let reading = true;
    const turn = () => {
      turns++;
      if (reading) setImmediate(turn);
    };
    setImmediate(turn);
    const clip = await synthesizer
      .synthesize({ voice: "en-us", text: LONG_TEXT })
      .finally(() => (reading = false));
    expect(clip.durationSeconds).toBeGreaterThan(60);
    expect(stretches).toHaveLength(2);
    for (const { posted, answered } of stretches) expect(answered! - posted).toBeGreaterThan(100);
  });

  it("drops an aborted synthesis waiting for a worker: it rejects with the reason and never runs", async () => {
    const { pool, posted } = recordingPool(1);
    const synthesizer = new EspeakSynthesizer({ pool });
    const first = synthesizer.synthesize({ voice: "en-us", text: "The first caller speaks." });
    const controller = new AbortController();
    const second = synthesizer.synthesize({
      voice: "en-us",
      text: "The second caller hangs up.",
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(pool.queuedCount).toBe(1));
    controller.abort(new Error("the caller hung up"));
    await expect(second).rejects.toThrow("the caller hung up");
    expect(pool.queuedCount).toBe(0);
    await first;
    await synthesizer.synthesize({ voice: "en-us", text: "A third one." });
    expect(posted.filter((text) => !text.startsWith("--voices"))).toEqual([
      "The first caller speaks.",
      "A third one.",
    ]);
  });

  it("rejects an aborted running synthesis at once and discards its result when the worker answers", async () => {
    const { pool, posted } = recordingPool(1);
    const controller = new AbortController();
    const running = pool.run(readAloud(LONG_TEXT.slice(0, 1_000)), controller.signal);
    expect(posted).toHaveLength(1);
    controller.abort(new Error("stop"));
    await expect(running).rejects.toThrow("stop");
    // The same worker answers the next job with that job's own result, not the discarded one.
    const voices = await pool.run({ args: ["--voices"] });
    expect(voices.output[0]).toMatch(/Pty\s+Language/);
    expect(voices.file).toBeUndefined();
    expect(pool.workerCount).toBe(1);
  });

  it("rejects an unknown voice with SpeechInputError (a 400), whichever thread notices", async () => {
    const { pool } = recordingPool(1);
    const synthesizer = new EspeakSynthesizer({ pool });
    await expect(synthesizer.synthesize({ voice: "xx-yy", text: "Hi" })).rejects.toBeInstanceOf(
      SpeechInputError,
    );
    await expect(synthesizer.synthesize({ voice: "en-us+q9", text: "Hi" })).rejects.toBeInstanceOf(
      SpeechInputError,
    );
    // Past the voice list, eSpeak itself refuses it inside the worker; the main thread still gets a 400.
    const refused = pool.run(readAloud("Hi", "xx-zz"));
    await expect(refused).rejects.toBeInstanceOf(SpeechInputError);
    await expect(refused).rejects.toThrow(/voice does not exist/);
  });

  it("fails the job of a worker that crashes, and a replacement runs the next one waiting", async () => {
    let started = 0;
    const { pool, exited } = recordingPool(1, () =>
      started++ === 0
        ? new Worker(
            `require("node:worker_threads").parentPort.on("message", () => { throw new Error("simulated crash"); });`,
            { eval: true },
          )
        : new Worker(WORKER_FILE, { execArgv: [] }),
    );
    const crashing = pool.run(readAloud("This one is lost."));
    const waiting = pool.run(readAloud("This one is read."));
    await expect(crashing).rejects.toThrow(
      "the eSpeak NG worker stopped (simulated crash) before it answered",
    );
    const { file } = await waiting;
    expect(decodeWav(file!).samples.length).toBeGreaterThan(0);
    expect(exited).toHaveLength(1);
    expect(started).toBe(2);
    expect(pool.workerCount).toBe(1);
  });

  it("close() terminates the workers and rejects what runs or waits", async () => {
    const { pool, exited } = recordingPool(2);
    const synthesizer = new EspeakSynthesizer({ pool });
    const jobs = [1, 2, 3].map((index) => pool.run(readAloud(`${index}. ${LONG_TEXT.slice(0, 1_000)}`)));
    expect(pool.workerCount).toBe(2);
    expect(pool.queuedCount).toBe(1);
    const outcomes = Promise.allSettled(jobs);
    await synthesizer.close();
    expect(
      (await outcomes).map((outcome) => outcome.status === "rejected" && String(outcome.reason)),
    ).toEqual(Array(3).fill("Error: the eSpeak NG workers were closed"));
    expect(pool.workerCount).toBe(0);
    await vi.waitFor(() => expect(exited).toHaveLength(2));
  });

  it("lets the process exit once idle, and not before the synthesis is done", () => {
    const module = fileURLToPath(new URL("./espeak-synthesizer.ts", import.meta.url));
    const script = `
      const { EspeakSynthesizer } = await import(${JSON.stringify(module)});
      const clip = await new EspeakSynthesizer().synthesize({ voice: "en-us", text: "Goodbye." });
      console.log("bytes", clip.bytes.length);`;
    // No close(): the idle worker must not hold the process. The time-out only guards against a hang.
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 25_000,
    });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^bytes \d{4,}$/m);
  });
});
