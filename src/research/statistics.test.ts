import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chiSquareIndependence,
  chiSquareSurvival,
  describeNumbers,
  distribution,
  fSurvival,
  logGamma,
  normalQuantile,
  oneWayAnova,
  regularizedBeta,
  studentTQuantile,
  studentTSurvival,
} from "./statistics.ts";

/** |actual − expected| within a relative tolerance (absolute near zero). */
function expectClose(actual: number, expected: number, relative = 1e-9) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

// Reference values below are from scipy 1.17 (scipy.stats.t.ppf, chi2.sf, f.sf, chi2_contingency
// with correction=False, f_oneway), which agree with R's qt, pchisq, pf, chisq.test and aov.

describe("studentTQuantile", () => {
  it.each([
    [1, 12.706204736174694],
    [2, 4.302652729749462],
    [3, 3.1824463052837078],
    [4, 2.7764451051977934],
    [5, 2.5705818356363146],
    [7, 2.364624251592784],
    [10, 2.228138851986274],
    [30, 2.0422724563012378],
    [100, 1.9839715185235518],
    [1000, 1.9623390808264083],
    [0.5, 164.55767348048818],
    [2.5, 3.5746548420036817],
    [3.7, 2.8675207071911895],
  ])("t(0.975, df %s) matches scipy", (df, expected) => {
    expectClose(studentTQuantile(0.975, df), expected, 1e-10);
  });

  it("matches scipy at other probabilities and is symmetric", () => {
    expectClose(studentTQuantile(0.9, 3), 1.637744353696209, 1e-10);
    expectClose(studentTQuantile(0.6, 12), 0.25903274567688733, 1e-10);
    expectClose(studentTQuantile(0.999999, 5), 24.771029720372493, 1e-9);
    expectClose(studentTQuantile(0.025, 9), -2.2621571627982053, 1e-10);
    expect(studentTQuantile(0.5, 8)).toBe(0);
    expect(studentTQuantile(1, 8)).toBe(Infinity);
  });

  it("approaches the normal quantile for large df", () => {
    expectClose(studentTQuantile(0.975, 100_000), 1.9599877075346095, 1e-9);
    expectClose(studentTQuantile(0.975, 1e8), 1.959963984540054, 1e-6);
  });

  it("inverts the distribution function (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.501, max: 0.9999, noNaN: true }),
        fc.double({ min: 0.3, max: 5000, noNaN: true }),
        (p, df) => {
          const t = studentTQuantile(p, df);
          expect(Math.abs(studentTSurvival(t, df) - (1 - p))).toBeLessThan(1e-10);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects impossible arguments", () => {
    expect(() => studentTQuantile(1.2, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.9, 0)).toThrow(/df must be a positive number/);
  });
});

describe("special functions", () => {
  it("logGamma matches known values", () => {
    expectClose(logGamma(1), 0, 1e-14);
    expectClose(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-13);
    expectClose(logGamma(10), Math.log(362880), 1e-13);
    expectClose(logGamma(100.5), 361.43554046777757, 1e-13);
  });

  it("normalQuantile matches known values", () => {
    expectClose(normalQuantile(0.975), 1.959963984540054, 1e-12);
    expectClose(normalQuantile(0.01), -2.3263478740408408, 1e-12);
    expectClose(normalQuantile(1e-10), -6.361340902404056, 1e-10);
  });

  it("regularizedBeta has the closed forms I_x(1, b) = 1 − (1 − x)^b and I_x(a, 1) = x^a", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (x, shape) => {
          expectClose(regularizedBeta(x, 1, shape), 1 - (1 - x) ** shape, 1e-10);
          expectClose(regularizedBeta(x, shape, 1), x ** shape, 1e-10);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("chi-square and F survival functions match scipy", () => {
    expectClose(chiSquareSurvival(3.841458820694124, 1), 0.05, 1e-10);
    expectClose(chiSquareSurvival(100, 3), 1.5541594313896026e-21, 1e-9);
    expectClose(chiSquareSurvival(0.001, 5), 0.9999999983185123, 1e-12);
    expectClose(chiSquareSurvival(30.5, 20), 0.06214689199078489, 1e-10);
    expectClose(chiSquareSurvival(500, 400), 0.00048221275959343273, 1e-9);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expectClose(fSurvival(3.5, 4, 200), 0.008691845309978678, 1e-10);
    expectClose(fSurvival(0.2, 10, 3), 0.9773860772489038, 1e-12);
    expectClose(fSurvival(1e-3, 1, 1), 0.979875021696356, 1e-12);
  });

  it("chi-square survival with 2 df is exp(−x/2) (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 200, noNaN: true }), (x) => {
        expect(Math.abs(chiSquareSurvival(x, 2) - Math.exp(-x / 2))).toBeLessThan(1e-13);
      }),
      { numRuns: 100 },
    );
  });
});

describe("describeNumbers", () => {
  it("matches numpy/scipy for a small sample", () => {
    const summary = describeNumbers([4.2, 5.1, 3.9, 6.0, 5.5, 4.8, 5.2]);
    expect(summary.count).toBe(7);
    expectClose(summary.mean as number, 4.957142857142857, 1e-14);
    expectClose(summary.sd as number, 0.7276838664721168, 1e-13);
    expectClose(summary.ci95?.[0] as number, 4.284147527116485, 1e-12);
    expectClose(summary.ci95?.[1] as number, 5.63013818716923, 1e-12);
    expect(summary.median).toBe(5.1);
  });

  it("handles empty, single and constant samples", () => {
    expect(describeNumbers([])).toEqual({ count: 0, mean: null, sd: null, ci95: null, median: null });
    expect(describeNumbers([3])).toEqual({ count: 1, mean: 3, sd: null, ci95: null, median: 3 });
    expect(describeNumbers([0.1, 0.1, 0.1])).toEqual({
      count: 3,
      mean: 0.1,
      sd: 0,
      ci95: [0.1, 0.1],
      median: 0.1,
    });
  });

  it("uses the mean of the middle two for an even count, and leaves out non-finite values", () => {
    expect(describeNumbers([4, 1, 3, 2]).median).toBe(2.5);
    expect(describeNumbers([1, NaN, 3, Infinity]).count).toBe(2);
  });

  it("stays accurate with a large offset (no catastrophic cancellation)", () => {
    const summary = describeNumbers([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    expect(summary.mean).toBe(1e9 + 10);
    expectClose(summary.sd as number, Math.sqrt(30), 1e-12);
  });

  it("keeps the mean inside its confidence interval and within the data (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 50 }),
        (values) => {
          const { mean, ci95, median } = describeNumbers(values);
          const low = Math.min(...values);
          const high = Math.max(...values);
          expect(mean as number).toBeGreaterThanOrEqual(low - 1e-6);
          expect(mean as number).toBeLessThanOrEqual(high + 1e-6);
          expect(ci95?.[0] as number).toBeLessThanOrEqual(mean as number);
          expect(ci95?.[1] as number).toBeGreaterThanOrEqual(mean as number);
          expect(median as number).toBeGreaterThanOrEqual(low);
          expect(median as number).toBeLessThanOrEqual(high);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("distribution", () => {
  it("counts in category order with zeros, and appends unknown values in order of appearance", () => {
    expect(distribution(["1", "2", "3"], ["3", "x", "1", "3", "y", "x"])).toEqual([
      { value: "1", count: 1, share: 1 / 6 },
      { value: "2", count: 0, share: 0 },
      { value: "3", count: 2, share: 2 / 6 },
      { value: "x", count: 2, share: 2 / 6 },
      { value: "y", count: 1, share: 1 / 6 },
    ]);
  });

  it("gives zero shares when nothing was observed", () => {
    expect(distribution(["Yes", "No"], [])).toEqual([
      { value: "Yes", count: 0, share: 0 },
      { value: "No", count: 0, share: 0 },
    ]);
  });

  it("divides by the number of answers when given (multiple choice)", () => {
    const entries = distribution(["A", "B", "C"], ["A", "B", "A", "C", "A"], { answers: 3 });
    expect(entries.map((entry) => entry.share)).toEqual([1, 1 / 3, 1 / 3]);
  });

  it("has counts that sum to the observations and shares that sum to 1 (property)", () => {
    const categories = ["a", "b", "c", "d"];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f"), { minLength: 1, maxLength: 200 }),
        (observed) => {
          const entries = distribution(categories, observed);
          expect(entries.slice(0, 4).map((entry) => entry.value)).toEqual(categories);
          expect(entries.reduce((sum, entry) => sum + entry.count, 0)).toBe(observed.length);
          expect(Math.abs(entries.reduce((sum, entry) => sum + entry.share, 0) - 1)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("chiSquareIndependence", () => {
  it("matches scipy on a 2×2 table (no continuity correction)", () => {
    const result = chiSquareIndependence([
      [10, 20],
      [30, 40],
    ]);
    expect(result?.df).toBe(1);
    expectClose(result?.statistic as number, 0.7936507936507936, 1e-12);
    expectClose(result?.p_value as number, 0.37299848361348686, 1e-10);
  });

  it("drops all-zero rows and columns before testing", () => {
    const result = chiSquareIndependence([
      [12, 5, 8, 0],
      [7, 9, 3, 0],
      [0, 0, 0, 0],
      [4, 11, 6, 0],
    ]);
    expect(result?.df).toBe(4);
    expectClose(result?.statistic as number, 7.538965059708094, 1e-12);
    expectClose(result?.p_value as number, 0.11000332183496853, 1e-10);
  });

  it("is null with fewer than two non-empty rows or columns", () => {
    expect(chiSquareIndependence([[3, 4]])).toBeNull();
    expect(
      chiSquareIndependence([
        [3, 4],
        [0, 0],
      ]),
    ).toBeNull();
    expect(
      chiSquareIndependence([
        [3, 0],
        [5, 0],
      ]),
    ).toBeNull();
    expect(chiSquareIndependence([])).toBeNull();
  });

  it("gives statistic 0 and p 1 for proportional rows", () => {
    const result = chiSquareIndependence([
      [1, 2, 3],
      [2, 4, 6],
    ]);
    expect(result?.statistic).toBeCloseTo(0, 12);
    expect(result?.p_value).toBeCloseTo(1, 12);
  });

  it("rejects negative counts", () => {
    expect(() =>
      chiSquareIndependence([
        [1, -1],
        [2, 3],
      ]),
    ).toThrow(/table\[0\]\[1\]/);
  });

  it("has a p-value in [0, 1] that falls as the same imbalance is repeated (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(30), { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 4 }),
        (table) => {
          const result = chiSquareIndependence(table);
          if (result === null) return;
          expect(result.p_value).toBeGreaterThanOrEqual(0);
          expect(result.p_value).toBeLessThanOrEqual(1);
          const doubled = chiSquareIndependence(table.map((row) => row.map((count) => count * 2)));
          expectClose(doubled?.statistic as number, result.statistic * 2, 1e-9);
          expect(doubled?.p_value as number).toBeLessThanOrEqual(result.p_value + 1e-12);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("oneWayAnova", () => {
  it("matches scipy f_oneway", () => {
    const result = oneWayAnova([
      [2.1, 3.4, 1.9, 5.0, 4.4],
      [6.3, 5.5, 7.1, 4.9],
      [3.3, 2.2, 4.8, 3.9, 4.1, 2.7],
    ]);
    expect(result?.df).toEqual([2, 12]);
    expectClose(result?.statistic as number, 7.524220752934829, 1e-12);
    expectClose(result?.p_value as number, 0.00762489725594865, 1e-10);
  });

  it("ignores empty groups", () => {
    const result = oneWayAnova([[1, 2, 3], [], [4, 5, 6]]);
    expect(result?.df).toEqual([1, 4]);
    expect(result?.statistic).toBeCloseTo(13.5, 12);
    expectClose(result?.p_value as number, 0.021311641128756713, 1e-10);
  });

  it("agrees with the closed form P(F > f) = (1 + 2f/d2)^(−d2/2) for two between-group df", () => {
    const result = oneWayAnova([
      [1, 2],
      [3, 4],
      [5, 7],
    ]) as { statistic: number; p_value: number };
    expectClose(result.p_value, (1 + (2 * result.statistic) / 3) ** -1.5, 1e-12);
  });

  it("handles zero within-group variance", () => {
    expect(
      oneWayAnova([
        [2, 2],
        [5, 5, 5],
      ]),
    ).toEqual({ statistic: Infinity, df: [1, 3], p_value: 0 });
    expect(
      oneWayAnova([
        [0.1, 0.1],
        [0.1, 0.1, 0.1],
      ]),
    ).toBeNull();
  });

  it("is null with fewer than two groups or no within-group degrees of freedom", () => {
    expect(oneWayAnova([[1, 2, 3]])).toBeNull();
    expect(oneWayAnova([[1], [2], []])).toBeNull();
    expect(oneWayAnova([])).toBeNull();
  });

  it("does not change when every value is shifted (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 2, maxLength: 8 }), {
          minLength: 2,
          maxLength: 4,
        }),
        fc.integer({ min: -1000, max: 1000 }),
        (groups, shift) => {
          const result = oneWayAnova(groups);
          const shifted = oneWayAnova(groups.map((group) => group.map((value) => value + shift)));
          if (result === null || !Number.isFinite(result.statistic)) return;
          expectClose(shifted?.statistic as number, result.statistic, 1e-8);
          expect(result.p_value).toBeGreaterThanOrEqual(0);
          expect(result.p_value).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 100 },
    );
  });
});
