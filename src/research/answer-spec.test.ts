import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  answerCategories,
  answerJsonSchema,
  answerSpecSchema,
  categoriesOf,
  checkSkillAnswer,
  describeAnswerForPrompt,
  scoreAnswer,
  scoringSchema,
  validateAnswer,
  type AnswerSpec,
} from "./answer-spec.ts";

const likert: AnswerSpec = {
  type: "likert",
  scale: { min: 1, max: 5, labels: ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"] },
};
const yesNo: AnswerSpec = { type: "single_choice", options: ["Yes", "No", "Don't know"] };
const toppings: AnswerSpec = {
  type: "multiple_choice",
  options: ["Cheese", "Ham", "Olives", "Basil"],
  min_choices: 1,
  max_choices: 2,
};
const percent: AnswerSpec = { type: "number", minimum: 0, maximum: 100 };
const children: AnswerSpec = { type: "number", minimum: 0, maximum: 20, integer: true };
const text: AnswerSpec = { type: "text", max_length: 10 };
const profile: AnswerSpec = {
  type: "json",
  schema: {
    type: "object",
    properties: { age: { type: "integer" }, city: { type: "string" } },
    required: ["age"],
    additionalProperties: false,
  },
};

function issuesOf(input: unknown) {
  const result = answerSpecSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

describe("answerSpecSchema", () => {
  it("accepts every answer type of the contract", () => {
    for (const spec of [likert, yesNo, toppings, percent, children, text, profile, { type: "text" }]) {
      expect(answerSpecSchema.parse(spec)).toEqual(spec);
    }
  });

  it("names an unknown type, unknown keys and bad values", () => {
    expect(issuesOf({ type: "ranking" })).toEqual([
      { path: "type", message: "must be one of likert, single_choice, multiple_choice, number, text, json" },
    ]);
    expect(issuesOf({ type: "text", max_length: 10, colour: "red" })[0]?.message).toMatch(/colour/);
    expect(issuesOf({ type: "single_choice", options: ["Only"] })).toEqual([
      { path: "options", message: "must have between 2 and 50 options" },
    ]);
    expect(issuesOf({ type: "likert", scale: { min: 1.5, max: 5 } })).toEqual([
      { path: "scale.min", message: "must be a whole number" },
    ]);
    expect(issuesOf({ type: "text", max_length: 0 })).toEqual([
      { path: "max_length", message: "must be between 1 and 20000" },
    ]);
    expect(issuesOf({ type: "single_choice", options: ["Yes", "  "] })).toEqual([
      { path: "options.1", message: "must not be empty" },
    ]);
  });

  it("parses scoring strictly", () => {
    expect(scoringSchema.parse({ reverse: true })).toEqual({ reverse: true });
    expect(scoringSchema.parse({ correct: ["A", "C"] })).toEqual({ correct: ["A", "C"] });
    expect(scoringSchema.safeParse({ weights: { Yes: "1" } }).error?.issues[0]).toMatchObject({
      path: ["weights", "Yes"],
      message: "must be a number",
    });
    expect(scoringSchema.safeParse({ bonus: 1 }).success).toBe(false);
  });
});

describe("checkSkillAnswer", () => {
  it("accepts sound specs and their scoring", () => {
    expect(checkSkillAnswer(likert, { reverse: true })).toEqual([]);
    expect(checkSkillAnswer(yesNo, { weights: { Yes: 1, No: 0 } })).toEqual([]);
    expect(checkSkillAnswer(toppings, { correct: ["Cheese", "Basil"] })).toEqual([]);
    expect(checkSkillAnswer(profile, undefined)).toEqual([]);
    expect(checkSkillAnswer({ type: "likert", scale: { min: 0, max: 100 } }, undefined)).toEqual([]);
  });

  it("checks likert scales", () => {
    expect(checkSkillAnswer({ type: "likert", scale: { min: 5, max: 1 } }, undefined)).toEqual([
      { field: "answer.scale.max", message: "must be greater than min (5)" },
    ]);
    expect(checkSkillAnswer({ type: "likert", scale: { min: 0, max: 101 } }, undefined)).toEqual([
      { field: "answer.scale", message: "must span at most 100 steps (min 0, max 101)" },
    ]);
    expect(
      checkSkillAnswer({ type: "likert", scale: { min: 1, max: 5, labels: ["Low", "High"] } }, undefined),
    ).toEqual([
      {
        field: "answer.scale.labels",
        message: "must have exactly 5 entries, one for each point from 1 to 5; got 2",
      },
    ]);
  });

  it("checks options and choice counts", () => {
    expect(checkSkillAnswer({ type: "single_choice", options: ["Yes", "No", "yes"] }, undefined)).toEqual([
      { field: "answer.options.2", message: 'repeats the option "Yes"' },
    ]);
    expect(
      checkSkillAnswer({ type: "multiple_choice", options: ["A", "B"], max_choices: 3 }, undefined),
    ).toEqual([{ field: "answer.max_choices", message: "must be at most the number of options (2)" }]);
    expect(
      checkSkillAnswer(
        { type: "multiple_choice", options: ["A", "B", "C"], min_choices: 3, max_choices: 2 },
        undefined,
      ),
    ).toEqual([{ field: "answer.min_choices", message: "must be at most max_choices (2)" }]);
  });

  it("checks number bounds", () => {
    expect(checkSkillAnswer({ type: "number", minimum: 10, maximum: 1 }, undefined)).toEqual([
      { field: "answer.maximum", message: "must be at least minimum (10)" },
    ]);
    expect(
      checkSkillAnswer({ type: "number", minimum: 0.2, maximum: 0.8, integer: true }, undefined),
    ).toEqual([{ field: "answer.maximum", message: "leaves no whole number between 0.2 and 0.8" }]);
  });

  it("compiles json schemas and explains why one is invalid", () => {
    expect(checkSkillAnswer({ type: "json", schema: { type: "strin" } }, undefined)).toEqual([
      {
        field: "answer.schema",
        message: expect.stringMatching(/^is not a valid JSON schema: schema\.type must be/),
      },
    ]);
    expect(
      checkSkillAnswer({ type: "json", schema: { $ref: "#/definitions/missing" } }, undefined)[0]?.message,
    ).toMatch(/can't resolve reference/);
    expect(
      checkSkillAnswer(
        { type: "json", schema: { $schema: "http://json-schema.org/draft-04/schema#" } },
        undefined,
      )[0]?.message,
    ).toMatch(/is not supported; use draft-07, 2019-09 or 2020-12/);
    const modern = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "array",
      prefixItems: [{ type: "string" }],
    };
    expect(checkSkillAnswer({ type: "json", schema: modern }, undefined)).toEqual([]);
  });

  it("allows scoring only where it applies, naming the option at fault", () => {
    expect(checkSkillAnswer(percent, { reverse: true })).toEqual([
      { field: "scoring.reverse", message: "applies only to likert answers" },
    ]);
    expect(checkSkillAnswer(percent, { reverse: false })).toEqual([]);
    expect(checkSkillAnswer(likert, { weights: { "1": 2 } })).toEqual([
      { field: "scoring.weights", message: "applies only to single_choice and multiple_choice answers" },
    ]);
    expect(checkSkillAnswer(yesNo, { weights: { Yes: 1, Maybe: 0.5, no: 0 } })).toEqual([
      { field: "scoring.weights.Maybe", message: '"Maybe" is not one of the options' },
      { field: "scoring.weights.no", message: '"no" is not one of the options (did you mean "No"?)' },
    ]);
    expect(checkSkillAnswer(toppings, { correct: ["Cheese", "Pineapple"] })).toEqual([
      { field: "scoring.correct.1", message: '"Pineapple" is not one of the options' },
    ]);
    expect(checkSkillAnswer(yesNo, { correct: "Maybe", weights: { Yes: 1 } })).toEqual([
      { field: "scoring", message: "use either weights or correct, not both" },
      { field: "scoring.correct", message: '"Maybe" is not one of the options' },
    ]);
    expect(checkSkillAnswer(toppings, { correct: [] })).toEqual([
      { field: "scoring.correct", message: "must list at least one option" },
    ]);
  });
});

describe("answerJsonSchema", () => {
  const wrap = (answer: unknown) => ({
    type: "object",
    properties: { answer },
    required: ["answer"],
    additionalProperties: false,
  });

  it("describes each answer type", () => {
    expect(answerJsonSchema(likert)).toEqual(
      wrap({
        type: "integer",
        minimum: 1,
        maximum: 5,
        description: "1 = Strongly disagree, 2 = Disagree, 3 = Neutral, 4 = Agree, 5 = Strongly agree",
      }),
    );
    expect(answerJsonSchema(yesNo)).toEqual(wrap({ type: "string", enum: ["Yes", "No", "Don't know"] }));
    expect(answerJsonSchema(toppings)).toEqual(
      wrap({
        type: "array",
        items: { type: "string", enum: ["Cheese", "Ham", "Olives", "Basil"] },
        minItems: 1,
        maxItems: 2,
        uniqueItems: true,
      }),
    );
    expect(answerJsonSchema(percent)).toEqual(wrap({ type: "number", minimum: 0, maximum: 100 }));
    expect(answerJsonSchema(children)).toEqual(wrap({ type: "integer", minimum: 0, maximum: 20 }));
    expect(answerJsonSchema({ type: "text" })).toEqual(wrap({ type: "string", maxLength: 2000 }));
    expect(answerJsonSchema(profile)).toEqual(wrap(profile.type === "json" && profile.schema));
  });

  it("moves $defs to the root so references still resolve", () => {
    const schema = answerJsonSchema({
      type: "json",
      schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: { pet: { $ref: "#/$defs/pet" } },
        $defs: { pet: { enum: ["cat", "dog"] } },
      },
    });
    expect(schema.$defs).toEqual({ pet: { enum: ["cat", "dog"] } });
    const validate = new Ajv2020().compile(schema);
    expect(validate({ answer: { pet: "cat" } })).toBe(true);
    expect(validate({ answer: { pet: "cow" } })).toBe(false);
  });

  it("accepts every value validateAnswer accepts (property, checked with ajv)", () => {
    const specs = [likert, yesNo, toppings, percent, children, text];
    const validators = specs.map((spec) => new Ajv2020().compile(answerJsonSchema(spec)));
    const candidates = fc.oneof(
      fc.integer({ min: -3, max: 25 }),
      fc.double({ min: -10, max: 110, noNaN: true }),
      fc.constantFrom("Yes", "No", "Cheese", "Ham", "Olives", "Basil", "Don't know", "short"),
      fc.subarray(["Cheese", "Ham", "Olives", "Basil"]),
      fc.string({ maxLength: 15 }),
    );
    fc.assert(
      fc.property(fc.nat(specs.length - 1), candidates, (index, candidate) => {
        const spec = specs[index] as AnswerSpec;
        const result = validateAnswer(spec, { answer: candidate });
        if (result.valid) expect(validators[index]?.({ answer: result.value })).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("validateAnswer", () => {
  it("accepts a likert answer wrapped, bare, as a numeric string or as its label", () => {
    expect(validateAnswer(likert, { answer: 4 })).toEqual({ valid: true, value: 4 });
    expect(validateAnswer(likert, 2)).toEqual({ valid: true, value: 2 });
    expect(validateAnswer(likert, { answer: " 4 " })).toEqual({ valid: true, value: 4 });
    expect(validateAnswer(likert, { answer: "5.0" })).toEqual({ valid: true, value: 5 });
    expect(validateAnswer(likert, { answer: "agree" })).toEqual({ valid: true, value: 4 });
    expect(validateAnswer(likert, '{"answer": 3}')).toEqual({ valid: true, value: 3 });
    expect(validateAnswer(likert, { answer: 1, reasoning: "…" })).toEqual({ valid: true, value: 1 });
  });

  it("explains likert failures", () => {
    expect(validateAnswer(likert, { answer: 7 })).toEqual({
      valid: false,
      reason: "answer 7 is outside the scale 1-5",
    });
    expect(validateAnswer(likert, { answer: 3.5 })).toEqual({
      valid: false,
      reason: "answer 3.5 is not a whole number",
    });
    expect(validateAnswer(likert, { answer: "maybe" })).toEqual({
      valid: false,
      reason: 'answer "maybe" is not a whole number on the scale 1-5',
    });
    expect(validateAnswer(likert, { rating: 4 })).toEqual({
      valid: false,
      reason: 'expected {"answer": …}, got {"rating":4}',
    });
    expect(validateAnswer(likert, {})).toEqual({ valid: false, reason: 'expected {"answer": …}, got {}' });
    expect(validateAnswer(likert, null)).toEqual({
      valid: false,
      reason: "answer null is not a whole number on the scale 1-5",
    });
  });

  it("matches single choices ignoring case and returns the option's spelling", () => {
    expect(validateAnswer(yesNo, { answer: "yes" })).toEqual({ valid: true, value: "Yes" });
    expect(validateAnswer(yesNo, " DON'T KNOW ")).toEqual({ valid: true, value: "Don't know" });
    expect(validateAnswer(yesNo, { answer: "Maybe" })).toEqual({
      valid: false,
      reason: 'answer "Maybe" is not one of the options: "Yes", "No", "Don\'t know"',
    });
    expect(validateAnswer({ type: "single_choice", options: ["1", "2"] }, { answer: 2 })).toEqual({
      valid: true,
      value: "2",
    });
  });

  it("validates multiple choices: options, repeats and counts", () => {
    expect(validateAnswer(toppings, { answer: ["basil", "Cheese"] })).toEqual({
      valid: true,
      value: ["Cheese", "Basil"],
    });
    expect(validateAnswer(toppings, { answer: "ham" })).toEqual({ valid: true, value: ["Ham"] });
    expect(validateAnswer(toppings, { answer: ["Ham", "ham"] })).toEqual({
      valid: false,
      reason: 'answer chooses "Ham" more than once',
    });
    expect(validateAnswer(toppings, { answer: ["Ham", "Olives", "Basil"] })).toEqual({
      valid: false,
      reason: "answer has 3 choices; at most 2 allowed",
    });
    expect(validateAnswer(toppings, { answer: [] })).toEqual({
      valid: false,
      reason: "answer has 0 choices; at least 1 required",
    });
    expect(validateAnswer(toppings, { answer: ["Ham", "Pineapple"] }).valid).toBe(false);
    expect(validateAnswer(toppings, { answer: 3 })).toEqual({
      valid: false,
      reason: "answer 3 is not a list of options",
    });
  });

  it("validates numbers: strings, bounds and whole numbers", () => {
    expect(validateAnswer(percent, { answer: "42.5" })).toEqual({ valid: true, value: 42.5 });
    expect(validateAnswer(percent, { answer: 0 })).toEqual({ valid: true, value: 0 });
    expect(validateAnswer(percent, { answer: 150 })).toEqual({
      valid: false,
      reason: "answer 150 is above the maximum 100",
    });
    expect(validateAnswer(percent, { answer: -1 })).toEqual({
      valid: false,
      reason: "answer -1 is below the minimum 0",
    });
    expect(validateAnswer(percent, { answer: "about 40" })).toEqual({
      valid: false,
      reason: 'answer "about 40" is not a number',
    });
    expect(validateAnswer(children, { answer: 2.5 })).toEqual({
      valid: false,
      reason: "answer 2.5 is not a whole number",
    });
    expect(validateAnswer(children, { answer: "3" })).toEqual({ valid: true, value: 3 });
  });

  it("validates text: trimmed, not empty, at most max_length characters (code points)", () => {
    expect(validateAnswer(text, { answer: "  Fine.  " })).toEqual({ valid: true, value: "Fine." });
    expect(validateAnswer(text, "😀😀😀😀😀😀😀😀😀😀")).toEqual({ valid: true, value: "😀".repeat(10) });
    expect(validateAnswer(text, { answer: "   " })).toEqual({ valid: false, reason: "answer is empty" });
    expect(validateAnswer(text, { answer: "far too long here" })).toEqual({
      valid: false,
      reason: "answer is 17 characters long; at most 10 allowed",
    });
    expect(validateAnswer(text, { answer: 42 })).toEqual({ valid: true, value: "42" });
    expect(validateAnswer(text, { text: "hello" }).valid).toBe(false);
  });

  it("validates json answers against the user's schema, wrapped or bare", () => {
    expect(validateAnswer(profile, { answer: { age: 30, city: "Porto" } })).toEqual({
      valid: true,
      value: { age: 30, city: "Porto" },
    });
    expect(validateAnswer(profile, { age: 30 })).toEqual({ valid: true, value: { age: 30 } });
    expect(validateAnswer(profile, { answer: { age: 30.5, colour: "red" } })).toEqual({
      valid: false,
      reason:
        "answer does not match the schema: answer must NOT have additional properties; answer.age must be integer",
    });
  });

  it("accepts a bare json value that has its own `answer` property", () => {
    const spec: AnswerSpec = {
      type: "json",
      schema: {
        type: "object",
        properties: { answer: { type: "string" }, confidence: { type: "number" } },
        required: ["confidence"],
      },
    };
    expect(validateAnswer(spec, { answer: "yes", confidence: 0.8 })).toEqual({
      valid: true,
      value: { answer: "yes", confidence: 0.8 },
    });
  });

  it("accepts every scale point in any accepted form, and rejects every point outside (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: -200, max: 200 }),
        (min, span, value) => {
          const spec: AnswerSpec = { type: "likert", scale: { min, max: min + span } };
          const inside = value >= min && value <= min + span;
          for (const output of [{ answer: value }, value, { answer: String(value) }]) {
            expect(validateAnswer(spec, output)).toEqual(
              inside
                ? { valid: true, value }
                : { valid: false, reason: `answer ${value} is outside the scale ${min}-${min + span}` },
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("returns canonical options for any subset in any letter case (property)", () => {
    const options = ["Apple", "Banana", "Cherry", "Date", "Elderberry"];
    const spec: AnswerSpec = { type: "multiple_choice", options, min_choices: 0 };
    fc.assert(
      fc.property(fc.shuffledSubarray(options), fc.boolean(), (chosen, upper) => {
        const output = {
          answer: chosen.map((option) => (upper ? option.toUpperCase() : option.toLowerCase())),
        };
        expect(validateAnswer(spec, output)).toEqual({
          valid: true,
          value: options.filter((option) => chosen.includes(option)),
        });
      }),
      { numRuns: 100 },
    );
  });
});

describe("scoreAnswer", () => {
  it("scores likert answers, reversed when asked", () => {
    expect(scoreAnswer(likert, undefined, 2)).toBe(2);
    expect(scoreAnswer(likert, { reverse: true }, 2)).toBe(4);
    expect(scoreAnswer({ type: "likert", scale: { min: 0, max: 10 } }, { reverse: true }, 3)).toBe(7);
  });

  it("scores single choices by weight or correctness", () => {
    expect(scoreAnswer(yesNo, { weights: { Yes: 1, No: 0 } }, "Yes")).toBe(1);
    expect(scoreAnswer(yesNo, { weights: { Yes: 1, No: 0 } }, "Don't know")).toBeNull();
    expect(scoreAnswer(yesNo, { correct: "No" }, "No")).toBe(1);
    expect(scoreAnswer(yesNo, { correct: "No" }, "Yes")).toBe(0);
    expect(scoreAnswer(yesNo, { correct: ["No", "Don't know"] }, "Don't know")).toBe(1);
    expect(scoreAnswer(yesNo, undefined, "Yes")).toBeNull();
  });

  it("scores multiple choices by summed weights or an exact correct set", () => {
    const weights = { Cheese: 2, Ham: 1.5, Olives: -1 };
    expect(scoreAnswer(toppings, { weights }, ["Cheese", "Ham"])).toBe(3.5);
    expect(scoreAnswer(toppings, { weights }, ["Basil"])).toBe(0);
    expect(scoreAnswer(toppings, { correct: ["Cheese", "Basil"] }, ["Basil", "Cheese"])).toBe(1);
    expect(scoreAnswer(toppings, { correct: ["Cheese", "Basil"] }, ["Cheese"])).toBe(0);
    expect(scoreAnswer(toppings, { correct: "Ham" }, ["Ham"])).toBe(1);
    expect(scoreAnswer(toppings, undefined, ["Ham"])).toBeNull();
  });

  it("scores numbers by value and never scores text or json", () => {
    expect(scoreAnswer(percent, undefined, 42.5)).toBe(42.5);
    expect(scoreAnswer(text, undefined, "hello")).toBeNull();
    expect(scoreAnswer(profile, undefined, { age: 3 })).toBeNull();
    expect(scoreAnswer(likert, undefined, "4")).toBeNull();
  });
});

describe("categories", () => {
  it("lists the categories a distribution is over", () => {
    expect(answerCategories(likert)).toEqual(["1", "2", "3", "4", "5"]);
    expect(answerCategories({ type: "likert", scale: { min: -2, max: 2 } })).toEqual([
      "-2",
      "-1",
      "0",
      "1",
      "2",
    ]);
    expect(answerCategories(yesNo)).toEqual(["Yes", "No", "Don't know"]);
    expect(answerCategories(toppings)).toEqual(["Cheese", "Ham", "Olives", "Basil"]);
    expect(answerCategories(percent)).toBeNull();
    expect(answerCategories(text)).toBeNull();
    expect(answerCategories(profile)).toBeNull();
  });

  it("places one answer in its categories", () => {
    expect(categoriesOf(likert, 4)).toEqual(["4"]);
    expect(categoriesOf(yesNo, "No")).toEqual(["No"]);
    expect(categoriesOf(toppings, ["Ham", "Basil"])).toEqual(["Ham", "Basil"]);
    expect(categoriesOf(percent, 3)).toEqual([]);
  });
});

describe("describeAnswerForPrompt", () => {
  it("tells the persona the shape of the answer", () => {
    expect(describeAnswerForPrompt(likert)).toBe(
      'Answer with {"answer": n} where n is a whole number from 1 (Strongly disagree) to 5 (Strongly agree). ' +
        "The scale: 1 = Strongly disagree, 2 = Disagree, 3 = Neutral, 4 = Agree, 5 = Strongly agree.",
    );
    expect(describeAnswerForPrompt({ type: "likert", scale: { min: 0, max: 10 } })).toBe(
      'Answer with {"answer": n} where n is a whole number from 0 to 10.',
    );
    expect(describeAnswerForPrompt(yesNo)).toBe(
      'Answer with {"answer": "<option>"} choosing exactly one of these options: "Yes", "No", "Don\'t know".',
    );
    expect(describeAnswerForPrompt(toppings)).toContain("between 1 and 2 different options");
    expect(describeAnswerForPrompt({ ...toppings, min_choices: 2 } as AnswerSpec)).toContain(
      "exactly 2 different",
    );
    expect(describeAnswerForPrompt(children)).toBe(
      'Answer with {"answer": n} where n is a whole number from 0 to 20.',
    );
    expect(describeAnswerForPrompt(percent)).toBe(
      'Answer with {"answer": n} where n is a number from 0 to 100.',
    );
    expect(describeAnswerForPrompt(text)).toContain("at most 10 characters");
    expect(describeAnswerForPrompt(profile)).toContain('"required":["age"]');
  });
});
