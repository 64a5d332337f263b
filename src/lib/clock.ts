/** The source of "now"; injected so tests control time. */
export interface Clock {
  now(): Date;
  /**
   * How many of this clock's milliseconds pass per real millisecond: 1 (or absent) for real time, more for
   * a simulated clock that runs fast (DRAMATIS_CLOCK_SPEED). Timers that wait in real time divide by it.
   */
  readonly rate?: number;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * The real time that passes while `clockMilliseconds` pass on the clock: what a timer or a delayed job
 * waits so that it fires at the clock's time.
 *
 * @example await queue.enqueue({ ..., delayMs: realMilliseconds(clock, replyAt - clock.now()) })
 */
export function realMilliseconds(clock: Clock, clockMilliseconds: number): number {
  return Math.max(0, Math.round(clockMilliseconds / (clock.rate ?? 1)));
}

/**
 * A simulated clock that starts at a chosen instant and runs `rate` times faster than real time, so that
 * a day of proactive messages can be watched in minutes (DRAMATIS_CLOCK_START, DRAMATIS_CLOCK_SPEED).
 *
 * @example const clock = new AcceleratedClock({ start: new Date("2026-12-03T06:55:00Z"), rate: 600 })
 */
export class AcceleratedClock implements Clock {
  readonly rate: number;
  readonly #start: number;
  readonly #realStart: number;
  readonly #realNow: () => number;

  constructor(options: {
    start: Date;
    rate: number;
    /**
     * The real instant at which the clock reads `start`; default: now. Processes given the same anchor
     * share one simulated time (DRAMATIS_CLOCK_ANCHOR).
     */
    anchor?: Date | undefined;
    realNow?: () => number;
  }) {
    if (!(options.rate > 0)) throw new RangeError(`a clock's rate must be positive, got ${options.rate}`);
    this.rate = options.rate;
    this.#start = options.start.getTime();
    this.#realNow = options.realNow ?? Date.now;
    this.#realStart = options.anchor?.getTime() ?? this.#realNow();
  }

  now(): Date {
    return new Date(this.#start + (this.#realNow() - this.#realStart) * this.rate);
  }
}
