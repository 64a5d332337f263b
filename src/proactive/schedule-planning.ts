import { DateTime } from "luxon";
import { createRandom, hashSeed } from "../memory/seeded-random.ts";

/*
 * When a persona reaches out on its own: good morning, good night and check-ins, planned per (persona,
 * user) from the persona's initiative and active hours. Pure and deterministic: the same settings, seed
 * and day give the same slots, so planning again (in any process) never moves or duplicates one.
 */

export type SlotKind = "good_morning" | "good_night" | "check_in";

export interface ScheduleSettings {
  /** 1 (only replies) to 10 (checks in as often as sensible) */
  initiative: number;
  activeHours: { start: string; end: string; time_zone: string };
  /** modifiers.disable_scheduled_messages */
  disabled: boolean;
}

export interface PlannedSlot {
  kind: SlotKind;
  /** unique per persona and user: the local day, the kind and, for check-ins, their number that day */
  slotKey: string;
  dueAt: Date;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Check-ins keep this far from either end of the active hours, where the greetings go. */
const CHECK_IN_MARGIN = HOUR;
/** Greetings fall within this much of the start (good morning) or the end (good night). */
const GREETING_WINDOW = 30 * MINUTE;
/** A good night is due at least this long before the end, so a late scheduler tick still sends it in hours. */
const GOOD_NIGHT_MARGIN = 15 * MINUTE;

/** Check-ins per day by initiative; 0.5 means every other day. */
export function checkInsPerDay(initiative: number): number {
  return [0, 0, 0, 0, 0, 0.5, 1, 1, 2, 3, 4][Math.min(Math.max(Math.round(initiative), 0), 10)] ?? 0;
}

/** Which daily greetings an initiative sends. */
function greetingsFor(initiative: number): SlotKind[] {
  if (initiative >= 4) return ["good_morning", "good_night"];
  if (initiative >= 3) return ["good_morning"];
  return [];
}

/** An instant as the wall clock of a time zone shows it. */
function wallClock(instant: Date, timeZone: string): DateTime {
  return DateTime.fromJSDate(instant, { zone: timeZone });
}

/** The local calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(instant: Date, timeZone: string): string {
  return wallClock(instant, timeZone).toFormat("yyyy-MM-dd");
}

/** The local wall time (HH:MM, 24-hour) of an instant in a time zone: what active hours are written in. */
export function localTime(instant: Date, timeZone: string): string {
  return wallClock(instant, timeZone).toFormat("HH:mm");
}

/** Instants already resolved, keyed by zone, day and time: every tick asks for the same few windows. */
const resolvedWallTimes = new Map<string, number>();
/** Enough for every zone and day a scheduler pass touches; cleared whole when full, so it stays small. */
const RESOLVED_WALL_TIMES_LIMIT = 10_000;

/**
 * The instant a local wall time names in a time zone. A time skipped by a DST change moves forward by the
 * gap (Luxon's rule); a repeated one takes its first occurrence (Luxon would pick by today's offset).
 */
export function zonedTime(day: string, time: string, timeZone: string): Date {
  const key = `${timeZone} ${day}T${time}`;
  const known = resolvedWallTimes.get(key);
  if (known !== undefined) return new Date(known);
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  const [hour, minute] = time.split(":").map(Number) as [number, number];
  const local = DateTime.fromObject({ year, month, day: date, hour, minute }, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`${day} ${time} in ${timeZone}: ${local.invalidExplanation}`);
  const first = Math.min(...local.getPossibleOffsets().map((candidate) => candidate.toMillis()));
  if (resolvedWallTimes.size >= RESOLVED_WALL_TIMES_LIMIT) resolvedWallTimes.clear();
  resolvedWallTimes.set(key, first);
  return new Date(first);
}

/** The calendar day `days` after a YYYY-MM-DD day. */
export function addDays(day: string, days: number): string {
  return DateTime.fromISO(day, { zone: "UTC" }).plus({ days }).toFormat("yyyy-MM-dd");
}

/** The active-hours window that starts on a local day; an end before the start runs past midnight. */
export function activeWindow(
  day: string,
  hours: ScheduleSettings["activeHours"],
): { start: Date; end: Date } {
  const start = zonedTime(day, hours.start, hours.time_zone);
  const overnight = hours.end <= hours.start;
  const end = zonedTime(overnight ? addDays(day, 1) : day, hours.end, hours.time_zone);
  return { start, end };
}

/** Whether an instant falls inside the persona's active hours (the window of that day or the one before). */
export function isWithinActiveHours(instant: Date, hours: ScheduleSettings["activeHours"]): boolean {
  const day = localDay(instant, hours.time_zone);
  const start = zonedTime(day, hours.start, hours.time_zone);
  const end = zonedTime(day, hours.end, hours.time_zone);
  // Past midnight, the end on this day closes the window that opened the day before.
  if (hours.end <= hours.start) return instant >= start || instant < end;
  return instant >= start && instant < end;
}

/** The slots of one local day, whatever their time. */
export function planDay(settings: ScheduleSettings, day: string, seed: string): PlannedSlot[] {
  if (settings.disabled) return [];
  const { start, end } = activeWindow(day, settings.activeHours);
  const length = end.getTime() - start.getTime();
  if (length <= 0) return [];
  const random = (label: string) => createRandom(hashSeed(`${seed}/${day}/${label}`));
  const slots: PlannedSlot[] = [];
  const greetingWindow = Math.min(GREETING_WINDOW, length / 4);
  const margin = Math.min(GOOD_NIGHT_MARGIN, greetingWindow / 2);
  for (const kind of greetingsFor(settings.initiative)) {
    const draw = random(kind).next();
    const dueAt =
      kind === "good_morning"
        ? new Date(start.getTime() + Math.floor(draw * greetingWindow))
        : new Date(end.getTime() - greetingWindow + Math.floor(draw * (greetingWindow - margin)));
    slots.push({ kind, slotKey: `${day}/${kind}`, dueAt });
  }
  const perDay = checkInsPerDay(settings.initiative);
  // Every other day for a fractional rate: the parity of the day number decides.
  const dayNumber = Math.round(Date.parse(`${day}T00:00:00Z`) / (24 * HOUR));
  const count = perDay >= 1 ? Math.floor(perDay) : perDay > 0 && dayNumber % 2 === 0 ? 1 : 0;
  const span = length - 2 * CHECK_IN_MARGIN;
  if (count > 0 && span > 0) {
    const times = Array.from({ length: count }, (_, index) => {
      // One check-in per equal part of the day, at a random point in it, so they never bunch up.
      const part = span / count;
      return start.getTime() + CHECK_IN_MARGIN + index * part + random(`check_in/${index}`).next() * part;
    });
    times.forEach((time, index) =>
      slots.push({ kind: "check_in", slotKey: `${day}/check_in/${index + 1}`, dueAt: new Date(time) }),
    );
  }
  return slots.sort((left, right) => left.dueAt.getTime() - right.dueAt.getTime());
}

/**
 * Every slot due in [from, to), soonest first.
 *
 * @example planSlots(settings, { seed: `${personaId}/${userId}`, from: now, to: inOneDay })
 */
export function planSlots(
  settings: ScheduleSettings,
  options: { seed: string; from: Date; to: Date },
): PlannedSlot[] {
  if (settings.disabled) return [];
  const first = addDays(localDay(options.from, settings.activeHours.time_zone), -1);
  const last = localDay(options.to, settings.activeHours.time_zone);
  const slots: PlannedSlot[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) {
    for (const slot of planDay(settings, day, options.seed)) {
      if (slot.dueAt >= options.from && slot.dueAt < options.to) slots.push(slot);
    }
  }
  return slots;
}

/** Whether a stored slot is still part of the plan (settings may have changed since it was planned). */
export function isStillPlanned(settings: ScheduleSettings, slotKey: string, seed: string): boolean {
  const day = slotKey.slice(0, 10);
  return planDay(settings, day, seed).some((slot) => slot.slotKey === slotKey);
}
