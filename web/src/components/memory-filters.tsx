import { useId } from "react";
import { MEMORY_TYPES, type MemoryType } from "./memory-format.ts";

export interface MemoryFilterValues {
  owner: "all" | "timeline" | "relationship";
  type: MemoryType | "";
  minStrength: number;
  order: "newest" | "chronological";
}

export const DEFAULT_FILTERS: MemoryFilterValues = {
  owner: "all",
  type: "",
  minStrength: 0,
  order: "newest",
};

export function isFiltered(filters: MemoryFilterValues): boolean {
  return filters.owner !== "all" || filters.type !== "" || filters.minStrength > 0;
}

/** Which memories the timeline shows, and in which order. */
export function MemoryFilters({
  filters,
  onChange,
}: {
  filters: MemoryFilterValues;
  onChange: (filters: MemoryFilterValues) => void;
}) {
  const id = useId();
  const set = <K extends keyof MemoryFilterValues>(key: K, value: MemoryFilterValues[K]) =>
    onChange({ ...filters, [key]: value });
  return (
    <fieldset className="memory-filters">
      <legend>Show</legend>
      <div className="field">
        <label htmlFor={`${id}-owner`}>Whose</label>
        <select
          id={`${id}-owner`}
          value={filters.owner}
          onChange={(event) => set("owner", event.target.value as MemoryFilterValues["owner"])}
        >
          <option value="all">All</option>
          <option value="timeline">Timeline</option>
          <option value="relationship">About you</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-type`}>Type</label>
        <select
          id={`${id}-type`}
          value={filters.type}
          onChange={(event) => set("type", event.target.value as MemoryType | "")}
        >
          <option value="">All types</option>
          {MEMORY_TYPES.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-strength`}>
          Minimum strength: <output htmlFor={`${id}-strength`}>{filters.minStrength}</output>
        </label>
        <input
          id={`${id}-strength`}
          type="range"
          min={0}
          max={100}
          step={5}
          value={filters.minStrength}
          onChange={(event) => set("minStrength", Number(event.target.value))}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-order`}>Order</label>
        <select
          id={`${id}-order`}
          value={filters.order}
          onChange={(event) => set("order", event.target.value as MemoryFilterValues["order"])}
        >
          <option value="newest">Newest first</option>
          <option value="chronological">Chronological (oldest first)</option>
        </select>
      </div>
      {isFiltered(filters) && (
        <button
          type="button"
          className="button-link memory-filters-reset"
          onClick={() => onChange({ ...DEFAULT_FILTERS, order: filters.order })}
        >
          Reset filters
        </button>
      )}
    </fieldset>
  );
}
