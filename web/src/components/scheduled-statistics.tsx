import type { ScheduledStatistics } from "./scheduled-format.ts";

const TILES: { key: keyof ScheduledStatistics; label: string }[] = [
  { key: "total", label: "Total" },
  { key: "pending", label: "Pending" },
  { key: "sent", label: "Sent" },
  { key: "failed", label: "Failed" },
  { key: "skipped", label: "Skipped" },
  { key: "cancelled", label: "Cancelled" },
  { key: "check_ins", label: "Check-ins" },
  { key: "good_mornings", label: "Good mornings" },
  { key: "good_nights", label: "Good nights" },
];

/** The counts of GET /v1/scheduled-messages/statistics as a row of tiles. */
export function ScheduledStatisticsTiles({
  statistics,
  caption,
}: {
  statistics: ScheduledStatistics;
  caption: string;
}) {
  return (
    <section className="scheduled-statistics" aria-label={caption}>
      <dl className="scheduled-tiles">
        {TILES.map((tile) => (
          <div key={tile.key} className={`scheduled-tile scheduled-tile-${tile.key.replace("_", "-")}`}>
            <dt>{tile.label}</dt>
            <dd>{statistics[tile.key]}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
