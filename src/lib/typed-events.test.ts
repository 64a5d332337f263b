import { describe, expect, it } from "vitest";
import { TypedEvents } from "./typed-events.ts";

describe("TypedEvents", () => {
  it("waits for every listener of the event, in the order they subscribed", async () => {
    const events = new TypedEvents<{ saved: { id: string }; deleted: { id: string } }>();
    const heard: string[] = [];
    events.on("saved", async ({ id }) => {
      await Promise.resolve();
      heard.push(`first ${id}`);
    });
    events.on("saved", ({ id }) => {
      heard.push(`second ${id}`);
    });
    events.on("deleted", ({ id }) => {
      heard.push(`deleted ${id}`);
    });
    await events.emit("saved", { id: "a" });
    expect(heard).toEqual(["first a", "second a"]);
  });

  it("passes a listener's error to the emitter and stops there", async () => {
    const events = new TypedEvents<{ saved: string }>();
    const heard: string[] = [];
    events.on("saved", () => {
      throw new Error("queue is down");
    });
    events.on("saved", (value) => {
      heard.push(value);
    });
    await expect(events.emit("saved", "a")).rejects.toThrow("queue is down");
    expect(heard).toEqual([]);
  });

  it("emits to nobody without listeners", async () => {
    await expect(new TypedEvents<{ saved: string }>().emit("saved", "a")).resolves.toBeUndefined();
  });
});
