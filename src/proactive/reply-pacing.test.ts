import { describe, expect, it } from "vitest";
import { initiativeDelayRange, nextActiveStart, paceReply, type PacingSettings } from "./reply-pacing.ts";

function settings(overrides: Partial<PacingSettings> = {}): PacingSettings {
  return {
    initiative: 5,
    activeHours: { start: "08:00", end: "22:00", time_zone: "America/New_York" },
    respondsImmediately: false,
    respondsOutsideActiveHours: false,
    ...overrides,
  };
}

// 15:00 in New York (EST, UTC-5): inside 08:00-22:00.
const AFTERNOON = new Date("2026-12-02T20:00:00Z");
// 23:30 in New York: after hours; the next start is 08:00 on 2026-12-03, 13:00 UTC.
const LATE = new Date("2026-12-03T04:30:00Z");

describe("reply pacing", () => {
  it("delays a reply in proportion to how reserved the persona is: shorter as initiative rises", () => {
    const typical = (initiative: number) => {
      const { minimumMs, maximumMs } = initiativeDelayRange(initiative);
      return (minimumMs + maximumMs) / 2;
    };
    expect(typical(10)).toBe(6_000);
    expect(typical(5)).toBe(36_000);
    expect(typical(1)).toBe(60_000);
    for (let initiative = 1; initiative < 10; initiative++) {
      expect(typical(initiative)).toBeGreaterThan(typical(initiative + 1));
    }
    for (const initiative of [1, 5, 10]) {
      const { minimumMs, maximumMs } = initiativeDelayRange(initiative);
      for (let index = 0; index < 50; index++) {
        const pacing = paceReply(settings({ initiative }), { now: AFTERNOON, seed: `SM${index}` });
        expect(pacing.reason).toBe("initiative");
        expect(pacing.delayMs).toBeGreaterThanOrEqual(minimumMs);
        expect(pacing.delayMs).toBeLessThanOrEqual(maximumMs);
        expect(pacing.replyAt.getTime() - AFTERNOON.getTime()).toBe(pacing.delayMs);
      }
    }
  });

  it("gives the same time for the same seed, so a retried job waits for the same moment", () => {
    const first = paceReply(settings(), { now: AFTERNOON, seed: "SM123" });
    expect(paceReply(settings(), { now: AFTERNOON, seed: "SM123" })).toEqual(first);
    const others = new Set(
      Array.from({ length: 20 }, (_, index) => paceReply(settings(), { now: AFTERNOON, seed: `SM${index}` })),
    );
    expect(new Set([...others].map((pacing) => pacing.delayMs)).size).toBeGreaterThan(10);
  });

  it("answers at once when the persona responds immediately", () => {
    expect(paceReply(settings({ respondsImmediately: true }), { now: AFTERNOON, seed: "x" })).toEqual({
      replyAt: AFTERNOON,
      delayMs: 0,
      reason: "immediate",
    });
  });

  it("holds a reply outside active hours until they start again, in the persona's time zone", () => {
    const held = paceReply(settings({ respondsImmediately: true }), { now: LATE, seed: "x" });
    expect(held).toEqual({
      replyAt: new Date("2026-12-03T13:00:00Z"),
      delayMs: 8.5 * 3_600_000,
      reason: "active_hours",
    });
    const delayed = paceReply(settings({ initiative: 10 }), { now: LATE, seed: "x" });
    expect(delayed.reason).toBe("active_hours");
    expect(delayed.replyAt.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-12-03T13:00:03Z"));
    expect(delayed.replyAt.getTime()).toBeLessThanOrEqual(Date.parse("2026-12-03T13:00:09Z"));
    // Before dawn the same day: held until that morning's start, not the next day's.
    expect(nextActiveStart(new Date("2026-12-03T10:00:00Z"), settings().activeHours)).toEqual(
      new Date("2026-12-03T13:00:00Z"),
    );
  });

  it("answers around the clock when the persona responds outside active hours", () => {
    const pacing = paceReply(settings({ respondsOutsideActiveHours: true }), { now: LATE, seed: "x" });
    expect(pacing.reason).toBe("initiative");
    expect(pacing.delayMs).toBeLessThanOrEqual(initiativeDelayRange(5).maximumMs);
    expect(
      paceReply(settings({ respondsOutsideActiveHours: true, respondsImmediately: true }), {
        now: LATE,
        seed: "x",
      }).reason,
    ).toBe("immediate");
  });

  it("treats hours that run past midnight as one window, and follows daylight saving time", () => {
    const night = settings({ activeHours: { start: "20:00", end: "02:00", time_zone: "Europe/Berlin" } });
    // 01:00 in Berlin (CET, UTC+1) is inside the window that began at 20:00 the day before.
    expect(paceReply(night, { now: new Date("2026-12-03T00:00:00Z"), seed: "x" }).reason).toBe("initiative");
    // 03:00 in Berlin waits for 20:00 that evening.
    const held = paceReply(
      { ...night, respondsImmediately: true },
      {
        now: new Date("2026-12-03T02:00:00Z"),
        seed: "x",
      },
    );
    expect(held.replyAt).toEqual(new Date("2026-12-03T19:00:00Z"));
    // The night before the spring change in New York (2027-03-14): 08:00 is then UTC-4.
    expect(nextActiveStart(new Date("2027-03-14T05:00:00Z"), settings().activeHours)).toEqual(
      new Date("2027-03-14T12:00:00Z"),
    );
  });
});
