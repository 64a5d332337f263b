import { createRandom, hashSeed } from "../memory/seeded-random.ts";
import {
  activeWindow,
  addDays,
  isWithinActiveHours,
  localDay,
  type ScheduleSettings,
} from "./schedule-planning.ts";

/*
 * When a persona answers a text: like a person, not at once. The delay shrinks as initiative grows (a
 * reserved persona takes its time, a dedicated one answers within seconds), "responds immediately" drops
 * it, and outside active hours the answer waits for the next start of them unless the persona "responds
 * outside active hours". Pure and seeded, so a retried job computes the same time.
 */

export interface PacingSettings {
  /** 1 (reserved) to 10 (dedicated) */
  initiative: number;
  activeHours: ScheduleSettings["activeHours"];
  /** modifiers.responds_immediately: no initiative delay (active hours still apply unless the next is on) */
  respondsImmediately: boolean;
  /** modifiers.responds_outside_active_hours: answers around the clock */
  respondsOutsideActiveHours: boolean;
}

export interface ReplyPacing {
  /** when the answer goes out */
  replyAt: Date;
  /** replyAt minus now, on the same clock */
  delayMs: number;
  /** immediate: no wait; initiative: a typing delay; active_hours: held until the persona's day starts */
  reason: "immediate" | "initiative" | "active_hours";
}

const SECOND = 1_000;
/** Seconds of delay per step of initiative below 11: 6 s at 10, 60 s at 1 (before jitter). */
const DELAY_STEP_MS = 6 * SECOND;

/** The shortest and longest initiative delay: half to one and a half times the typical one. */
export function initiativeDelayRange(initiative: number): { minimumMs: number; maximumMs: number } {
  const level = Math.min(Math.max(Math.round(initiative), 1), 10);
  const typical = (11 - level) * DELAY_STEP_MS;
  return { minimumMs: typical / 2, maximumMs: (typical * 3) / 2 };
}

function initiativeDelay(initiative: number, seed: string): number {
  const { minimumMs, maximumMs } = initiativeDelayRange(initiative);
  return Math.round(minimumMs + createRandom(hashSeed(seed)).next() * (maximumMs - minimumMs));
}

/** The next instant the persona's active hours begin, at or after `instant`. */
export function nextActiveStart(instant: Date, hours: ScheduleSettings["activeHours"]): Date {
  const day = localDay(instant, hours.time_zone);
  for (let offset = 0; offset <= 2; offset++) {
    const { start } = activeWindow(addDays(day, offset), hours);
    if (start >= instant) return start;
  }
  // Unreachable for real time zones (a window starts every local day); answer now rather than never.
  return instant;
}

/**
 * When to answer a message that arrived `now`. `seed` (e.g. the inbound message's id) fixes the jitter.
 *
 * @example paceReply(pacingSettings(definition), { now: clock.now(), seed: receipt.message_sid })
 */
export function paceReply(settings: PacingSettings, options: { now: Date; seed: string }): ReplyPacing {
  const { now } = options;
  const delay = settings.respondsImmediately ? 0 : initiativeDelay(settings.initiative, options.seed);
  if (!settings.respondsOutsideActiveHours && !isWithinActiveHours(now, settings.activeHours)) {
    const replyAt = new Date(nextActiveStart(now, settings.activeHours).getTime() + delay);
    return { replyAt, delayMs: replyAt.getTime() - now.getTime(), reason: "active_hours" };
  }
  if (delay === 0) return { replyAt: now, delayMs: 0, reason: "immediate" };
  return { replyAt: new Date(now.getTime() + delay), delayMs: delay, reason: "initiative" };
}

/** The pacing settings of a persona definition. */
export function pacingSettings(definition: {
  initiative: number;
  active_hours: ScheduleSettings["activeHours"];
  modifiers: { responds_immediately: boolean; responds_outside_active_hours: boolean };
}): PacingSettings {
  return {
    initiative: definition.initiative,
    activeHours: definition.active_hours,
    respondsImmediately: definition.modifiers.responds_immediately,
    respondsOutsideActiveHours: definition.modifiers.responds_outside_active_hours,
  };
}
