import { formatAnswer, formatNumber, formatPercent, likertLabel, type AnswerSpec } from "./study-format.ts";
import type { StatisticalTest, Stats, StudyStatistics } from "./study-queries.ts";

/**
 * Charts of a study's statistics, drawn as inline SVG (no chart library, nothing the strict CSP would
 * refuse): each bar is an SVG stretched to its column, so labels stay HTML text that wraps on a phone.
 */

interface Row {
  key: string;
  name: string;
  stats: Stats;
  /** Colour slot (CSS class study-series-N); the overall row is neutral. */
  series: number | null;
}

/** The cohorts, then all of them together when there is more than one. */
function rowsOf(statistics: StudyStatistics): Row[] {
  const rows: Row[] = statistics.cohorts.map((cohort, index) => ({
    key: cohort.cohort_id,
    name: cohort.cohort_name,
    stats: cohort,
    series: index % 8,
  }));
  if (statistics.cohorts.length > 1)
    rows.push({ key: "overall", name: "All cohorts", stats: statistics.overall, series: null });
  return rows;
}

function seriesClass(series: number | null): string {
  return series === null ? "study-series-all" : `study-series-${series}`;
}

/**
 * Every answer value the distributions hold. The API lists each distribution in the answer's own order
 * (likert points from min, options as declared), every category included, so the overall one leads.
 */
function valuesOf(statistics: StudyStatistics): unknown[] {
  const seen = new Map<string, unknown>();
  const groups = [statistics.overall, ...statistics.cohorts];
  for (const group of groups)
    for (const entry of group.distribution ?? []) {
      const key = JSON.stringify(entry.value);
      if (!seen.has(key)) seen.set(key, entry.value);
    }
  return [...seen.values()];
}

function entryFor(stats: Stats, value: unknown) {
  const key = JSON.stringify(value);
  return stats.distribution?.find((entry) => JSON.stringify(entry.value) === key);
}

function valueLabel(answer: AnswerSpec | undefined, value: unknown): string {
  // Likert categories arrive as text ("4"); their label is looked up by number.
  const label = answer?.type === "likert" ? likertLabel(answer, Number(value)) : undefined;
  return label ? `${formatAnswer(value)} · ${label}` : formatAnswer(value);
}

/**
 * A grouped bar chart of a categorical answer: one group per answer value, one bar per cohort, each as
 * long as the share of that cohort's answers (scaled to the largest share, starting at zero).
 */
export function StudyDistributionChart({
  statistics,
  answer,
}: {
  statistics: StudyStatistics;
  answer: AnswerSpec | undefined;
}) {
  const rows = rowsOf(statistics).filter((row) => row.stats.distribution);
  const values = valuesOf(statistics);
  if (rows.length === 0 || values.length === 0) return null;
  const largest = Math.max(
    0.0001,
    ...rows.flatMap((row) => (row.stats.distribution ?? []).map((entry) => entry.share)),
  );
  return (
    <figure className="study-chart" aria-labelledby="study-distribution-caption">
      <figcaption id="study-distribution-caption">
        <strong>Answers by cohort</strong>
        <span className="study-subtle">
          {answer?.type === "multiple_choice"
            ? " Share of each cohort's answers that chose the option."
            : " Share of each cohort's answers."}
        </span>
      </figcaption>
      <div className="study-groups">
        {values.map((value) => (
          <div key={JSON.stringify(value)} className="study-group">
            <div className="study-group-label">{valueLabel(answer, value)}</div>
            {rows.map((row) => {
              const entry = entryFor(row.stats, value);
              const share = entry?.share ?? 0;
              return (
                <div key={row.key} className="study-bar-line">
                  <span className="study-bar-name">{row.name}</span>
                  <svg
                    className="study-bar"
                    viewBox="0 0 100 10"
                    preserveAspectRatio="none"
                    aria-hidden="true"
                    focusable="false"
                  >
                    <rect className="study-bar-track" x="0" y="0" width="100" height="10" />
                    <rect
                      className={seriesClass(row.series)}
                      x="0"
                      y="0"
                      width={(share / largest) * 100}
                      height="10"
                    />
                  </svg>
                  <span className="study-bar-value">
                    {formatPercent(share)} <span className="study-subtle">({entry?.count ?? 0})</span>
                  </span>
                </div>
              );
            })}
          </div>
        ))}
      </div>
      <details className="study-chart-table">
        <summary>Show as a table</summary>
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Answer</th>
                {rows.map((row) => (
                  <th key={row.key} scope="col">
                    {row.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {values.map((value) => (
                <tr key={JSON.stringify(value)}>
                  <th scope="row">{valueLabel(answer, value)}</th>
                  {rows.map((row) => {
                    const entry = entryFor(row.stats, value);
                    return (
                      <td key={row.key}>{entry ? `${entry.count} (${formatPercent(entry.share)})` : "0"}</td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** The range the mean chart's axis spans: the answer's own bounds when it has them, else the data's. */
function axisOf(rows: Row[], answer: AnswerSpec | undefined): [number, number] {
  if (answer?.type === "likert") return [answer.scale.min, answer.scale.max];
  const points = rows
    .flatMap((row) => [row.stats.mean, ...(row.stats.ci95 ?? [])])
    .filter((value): value is number => value !== null && Number.isFinite(value));
  let low = Math.min(...points);
  let high = Math.max(...points);
  if (answer?.type === "number" && answer.minimum != null) low = Math.min(low, answer.minimum);
  if (answer?.type === "number" && answer.maximum != null) high = Math.max(high, answer.maximum);
  if (low === high) {
    low -= 1;
    high += 1;
  }
  return [low, high];
}

/** The mean score per cohort with its 95% confidence interval, on one shared axis. */
export function StudyMeanChart({
  statistics,
  answer,
}: {
  statistics: StudyStatistics;
  answer: AnswerSpec | undefined;
}) {
  const rows = rowsOf(statistics).filter((row) => row.stats.mean !== null);
  if (rows.length === 0) return null;
  const [low, high] = axisOf(rows, answer);
  const x = (value: number) => Math.min(100, Math.max(0, ((value - low) / (high - low)) * 100));
  const isScore = answer?.type !== "number";
  return (
    <figure className="study-chart" aria-labelledby="study-mean-caption">
      <figcaption id="study-mean-caption">
        <strong>{isScore ? "Mean score" : "Mean answer"} by cohort</strong>
        <span className="study-subtle"> with its 95% confidence interval.</span>
      </figcaption>
      <div className="study-means">
        {rows.map((row) => {
          const mean = row.stats.mean!;
          // The interval is [low, high]; the document types it only as an array of numbers.
          const [low, high] = row.stats.ci95 ?? [];
          const interval: [number, number] | undefined =
            low !== undefined && high !== undefined ? [low, high] : undefined;
          return (
            <div key={row.key} className="study-bar-line">
              <span className="study-bar-name">{row.name}</span>
              <svg
                className="study-bar study-mean-plot"
                viewBox="0 0 100 12"
                preserveAspectRatio="none"
                aria-hidden="true"
                focusable="false"
              >
                <rect className="study-bar-track" x="0" y="0" width="100" height="12" />
                {interval && (
                  <line
                    className={`study-interval ${seriesClass(row.series)}`}
                    x1={x(interval[0])}
                    x2={x(interval[1])}
                    y1="6"
                    y2="6"
                    vectorEffect="non-scaling-stroke"
                  />
                )}
                <line
                  className={`study-mean-mark ${seriesClass(row.series)}`}
                  x1={x(mean)}
                  x2={x(mean)}
                  y1="1"
                  y2="11"
                  vectorEffect="non-scaling-stroke"
                />
              </svg>
              <span className="study-bar-value">
                {formatNumber(mean)}
                {interval && (
                  <span className="study-subtle">
                    {" "}
                    ({formatNumber(interval[0])}–{formatNumber(interval[1])})
                  </span>
                )}
              </span>
            </div>
          );
        })}
        <div className="study-bar-line study-axis" aria-hidden="true">
          <span className="study-bar-name" />
          <span className="study-axis-ends">
            <span>{formatNumber(low)}</span>
            <span>{formatNumber(high)}</span>
          </span>
          <span className="study-bar-value" />
        </div>
      </div>
    </figure>
  );
}

function formatP(p: number): string {
  if (p < 0.001) return "p < 0.001";
  return `p = ${p.toFixed(3)}`;
}

/** The test of whether cohorts differ, in words. */
export function StudyTestSummary({ statistics }: { statistics: StudyStatistics }) {
  const test: StatisticalTest | null = statistics.test;
  if (!test) {
    const reason =
      statistics.cohorts.length < 2
        ? "there is only one cohort to compare"
        : statistics.answer_type === "text" || statistics.answer_type === "json"
          ? "free-form answers are not compared statistically"
          : "there are not enough answers yet";
    return <p className="study-test">No test of differences between cohorts: {reason}.</p>;
  }
  const significant = test.p_value < 0.05;
  const detail =
    // ANOVA has two degrees of freedom, the chi-square test one.
    test.name === "anova" && Array.isArray(test.df)
      ? `One-way ANOVA of the scores: F(${test.df[0]}, ${test.df[1]}) = ${formatNumber(test.statistic)}, ${formatP(test.p_value)}.`
      : `Chi-square test of the answer distributions: χ²(${String(test.df)}) = ${formatNumber(test.statistic)}, ${formatP(test.p_value)}.`;
  return (
    <div className={`notice ${significant ? "notice-success" : ""} study-test`}>
      <p>
        <strong>
          The differences between cohorts {significant ? "are" : "are not"} significant at the 5% level.
        </strong>
      </p>
      <p className="study-subtle">
        {detail}{" "}
        {significant
          ? "Differences this large would be unlikely if the cohorts answered alike."
          : "Differences this large could well arise by chance if the cohorts answered alike."}
      </p>
    </div>
  );
}

/** Runs, answers and summary numbers per cohort. */
export function StudyStatsTable({ statistics }: { statistics: StudyStatistics }) {
  const rows = rowsOf(statistics);
  return (
    <div className="table-scroll">
      <table className="study-table">
        <thead>
          <tr>
            <th scope="col">Cohort</th>
            <th scope="col">Runs</th>
            <th scope="col">Answered</th>
            <th scope="col">Invalid</th>
            <th scope="col">Failed</th>
            <th scope="col">Mean</th>
            <th scope="col">SD</th>
            <th scope="col">Median</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.name}</th>
              <td data-label="Runs">{row.stats.runs}</td>
              <td data-label="Answered">{row.stats.answered}</td>
              <td data-label="Invalid">{row.stats.invalid}</td>
              <td data-label="Failed">{row.stats.failed}</td>
              <td data-label="Mean">{formatNumber(row.stats.mean)}</td>
              <td data-label="SD">{formatNumber(row.stats.sd)}</td>
              <td data-label="Median">{formatNumber(row.stats.median)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
