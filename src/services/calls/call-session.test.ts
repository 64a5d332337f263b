import { describe, expect, it } from "vitest";
import {
  CALL_SAMPLE_RATE,
  CallSession,
  CannotHearError,
  type CallBrain,
  type CallEvent,
  type CallSettings,
  type Timers,
} from "./call-session.ts";
import { SentenceChunker, cleanForSpeech } from "./sentence-chunker.ts";

/** Timers the test moves by hand: nothing happens on its own. */
class ManualTimers implements Timers {
  current = 0;
  private pending = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  now = () => this.current;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.nextId++;
    this.pending.set(id, { at: this.current + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.pending.delete(handle as number);
  };
  /** Moves time on, firing what falls due in order. */
  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, timer]) => timer.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.current = due[1].at;
      due[1].callback();
    }
    this.current = until;
  }
}

/** Speech: a loud tone; silence: zeros. */
const tone = (seconds: number) =>
  Float32Array.from(
    { length: Math.round(CALL_SAMPLE_RATE * seconds) },
    (_, index) => 0.4 * Math.sin(index / 3),
  );
const quiet = (seconds: number) => new Float32Array(Math.round(CALL_SAMPLE_RATE * seconds));

const settings: CallSettings = {
  firstSpeaker: "agent",
  firstMessage: "Hello, you're through to Ada.",
  silenceTimeoutMs: 5_000,
  maxDurationMs: 60_000,
  recording: true,
  silenceGoodbye: "Goodbye for now.",
  timeLimitGoodbye: "Time is up. Goodbye.",
};

function harness(overrides: Partial<CallSettings> = {}, brainOverrides: Partial<CallBrain> = {}) {
  const timers = new ManualTimers();
  const events: CallEvent[] = [];
  const audio: Float32Array[] = [];
  const said: string[] = [];
  const heard: number[] = [];
  let nextMessage = 1;
  const brain: CallBrain = {
    transcribe: async (samples) => {
      heard.push(samples.length);
      return "what is the weather like";
    },
    synthesize: async (text) => tone(Math.min(3, text.length / 20)),
    reply: async (text, options) => {
      for (const piece of ["It is sunny. ", "Perfect for a walk by the sea. ", "Shall we go?"]) {
        if (options.signal.aborted) break;
        options.onDelta(piece);
        await Promise.resolve();
      }
      return {
        userMessageId: `msg_u${nextMessage}`,
        replyMessageId: `msg_r${nextMessage++}`,
        text: `re: ${text}`,
      };
    },
    say: async (text) => {
      said.push(text);
      return { messageId: `msg_s${said.length}` };
    },
    ...brainOverrides,
  };
  let closed = false;
  const session = new CallSession({
    transport: {
      send: (event) => events.push(event),
      sendAudio: (samples) => audio.push(samples),
      clearAudio: () => events.push({ type: "interrupt" }),
      close: () => (closed = true),
    },
    brain,
    settings: { ...settings, ...overrides },
    timers,
  });
  /** Lets the session's promises run (the brain answers at once). */
  const flush = async () => {
    for (let index = 0; index < 50; index++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return { session, timers, events, audio, said, heard, flush, isClosed: () => closed };
}

describe("a call session", () => {
  it("opens with the first message when the agent speaks first", async () => {
    const call = harness();
    call.session.start();
    await call.flush();
    expect(call.said).toEqual(["Hello, you're through to Ada."]);
    expect(call.events).toContainEqual({
      type: "agent-message",
      text: "Hello, you're through to Ada.",
      message_id: "msg_s1",
    });
    expect(call.audio.length).toBe(1);
  });

  it("waits for the user when the user speaks first", async () => {
    const call = harness({ firstSpeaker: "user" });
    call.session.start();
    await call.flush();
    expect(call.said).toEqual([]);
    expect(call.events).toEqual([{ type: "state", state: "listening" }]);
  });

  it("answers an utterance sentence by sentence and records the turn's latency", async () => {
    const call = harness({ firstSpeaker: "user" });
    call.session.start();
    call.session.pushAudio(quiet(0.5));
    call.session.pushAudio(tone(1));
    call.timers.advance(1_000);
    call.session.pushAudio(quiet(1));
    call.timers.advance(40);
    await call.flush();
    expect(call.heard[0]).toBeGreaterThan(CALL_SAMPLE_RATE * 1);
    expect(call.events).toContainEqual({ type: "transcript", text: "what is the weather like" });
    const reply = call.events.find((event) => event.type === "reply");
    // The brain answered 40 ms (of the test's clock) after the speech ended.
    expect(reply).toMatchObject({
      user_message_id: "msg_u1",
      message_id: "msg_r1",
      latency_ms: 40,
      interrupted: false,
    });
    // Three sentences, each spoken as it completed.
    expect(call.audio.length).toBe(3);
  });

  it("transcribes live while the user speaks when the recognizer streams, and falls back to the whole utterance when the stream fails", async () => {
    /** A live transcription that records what reached it, and when. */
    const liveStream = (outcome: "hears" | "fails") => {
      const stream = {
        written: 0,
        finishedAfter: -1,
        aborted: false,
        write: (samples: Float32Array) => {
          stream.written += samples.length;
        },
        finish: async () => {
          stream.finishedAfter = stream.written;
          if (outcome === "fails") throw new Error("the live service dropped");
          return { text: "heard live", durationSeconds: stream.written / CALL_SAMPLE_RATE };
        },
        abort: () => {
          stream.aborted = true;
        },
      };
      return stream;
    };
    const streamed = liveStream("hears");
    const call = harness({ firstSpeaker: "user" }, { listen: () => streamed });
    call.session.start();
    call.session.pushAudio(quiet(0.5));
    call.session.pushAudio(tone(1));
    // The words reach the recognizer while they are spoken, before the speech ends.
    expect(streamed.written).toBeGreaterThan(CALL_SAMPLE_RATE * 0.5);
    expect(streamed.finishedAfter).toBe(-1);
    call.session.pushAudio(quiet(1));
    await call.flush();
    expect(streamed.finishedAfter).toBeGreaterThan(CALL_SAMPLE_RATE);
    expect(call.heard).toEqual([]); // no whole-utterance transcription
    expect(call.events).toContainEqual({ type: "transcript", text: "heard live" });
    expect(call.events.find((event) => event.type === "reply")).toMatchObject({ interrupted: false });

    const failing = liveStream("fails");
    const fallback = harness({ firstSpeaker: "user" }, { listen: () => failing });
    fallback.session.start();
    fallback.session.pushAudio(tone(1));
    fallback.session.pushAudio(quiet(1));
    await fallback.flush();
    expect(fallback.heard[0]).toBeGreaterThan(CALL_SAMPLE_RATE * 0.9);
    expect(fallback.events).toContainEqual({ type: "transcript", text: "what is the weather like" });

    // Hanging up mid-utterance drops the live stream.
    const dropped = liveStream("hears");
    const hungUp = harness({ firstSpeaker: "user" }, { listen: () => dropped });
    hungUp.session.start();
    hungUp.session.pushAudio(tone(1));
    await hungUp.session.hangup();
    expect(dropped.aborted).toBe(true);
  });

  it("stops talking when the user talks over it (barge-in)", async () => {
    const call = harness();
    call.session.start();
    await call.flush();
    expect(call.audio.length).toBe(1);
    // The opening plays for over a second; the user speaks at once.
    call.session.pushAudio(tone(0.5));
    expect(call.events.filter((event) => event.type === "interrupt").length).toBeGreaterThan(0);
  });

  it("ends a silent call with a goodbye after the silence timeout", async () => {
    const call = harness({ firstSpeaker: "user", silenceTimeoutMs: 3_000 });
    call.session.start();
    call.timers.advance(2_999);
    await call.flush();
    expect(call.isClosed()).toBe(false);
    call.timers.advance(1);
    const summary = await call.session.ended;
    expect(summary.reason).toBe("silence_timeout");
    expect(call.said).toEqual(["Goodbye for now."]);
    expect(call.events.at(-1)).toEqual({ type: "ended", reason: "silence_timeout" });
    expect(call.isClosed()).toBe(true);
  });

  it("counts the silence from when the persona stops talking", async () => {
    const call = harness({ silenceTimeoutMs: 1_000 });
    call.session.start();
    await call.flush();
    // The opening lasts ~1.4 s: one second after it started is not yet silence.
    call.timers.advance(1_000);
    await call.flush();
    expect(call.isClosed()).toBe(false);
    call.timers.advance(2_000);
    expect((await call.session.ended).reason).toBe("silence_timeout");
  });

  it("ends at the maximum duration, mid-conversation", async () => {
    const call = harness({ firstSpeaker: "user", maxDurationMs: 10_000, silenceTimeoutMs: 60_000 });
    call.session.start();
    call.session.pushAudio(tone(1));
    call.session.pushAudio(quiet(1));
    await call.flush();
    call.timers.advance(10_000);
    const summary = await call.session.ended;
    expect(summary.reason).toBe("max_duration");
    expect(call.said.at(-1)).toBe("Time is up. Goodbye.");
    expect(summary.turns).toHaveLength(1);
  });

  it("records both sides when asked: the caller left, the persona right", async () => {
    const call = harness({ firstSpeaker: "user" });
    call.session.start();
    call.session.pushAudio(tone(1));
    call.session.pushAudio(quiet(1));
    await call.flush();
    // The reply (~2.7 s) plays out while the caller's line goes on, quiet.
    call.session.pushAudio(quiet(4));
    call.timers.advance(4_000);
    const summary = await call.session.hangup();
    expect(summary.reason).toBe("hangup");
    const recording = summary.recording!;
    expect(recording.left.length).toBe(recording.right.length);
    expect(recording.left.subarray(0, CALL_SAMPLE_RATE).some((sample) => sample !== 0)).toBe(true);
    // The persona spoke after the caller's 2 s of audio.
    expect(recording.right.subarray(0, CALL_SAMPLE_RATE * 2).every((sample) => sample === 0)).toBe(true);
    expect(recording.right.some((sample) => sample !== 0)).toBe(true);
    expect(recording.left.length / CALL_SAMPLE_RATE).toBeCloseTo(6, 1);

    // Hung up mid-reply: what was sent but never played is not in the recording, and the client is
    // told to drop it.
    const cut = harness({ firstSpeaker: "user" });
    cut.session.start();
    cut.session.pushAudio(tone(1));
    cut.session.pushAudio(quiet(1));
    await cut.flush();
    const cutSummary = await cut.session.hangup();
    expect(cutSummary.recording!.right.every((sample) => sample === 0)).toBe(true);
    expect(cutSummary.recording!.right.length / CALL_SAMPLE_RATE).toBeCloseTo(2, 1);
    expect(cut.events.some((event) => event.type === "interrupt")).toBe(true);
    const unrecorded = harness({ firstSpeaker: "user", recording: false });
    unrecorded.session.start();
    expect((await unrecorded.session.hangup()).recording).toBeUndefined();
  });

  it("says once that it cannot hear when the server has no recognizer", async () => {
    const call = harness(
      { firstSpeaker: "user" },
      {
        transcribe: async () => {
          throw new CannotHearError("I can't hear you on this line.");
        },
      },
    );
    call.session.start();
    for (let utterance = 0; utterance < 2; utterance++) {
      call.session.pushAudio(tone(1));
      call.session.pushAudio(quiet(1));
      await call.flush();
    }
    expect(call.said).toEqual(["I can't hear you on this line."]);
    expect(call.events.some((event) => event.type === "reply")).toBe(false);
  });

  it("ignores an utterance the recognizer heard nothing in", async () => {
    const call = harness({ firstSpeaker: "user" }, { transcribe: async () => "  " });
    call.session.start();
    call.session.pushAudio(tone(1));
    call.session.pushAudio(quiet(1));
    await call.flush();
    expect(call.events.some((event) => event.type === "reply")).toBe(false);
    expect(call.events.at(-1)).toEqual({ type: "state", state: "listening" });
  });
});

describe("sentence chunker", () => {
  it("yields sentences as they complete and the rest at the end", () => {
    const chunker = new SentenceChunker();
    expect(chunker.push("Hello there, my friend. How ")).toEqual(["Hello there, my friend."]);
    expect(chunker.push("are you? I'm")).toEqual(["How are you?"]);
    expect(chunker.push(" fine")).toEqual([]);
    expect(chunker.flush()).toEqual(["I'm fine"]);
  });

  it("leaves roleplay actions, markdown and links out of what is spoken", () => {
    expect(cleanForSpeech("*smiles warmly* **Hi!** see https://example.com 😀 ok")).toBe("Hi! see ok");
  });
});
