import { MemoryCard } from "./memory-card.tsx";
import type { Schema } from "../lib/api.ts";
import { groupByDay } from "./memory-format.ts";

type Memory = Schema<"Memory">;

/** Memories grouped by day, newest first or in the order they happened. */
export function MemoryTimeline({
  personaId,
  memories,
  order,
  timelineWritable,
  highlightedId,
  onChanged,
  onDeleted,
  onShowMemory,
}: {
  personaId: string;
  memories: Memory[];
  order: "newest" | "chronological";
  timelineWritable: boolean;
  highlightedId: string | undefined;
  onChanged: (memory: Memory) => void;
  onDeleted: (id: string) => void;
  onShowMemory: (id: string) => void;
}) {
  const groups = groupByDay(memories, order);
  return (
    <ol className="memory-timeline" aria-label="Timeline">
      {groups.map((group) => (
        <li key={group.key} className="memory-day">
          <h3 className="memory-day-heading">
            <time dateTime={group.key}>{group.label}</time>
            <span className="muted">
              {" "}
              · {group.memories.length} {group.memories.length === 1 ? "memory" : "memories"}
            </span>
          </h3>
          <ul className="memory-day-list">
            {group.memories.map((memory) => (
              <li key={memory.id}>
                <MemoryCard
                  personaId={personaId}
                  memory={memory}
                  timelineWritable={timelineWritable}
                  highlighted={memory.id === highlightedId}
                  onChanged={onChanged}
                  onDeleted={onDeleted}
                  onShowMemory={onShowMemory}
                />
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
