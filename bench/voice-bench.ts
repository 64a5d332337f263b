/**
 * Voice benchmarks, recorded in bench/results/voice-latest.md (`npm run bench:voice`):
 *
 * 1. The embedded voice's real-time factor: seconds of synthesis per second of audio, eSpeak NG
 *    (WebAssembly) reading sentences of several lengths, in process.
 * 2. Voice turn latency: speech end (as the detector sees it) -> the first audio of the reply sent, over
 *    the real call pipeline (CallService, CallSession, ConversationService, the offline model, SQLite)
 *    with a recognizer and a voice that answer at once, so the number is Dramatis' own overhead.
 * 3. Concurrent calls one process holds: N calls at once, each fed real-time audio in 20 ms frames
 *    (1 s of speech, then silence, repeated), with the same instant speech and the offline model; the
 *    turn latency and the event loop's lag at each N.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { DatabaseJobQueue } from "../src/jobs/database-job-queue.ts";
import { systemClock } from "../src/lib/clock.ts";
import { SecretBox } from "../src/lib/secret-box.ts";
import { ModelRegistry } from "../src/models/model-registry.ts";
import { createOfflineProvider } from "../src/models/offline-model.ts";
import { createServices, type Services } from "../src/composition/create-services.ts";
import { CALL_SAMPLE_RATE, type CallEvent, type CallSession } from "../src/services/calls/call-session.ts";
import { DEFAULT_TENANT_ID } from "../src/services/tenant-service.ts";
import { EspeakSynthesizer } from "../src/speech/espeak-synthesizer.ts";
import type { SpeechRecognizer, SpeechSynthesizer } from "../src/speech/speech.ts";
import { encodeWav } from "../src/speech/wav.ts";
import { openDatabase } from "../src/store/database.ts";
import type { UserRow } from "../src/store/schema.ts";
import { Store } from "../src/store/store.ts";
import { formatNumber, summarizeLatencies, type LatencySummary } from "./latency-stats.ts";
import { describeMachine } from "./report.ts";

const FRAME = CALL_SAMPLE_RATE / 50;

/** A voice that answers at once with 300 ms of tone: no synthesis time in the measurement. */
const instantVoice: SpeechSynthesizer = {
  name: "instant",
  label: "Instant (benchmark)",
  basic: false,
  listVoices: async () => [
    {
      id: "instant/tone",
      provider: "instant",
      name: "tone",
      displayName: "Tone",
      locale: "en-US",
      locales: ["en-US"],
      gender: null,
      styles: [],
      basic: false,
    },
  ],
  synthesize: async () => ({
    bytes: encodeWav({ samples: tone(0.3), sampleRate: CALL_SAMPLE_RATE }),
    contentType: "audio/wav",
    durationSeconds: 0.3,
  }),
};

/** A recognizer that hears the same question at once. */
const instantEars: SpeechRecognizer = {
  name: "instant",
  label: "Instant (benchmark)",
  basic: false,
  transcribe: async () => ({ text: "What did you do today?", durationSeconds: 1 }),
};

function tone(seconds: number): Float32Array {
  return Float32Array.from(
    { length: Math.round(CALL_SAMPLE_RATE * seconds) },
    (_, index) => 0.4 * Math.sin(index / 3),
  );
}

interface Fixture {
  services: Services;
  user: UserRow;
  personaId: string;
  close(): Promise<void>;
}

async function createFixture(): Promise<Fixture> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "dramatis-voice-bench-"));
  const database = await openDatabase({
    database: { kind: "sqlite", file: path.join(directory, "bench.sqlite") },
  });
  const jobs = new DatabaseJobQueue({ db: database.db, clock: systemClock });
  const services = createServices(new Store(database.db), systemClock, {
    models: new ModelRegistry([createOfflineProvider()], "offline/default"),
    jobs,
    secrets: new SecretBox(randomBytes(32)),
    speech: { providers: [{ name: "instant", synthesizer: instantVoice, recognizer: instantEars }] },
  });
  await services.personas.installPresets();
  await services.tenants.ensureDefaultTenant(undefined);
  const user = await services.users.resolve(DEFAULT_TENANT_ID, "bench-user");
  const persona = await services.personas.create(
    { tenantId: DEFAULT_TENANT_ID },
    {
      name: "Bench caller",
      voice_configurations: [
        {
          locale: "en-US",
          voice: "instant/tone",
          first_speaker: "user",
          silence_timeout_seconds: 600,
          max_duration_seconds: 14_400,
        },
      ],
    },
  );
  return {
    services,
    user,
    personaId: persona.id,
    async close() {
      await jobs.close();
      await database.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A call whose transport collects replies (with their latency) in memory. */
async function startCall(fixture: Fixture, onReply: (latency: number | null) => void): Promise<CallSession> {
  const { call, streamToken } = await fixture.services.calls.startBrowserCall(fixture.user, {
    personaId: fixture.personaId,
  });
  const row = await fixture.services.calls.claimStream(call.id, streamToken);
  if (!row) throw new Error("the stream token was refused");
  return fixture.services.calls.runSession(row, {
    send: (event: CallEvent) => {
      if (event.type === "reply") onReply(event.latency_ms);
    },
    sendAudio: () => undefined,
    clearAudio: () => undefined,
    close: () => undefined,
  });
}

async function embeddedVoiceRealTimeFactor(): Promise<
  Array<{ characters: number; audioSeconds: number; synthesisMs: number; rtf: number }>
> {
  const espeak = new EspeakSynthesizer();
  await espeak.synthesize({ voice: "en-us", text: "Warm up." });
  const sentence = "The persona reads this sentence aloud in the embedded voice, one word after another. ";
  const rows = [];
  for (const repeat of [1, 4, 16]) {
    const text = sentence.repeat(repeat).trim();
    const samples: number[] = [];
    let audioSeconds = 0;
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      const clip = await espeak.synthesize({ voice: "en-us", text });
      samples.push(performance.now() - started);
      audioSeconds = clip.durationSeconds ?? 0;
    }
    const synthesisMs = summarizeLatencies(samples).p50;
    rows.push({ characters: text.length, audioSeconds, synthesisMs, rtf: synthesisMs / 1000 / audioSeconds });
  }
  return rows;
}

/** Sequential turns on one call: each utterance is 1 s of speech then 1 s of quiet, fed at once. */
async function turnLatency(fixture: Fixture, turns: number): Promise<LatencySummary> {
  const latencies: number[] = [];
  let answered: () => void = () => undefined;
  const session = await startCall(fixture, (latency) => {
    if (latency !== null) latencies.push(latency);
    answered();
  });
  for (let turn = 0; turn < turns + 5; turn++) {
    const reply = new Promise<void>((resolve) => (answered = resolve));
    session.pushAudio(tone(1));
    session.pushAudio(new Float32Array(CALL_SAMPLE_RATE));
    await reply;
  }
  await session.hangup();
  return summarizeLatencies(latencies.slice(5));
}

/** N calls at once, each fed real-time frames for `seconds`. */
async function concurrentCalls(
  fixture: Fixture,
  calls: number,
  seconds: number,
): Promise<{ calls: number; turns: number; latency: LatencySummary; loopLagP99Ms: number }> {
  const latencies: number[] = [];
  const sessions = await Promise.all(
    Array.from({ length: calls }, () =>
      startCall(fixture, (latency) => latency !== null && latencies.push(latency)),
    ),
  );
  // Speech for 1 s, quiet for 1.5 s, over and over; calls start at different points of the cycle.
  const cycle = 125;
  const speech = tone(FRAME / CALL_SAMPLE_RATE);
  const quiet = new Float32Array(FRAME);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let tick = 0;
  await new Promise<void>((resolve) => {
    const started = performance.now();
    const timer = setInterval(() => {
      // Catch up on frames a late timer missed, as a real stream's buffered packets would arrive.
      const due = Math.floor((performance.now() - started) / 20);
      for (; tick < due; tick++) {
        sessions.forEach((session, index) => {
          const position = (tick + index * 7) % cycle;
          session.pushAudio(position < 50 ? speech : quiet);
        });
      }
      if (performance.now() - started >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  lag.disable();
  await Promise.all(sessions.map((session) => session.hangup()));
  return {
    calls,
    turns: latencies.length,
    latency: summarizeLatencies(latencies.length ? latencies : [Number.NaN]),
    loopLagP99Ms: lag.percentile(99) / 1e6,
  };
}

async function main(): Promise<void> {
  const machine = await describeMachine();
  console.log("embedded voice real-time factor...");
  const rtf = await embeddedVoiceRealTimeFactor();
  const fixture = await createFixture();
  try {
    console.log("voice turn latency...");
    const single = await turnLatency(fixture, 100);
    const levels = [];
    for (const calls of [1, 10, 50, 100, 200, 400]) {
      console.log(`${calls} concurrent calls...`);
      levels.push(await concurrentCalls(fixture, calls, 15));
    }
    const ms = (value: number) => formatNumber(value, 1);
    const lines = [
      "# Voice benchmarks",
      "",
      `${new Date().toISOString()} · ${machine.cpuModel} × ${machine.cores} · Node ${process.version} · \`npm run bench:voice\` (bench/voice-bench.ts)`,
      "",
      "## Embedded voice (eSpeak NG, WebAssembly): real-time factor",
      "",
      "Synthesis time per second of audio (median of 5 runs, after a warm-up); below 1 is faster than real time.",
      "",
      "| characters | audio (s) | synthesis (ms) | real-time factor |",
      "| ---: | ---: | ---: | ---: |",
      ...rtf.map(
        (row) =>
          `| ${row.characters} | ${formatNumber(row.audioSeconds, 2)} | ${ms(row.synthesisMs)} | ${formatNumber(row.rtf, 3)} |`,
      ),
      "",
      "## Voice turn latency (Dramatis' own overhead)",
      "",
      "Speech end as the detector sees it -> the first audio of the reply handed to the transport, over the",
      "whole pipeline (CallService, CallSession, ConversationService storing both messages, the offline model,",
      "SQLite), with a recognizer and a voice that answer at once. 100 turns after 5 warm-up turns. The",
      "detector's own 700 ms end-of-speech window comes before this and is not counted.",
      "",
      "| turns | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
      "| ---: | ---: | ---: | ---: | ---: |",
      `| ${single.count} | ${ms(single.p50)} | ${ms(single.p95)} | ${ms(single.p99)} | ${ms(single.max)} |`,
      "",
      `Goal: under 150 ms p50 — ${single.p50 < 150 ? "met" : "NOT met"}.`,
      "",
      "## Concurrent calls in one process",
      "",
      "Each call is fed real-time audio in 20 ms frames (1 s of speech, 1.5 s of quiet, repeated) for 15 s,",
      "with the instant recognizer and voice and the offline model; the same process runs every call.",
      "",
      "| calls | turns answered | latency p50 (ms) | latency p95 (ms) | event-loop lag p99 (ms) |",
      "| ---: | ---: | ---: | ---: | ---: |",
      ...levels.map(
        (level) =>
          `| ${level.calls} | ${level.turns} | ${ms(level.latency.p50)} | ${ms(level.latency.p95)} | ${ms(level.loopLagP99Ms)} |`,
      ),
      "",
      capacityLine(levels),
      "",
    ];
    const document = lines.join("\n");
    console.log(document);
    await writeFile(new URL("./results/voice-latest.md", import.meta.url), document);
  } finally {
    await fixture.close();
  }
}

/** How many calls one process held within the turn-latency goal (p95 under 150 ms), read off the levels. */
function capacityLine(levels: ReadonlyArray<{ calls: number; latency: { p95: number } }>): string {
  const held = levels.filter((level) => level.latency.p95 < 150).map((level) => level.calls);
  const most = held.length > 0 ? Math.max(...held) : 0;
  const beyond = levels.find((level) => level.calls > most);
  return (
    `One process held ${most} concurrent calls with Dramatis' own turn latency p95 under 150 ms` +
    (beyond
      ? `; at ${beyond.calls} the event loop saturates (p95 ${formatNumber(beyond.latency.p95, 1)} ms).`
      : ".") +
    " Real recognizers and voices add their own time, and the embedded voice runs in worker threads."
  );
}

await main();
