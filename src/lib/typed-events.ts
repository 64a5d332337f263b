/** A listener of one event; the emitter waits for it. */
export type EventListener<Payload> = (payload: Payload) => Promise<void> | void;

/**
 * Typed events between parts that must not know each other: the emitter names what happened, the
 * composition root decides who hears it. `emit` waits for every listener in the order they subscribed
 * and passes on the first error, so work a listener starts (a queued job) is done before the emitter's
 * caller sees the result.
 *
 * @example
 * const events = new TypedEvents<{ "exchange-completed": { messageId: string } }>();
 * events.on("exchange-completed", async ({ messageId }) => queue.enqueue(messageId));
 * await events.emit("exchange-completed", { messageId: "msg_1" });
 */
export class TypedEvents<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, EventListener<never>[]>();

  on<Name extends keyof Events>(name: Name, listener: EventListener<Events[Name]>): void {
    const listeners = this.listeners.get(name) ?? [];
    listeners.push(listener as EventListener<never>);
    this.listeners.set(name, listeners);
  }

  async emit<Name extends keyof Events>(name: Name, payload: Events[Name]): Promise<void> {
    for (const listener of this.listeners.get(name) ?? []) {
      await (listener as EventListener<Events[Name]>)(payload);
    }
  }
}
