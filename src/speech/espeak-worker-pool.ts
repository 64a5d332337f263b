import os from "node:os";
import { Worker } from "node:worker_threads";
import { SpeechInputError } from "./speech.ts";

/** One eSpeak NG run: its command-line arguments, text files written before it starts, the file to read back. */
export interface EspeakJob {
  args: string[];
  files?: Record<string, string>;
  /** a file eSpeak writes (`-w /out.wav`), returned as `file` */
  outputFile?: string;
}

export interface EspeakJobResult {
  /** the lines eSpeak printed */
  output: string[];
  file?: Uint8Array | undefined;
}

export interface EspeakWorkerPoolOptions {
  /** worker threads at most; default: one core less than the machine has, between 1 and 2 */
  size?: number;
  /** starts one worker thread; default: espeak-worker.mjs beside this module (tests substitute others) */
  createWorker?: () => Worker;
}

/** What a worker answers (espeak-worker.mjs). */
type WorkerAnswer =
  | { id: number; ok: true; output: string[]; file?: Uint8Array }
  | { id: number; ok: false; kind: "input" | "failure"; message: string };

interface Task {
  id: number;
  job: EspeakJob;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  resolve(result: EspeakJobResult): void;
  reject(error: unknown): void;
  settled: boolean;
}

interface Slot {
  worker: Worker;
  /** the task it runs; kept until the worker answers, even when the caller stopped waiting */
  task?: Task | undefined;
  /** the uncaught error that is stopping it */
  failure?: Error | undefined;
}

/**
 * Resolved beside the running module: src/speech/ under vitest, dist/speech/ in production (tsc, with
 * `allowJs`, emits the plain JavaScript worker there too).
 */
const WORKER_FILE = new URL("./espeak-worker.mjs", import.meta.url);

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}

/**
 * A few long-lived worker threads running eSpeak NG (WebAssembly), so a synthesis (100-200 ms of CPU per
 * sentence) never blocks the event loop. Jobs wait in one FIFO queue; workers start on demand, each
 * compiles the WebAssembly once and keeps it. An idle worker does not keep the process alive.
 *
 * A worker that dies takes only its job with it (rejected with an Error saying so); the next job waiting
 * starts a replacement. An aborted job waiting in the queue is dropped; a running one finishes in its
 * worker, but its result is discarded and the caller's promise rejects with the abort reason at once.
 *
 * @example
 * const pool = new EspeakWorkerPool({ size: 1 });
 * const { output } = await pool.run({ args: ["--voices"] });
 * await pool.close();
 */
export class EspeakWorkerPool {
  readonly size: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private readonly createWorker: () => Worker;
  private nextId = 1;

  constructor(options: EspeakWorkerPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? defaultPoolSize()));
    // Plain JavaScript: none of the parent's Node options (loaders, --input-type) apply to it.
    this.createWorker = options.createWorker ?? (() => new Worker(WORKER_FILE, { execArgv: [] }));
  }

  /** Worker threads running now (busy or idle). */
  get workerCount(): number {
    return this.slots.size;
  }

  /** Jobs waiting for a worker. */
  get queuedCount(): number {
    return this.queue.length;
  }

  /** Runs one job on the first free worker; rejects with SpeechInputError when eSpeak refuses the voice. */
  run(job: EspeakJob, signal?: AbortSignal): Promise<EspeakJobResult> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<EspeakJobResult>((resolve, reject) => {
      const task: Task = {
        id: this.nextId++,
        job,
        signal,
        onAbort: () => this.abort(task),
        resolve,
        reject,
        settled: false,
      };
      signal?.addEventListener("abort", task.onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /**
   * Terminates the workers; jobs running or waiting reject. The pool stays usable: a later job starts
   * new workers.
   */
  async close(): Promise<void> {
    const closed = new Error("the eSpeak NG workers were closed");
    for (const task of this.queue.splice(0)) this.fail(task, closed);
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) {
      if (slot.task) this.fail(slot.task, closed);
      slot.task = undefined;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** Hands waiting jobs to idle workers, starting workers up to the pool's size. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((candidate) => !candidate.task);
      if (!slot) {
        if (this.slots.size >= this.size) return;
        slot = this.spawn();
      }
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, ...task.job });
    }
  }

  private spawn(): Slot {
    const worker = this.createWorker();
    const slot: Slot = { worker };
    this.slots.add(slot);
    worker.on("message", (answer: WorkerAnswer) => {
      const task = slot.task;
      if (!task || task.id !== answer.id) return;
      slot.task = undefined;
      worker.unref();
      if (answer.ok) this.succeed(task, { output: answer.output, file: answer.file });
      else
        this.fail(
          task,
          answer.kind === "input" ? new SpeechInputError(answer.message) : new Error(answer.message),
        );
      this.dispatch();
    });
    worker.on("error", (error) => (slot.failure = error));
    worker.on("exit", (code) => {
      // After close() the slot is gone already and its task failed.
      if (!this.slots.delete(slot)) return;
      if (slot.task) {
        const reason = slot.failure?.message ?? `exit code ${code}`;
        this.fail(slot.task, new Error(`the eSpeak NG worker stopped (${reason}) before it answered`));
      }
      // A replacement starts when jobs are waiting.
      this.dispatch();
    });
    return slot;
  }

  private abort(task: Task): void {
    const waiting = this.queue.indexOf(task);
    if (waiting >= 0) this.queue.splice(waiting, 1);
    // A running task keeps its worker until it answers; only the caller stops waiting.
    this.fail(task, task.signal?.reason);
  }

  private succeed(task: Task, result: EspeakJobResult): void {
    if (task.settled) return;
    task.settled = true;
    task.signal?.removeEventListener("abort", task.onAbort);
    task.resolve(result);
  }

  private fail(task: Task, error: unknown): void {
    if (task.settled) return;
    task.settled = true;
    task.signal?.removeEventListener("abort", task.onAbort);
    task.reject(error);
  }
}
