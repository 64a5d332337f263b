import { describe, expect, it } from "vitest";
import {
  activeWindow,
  isStillPlanned,
  isWithinActiveHours,
  localDay,
  localTime,
  planSlots,
  zonedTime,
  type ScheduleSettings,
} from "./schedule-planning.ts";

const WEEK = 7 * 24 * 3_600_000;

function settings(overrides: Partial<ScheduleSettings> = {}): ScheduleSettings {
  return {
    initiative: 7,
    activeHours: { start: "08:00", end: "22:00", time_zone: "Asia/Tokyo" },
    disabled: false,
    ...overrides,
  };
}

describe("schedule planning", () => {
  it("plans a week of initiative 7 in Tokyo inside 08:00-22:00 local: a good morning, a good night and one check-in a day", () => {
    const from = new Date("2026-11-23T00:00:00Z");
    const slots = planSlots(settings(), { seed: "psn_1/usr_1", from, to: new Date(from.getTime() + WEEK) });
    for (const slot of slots) {
      const time = localTime(slot.dueAt, "Asia/Tokyo");
      expect(time >= "08:00" && time < "22:00", `${slot.slotKey} at ${time}`).toBe(true);
      expect(isWithinActiveHours(slot.dueAt, settings().activeHours)).toBe(true);
    }
    const byDay = new Map<string, string[]>();
    for (const slot of slots) {
      const day = localDay(slot.dueAt, "Asia/Tokyo");
      byDay.set(day, [...(byDay.get(day) ?? []), slot.kind]);
    }
    // Whole local days inside the week (the first and last are cut by the UTC boundaries).
    const whole = [...byDay.entries()].slice(1, -1);
    expect(whole.length).toBeGreaterThanOrEqual(5);
    for (const [, kinds] of whole) expect(kinds).toEqual(["good_morning", "check_in", "good_night"]);
    const mornings = slots.filter((slot) => slot.kind === "good_morning");
    for (const slot of mornings) expect(localTime(slot.dueAt, "Asia/Tokyo") < "08:30").toBe(true);
    const nights = slots.filter((slot) => slot.kind === "good_night");
    for (const slot of nights) expect(localTime(slot.dueAt, "Asia/Tokyo") >= "21:30").toBe(true);
    expect(new Set(slots.map((slot) => slot.slotKey)).size).toBe(slots.length);
  });

  it("is deterministic for a seed, and another pair gets other times", () => {
    const from = new Date("2026-11-23T00:00:00Z");
    const window = { from, to: new Date(from.getTime() + WEEK) };
    const once = planSlots(settings(), { seed: "a", ...window });
    expect(planSlots(settings(), { seed: "a", ...window })).toEqual(once);
    const other = planSlots(settings(), { seed: "b", ...window });
    expect(other.map((slot) => slot.dueAt.getTime())).not.toEqual(once.map((slot) => slot.dueAt.getTime()));
    // A window that overlaps keeps the same slot at the same time.
    const later = planSlots(settings(), {
      seed: "a",
      from: new Date(from.getTime() + WEEK / 2),
      to: window.to,
    });
    for (const slot of later) expect(once).toContainEqual(slot);
  });

  it("scales with initiative and plans nothing when disabled or at initiative 1-2", () => {
    const from = new Date("2026-11-23T00:00:00Z");
    const count = (initiative: number, disabled = false) =>
      planSlots(settings({ initiative, disabled }), {
        seed: "s",
        from,
        to: new Date(from.getTime() + 4 * WEEK),
      }).length;
    expect(count(1)).toBe(0);
    expect(count(2)).toBe(0);
    expect(count(10, true)).toBe(0);
    const counts = [3, 4, 5, 6, 8, 9, 10].map((initiative) => count(initiative));
    for (let index = 1; index < counts.length; index++) {
      expect(counts[index]).toBeGreaterThan(counts[index - 1] ?? 0);
    }
    // 10: two greetings and four check-ins a day, 28 days.
    expect(count(10)).toBeGreaterThanOrEqual(6 * 27);
  });

  it("follows daylight saving time: 08:00 in New York is 13:00 UTC in winter and 12:00 in summer", () => {
    expect(zonedTime("2026-01-15", "08:00", "America/New_York").toISOString()).toBe(
      "2026-01-15T13:00:00.000Z",
    );
    expect(zonedTime("2026-07-15", "08:00", "America/New_York").toISOString()).toBe(
      "2026-07-15T12:00:00.000Z",
    );
    // 02:30 does not exist on 2026-03-08 (clocks jump from 02:00 to 03:00): it lands at the jump.
    const skipped = zonedTime("2026-03-08", "02:30", "America/New_York");
    expect(localTime(skipped, "America/New_York")).toMatch(/^0[13]:30$/);
    const from = new Date("2026-03-05T00:00:00Z");
    const slots = planSlots(
      settings({ activeHours: { start: "08:00", end: "22:00", time_zone: "America/New_York" } }),
      { seed: "dst", from, to: new Date(from.getTime() + WEEK) },
    );
    for (const slot of slots) {
      const time = localTime(slot.dueAt, "America/New_York");
      expect(time >= "08:00" && time < "22:00", `${slot.slotKey} at ${time}`).toBe(true);
    }
  });

  it("handles active hours that run past midnight", () => {
    const hours = { start: "20:00", end: "02:00", time_zone: "Europe/Lisbon" };
    const { start, end } = activeWindow("2026-11-23", hours);
    expect(end.getTime() - start.getTime()).toBe(6 * 3_600_000);
    expect(isWithinActiveHours(new Date("2026-11-24T01:00:00Z"), hours)).toBe(true);
    expect(isWithinActiveHours(new Date("2026-11-24T03:00:00Z"), hours)).toBe(false);
  });

  it("tells whether a stored slot is still planned after the settings change", () => {
    const from = new Date("2026-11-23T00:00:00Z");
    const [slot] = planSlots(settings({ initiative: 10 }), {
      seed: "x",
      from,
      to: new Date(from.getTime() + WEEK),
    }).filter((candidate) => candidate.kind === "check_in");
    expect(isStillPlanned(settings({ initiative: 10 }), slot!.slotKey, "x")).toBe(true);
    expect(isStillPlanned(settings({ initiative: 4 }), slot!.slotKey, "x")).toBe(false);
    expect(isStillPlanned(settings({ initiative: 10, disabled: true }), slot!.slotKey, "x")).toBe(false);
  });
});
