import { describe, expect, it } from "vitest";
import { isWithinActiveHours, localDay, localTime, planDay, zonedTime } from "./schedule-planning.ts";

/*
 * Daylight saving time, checked exhaustively: every half hour of 2025 in zones with whole-hour,
 * half-hour and 45-minute offsets, southern and northern changes, and none at all. The oracle never calls
 * the code under test: it walks the real instants of the year in 15-minute steps (every offset in use is a
 * multiple of 15 minutes) and asks Intl.DateTimeFormat which wall time each one shows.
 */

const ZONES = [
  "America/New_York",
  "Europe/Berlin",
  "Europe/London",
  "Pacific/Auckland",
  "Australia/Sydney",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Pacific/Chatham",
];
const MINUTE = 60_000;
const STEP = 15 * MINUTE;
/** A few days either side of 2025, so the first and last local days of the year are whole in every zone. */
const WALK_FROM = Date.parse("2024-12-29T00:00:00Z");
const WALK_TO = Date.parse("2026-01-03T00:00:00Z");
const YEAR_FROM = Date.parse("2025-01-01T00:00:00Z");
const YEAR_TO = Date.parse("2026-01-01T00:00:00Z");

/** A local wall time as "YYYY-MM-DDTHH:MM". */
type Wall = string;

interface ZoneOracle {
  /** Every instant of the walk with the wall time it shows. */
  readings: { instant: number; wall: Wall }[];
  /** The instant each wall time first shows (a repeated time: its first occurrence). */
  firstInstant: Map<Wall, number>;
  /** Wall times the clock jumps over, each with the instant it moves forward to (by the size of the gap). */
  skipped: Map<Wall, number>;
}

/** A wall time read as if it were UTC: differences between such values are wall-clock differences. */
function wallAsUtc(wall: Wall): number {
  return Date.parse(`${wall}:00Z`);
}

function buildOracle(timeZone: string): ZoneOracle {
  const formatter = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  const readings: ZoneOracle["readings"] = [];
  const firstInstant = new Map<Wall, number>();
  const skipped = new Map<Wall, number>();
  for (let instant = WALK_FROM; instant < WALK_TO; instant += STEP) {
    const part: Record<string, string> = {};
    for (const { type, value } of formatter.formatToParts(instant)) part[type] = value;
    const wall = `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}`;
    const previous = readings.at(-1);
    if (previous && wallAsUtc(wall) - wallAsUtc(previous.wall) > STEP) {
      // A jump forward: the wall times in between never show; they keep the offset from before the jump.
      const offsetBefore = wallAsUtc(previous.wall) - previous.instant;
      for (let gap = wallAsUtc(previous.wall) + STEP; gap < wallAsUtc(wall); gap += STEP) {
        skipped.set(new Date(gap).toISOString().slice(0, 16), gap - offsetBefore);
      }
    }
    readings.push({ instant, wall });
    if (!firstInstant.has(wall)) firstInstant.set(wall, instant);
  }
  return { readings, firstInstant, skipped };
}

const oracles = new Map(ZONES.map((zone) => [zone, buildOracle(zone)]));

function oracleFor(zone: string): ZoneOracle {
  const oracle = oracles.get(zone);
  if (!oracle) throw new Error(`no oracle for ${zone}`);
  return oracle;
}

/** Every local day of 2025 with every half hour of it. */
function halfHoursOf2025(): { day: string; time: string }[] {
  const times = Array.from(
    { length: 48 },
    (_, index) => `${String(Math.floor(index / 2)).padStart(2, "0")}:${index % 2 === 0 ? "00" : "30"}`,
  );
  const result: { day: string; time: string }[] = [];
  for (let day = YEAR_FROM; day < YEAR_TO; day += 24 * 60 * MINUTE) {
    const date = new Date(day).toISOString().slice(0, 10);
    for (const time of times) result.push({ day: date, time });
  }
  return result;
}

/** The wall time (HH:MM) an instant of the walk shows: the reading of its quarter hour plus the minutes since. */
function wallTimeAt(oracle: ZoneOracle, instant: number): string {
  // Every change of offset falls on a quarter hour in UTC, so no change happens inside a step.
  const reading = oracle.readings[Math.floor((instant - WALK_FROM) / STEP)];
  if (!reading) throw new Error(`${new Date(instant).toISOString()} is outside the walk`);
  const minutes = Number(reading.wall.slice(14)) + Math.floor((instant - reading.instant) / MINUTE);
  return `${reading.wall.slice(11, 14)}${String(minutes).padStart(2, "0")}`;
}

/** The oracle's answer: is a wall time inside active hours written as start-end (end <= start: overnight)? */
function wallIsActive(wallTime: string, start: string, end: string): boolean {
  return start < end ? wallTime >= start && wallTime < end : wallTime >= start || wallTime < end;
}

const WINDOWS = [
  { start: "08:00", end: "22:00" },
  { start: "22:00", end: "06:00" },
  { start: "20:00", end: "02:00" },
];

/** At most this many mismatches are printed: enough to see the pattern, short enough to read. */
const SHOWN = 10;

describe.each(ZONES)("time zone %s through 2025", (zone) => {
  const oracle = oracleFor(zone);

  it("names the right instant for every half hour of every day; skipped times move forward, repeated ones take the first", () => {
    const wrong: string[] = [];
    for (const { day, time } of halfHoursOf2025()) {
      const wall = `${day}T${time}`;
      const expected = oracle.firstInstant.get(wall) ?? oracle.skipped.get(wall);
      if (expected === undefined) throw new Error(`the oracle never saw ${wall} in ${zone}`);
      const actual = zonedTime(day, time, zone).getTime();
      if (actual !== expected) {
        wrong.push(
          `${wall} -> ${new Date(actual).toISOString()}, expected ${new Date(expected).toISOString()}`,
        );
      }
    }
    expect(wrong.slice(0, SHOWN), `${wrong.length} wrong`).toEqual([]);
  });

  it("reads the local day and wall time of every quarter hour", () => {
    const wrong: string[] = [];
    for (const { instant, wall } of oracle.readings) {
      if (instant < YEAR_FROM || instant >= YEAR_TO) continue;
      const actual = `${localDay(new Date(instant), zone)}T${localTime(new Date(instant), zone)}`;
      if (actual !== wall) wrong.push(`${new Date(instant).toISOString()} -> ${actual}, expected ${wall}`);
    }
    expect(wrong.slice(0, SHOWN), `${wrong.length} wrong`).toEqual([]);
  });

  it.each(WINDOWS)("tells whether every half hour is inside active hours $start-$end", ({ start, end }) => {
    const hours = { start, end, time_zone: zone };
    const wrong: string[] = [];
    for (const { instant, wall } of oracle.readings) {
      if (instant < YEAR_FROM || instant >= YEAR_TO || !/:(00|30)$/.test(wall)) continue;
      const expected = wallIsActive(wall.slice(11), start, end);
      if (isWithinActiveHours(new Date(instant), hours) !== expected) {
        wrong.push(
          `${wall} (${new Date(instant).toISOString()}) should be ${expected ? "active" : "inactive"}`,
        );
      }
    }
    expect(wrong.slice(0, SHOWN), `${wrong.length} wrong`).toEqual([]);
  });

  it.each(WINDOWS)(
    "plans every slot of every day of 2025 inside active hours $start-$end",
    ({ start, end }) => {
      const settings = { initiative: 10, activeHours: { start, end, time_zone: zone }, disabled: false };
      const wrong: string[] = [];
      for (let day = YEAR_FROM; day < YEAR_TO; day += 24 * 60 * MINUTE) {
        const date = new Date(day).toISOString().slice(0, 10);
        for (const slot of planDay(settings, date, "dst")) {
          const wallTime = wallTimeAt(oracle, slot.dueAt.getTime());
          if (!wallIsActive(wallTime, start, end)) wrong.push(`${slot.slotKey} at ${wallTime}`);
        }
      }
      expect(wrong.slice(0, SHOWN), `${wrong.length} wrong`).toEqual([]);
    },
  );
});
