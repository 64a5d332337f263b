import { describe, expect, it } from "vitest";
import { AcceleratedClock, realMilliseconds, systemClock } from "./clock.ts";

describe("clocks", () => {
  it("runs a simulated clock from its start at its rate, and converts its waits to real time", () => {
    let real = 1_000_000;
    const clock = new AcceleratedClock({
      start: new Date("2026-12-03T06:55:00Z"),
      rate: 600,
      realNow: () => real,
    });
    expect(clock.now()).toEqual(new Date("2026-12-03T06:55:00Z"));
    real += 1_000; // one real second is ten simulated minutes
    expect(clock.now()).toEqual(new Date("2026-12-03T07:05:00Z"));
    expect(realMilliseconds(clock, 60_000)).toBe(100);
    expect(realMilliseconds(systemClock, 60_000)).toBe(60_000);
    expect(realMilliseconds(clock, -5)).toBe(0);
    expect(() => new AcceleratedClock({ start: new Date(), rate: 0 })).toThrow(/positive/);
    // Two processes started apart but given one anchor read the same time.
    const anchor = new Date(real);
    const first = new AcceleratedClock({
      start: new Date("2026-12-03T00:00:00Z"),
      rate: 60,
      anchor,
      realNow: () => real,
    });
    real += 2_500;
    const second = new AcceleratedClock({
      start: new Date("2026-12-03T00:00:00Z"),
      rate: 60,
      anchor,
      realNow: () => real,
    });
    expect(second.now()).toEqual(first.now());
    expect(first.now()).toEqual(new Date("2026-12-03T00:02:30Z"));
  });
});
