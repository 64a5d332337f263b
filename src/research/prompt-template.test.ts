import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TEMPLATE_PERSONA_VARIABLES, checkPromptTemplate, renderPromptTemplate } from "./prompt-template.ts";

const docsPrompt =
  "You are {{persona.name}}, {{persona.age}}, a {{persona.occupation}} in {{persona.location}}. {{context.question}}";

describe("checkPromptTemplate", () => {
  it("accepts the documented variables, with or without spaces inside the braces", () => {
    expect(checkPromptTemplate(docsPrompt, ["question"])).toEqual([]);
    const everything = TEMPLATE_PERSONA_VARIABLES.map((name) => `{{ persona.${name} }}`).join(" ");
    expect(checkPromptTemplate(everything, [])).toEqual([]);
    expect(checkPromptTemplate('No variables at all, and a JSON example: {"a": {"b": 1}}', [])).toEqual([]);
  });

  it("names unknown persona variables", () => {
    expect(checkPromptTemplate("Hi {{persona.email}} and {{ persona.Name }}", "any")).toEqual([
      {
        field: "prompt",
        message:
          "unknown variable {{persona.email}}; persona variables are name, age, sex, location, occupation, traits, tags, summary",
      },
      {
        field: "prompt",
        message:
          "unknown variable {{persona.Name}}; persona variables are name, age, sex, location, occupation, traits, tags, summary",
      },
    ]);
  });

  it("checks context keys against the given list, or allows any", () => {
    expect(checkPromptTemplate("{{context.question}} {{context.topic-2}}", ["question"])).toEqual([
      { field: "prompt", message: "unknown variable {{context.topic-2}}; context keys are question" },
    ]);
    expect(checkPromptTemplate("{{context.topic}}", [])).toEqual([
      { field: "prompt", message: "unknown variable {{context.topic}}; the context has no keys" },
    ]);
    expect(checkPromptTemplate("{{context.anything_at_all}} {{context.x-1}}", "any")).toEqual([]);
  });

  it("reports malformed and unclosed tags with their position", () => {
    expect(checkPromptTemplate("Hello {{name}}!", "any")).toEqual([
      {
        field: "prompt",
        message: "malformed tag {{name}} at character 7: use {{persona.<field>}} or {{context.<key>}}",
      },
    ]);
    expect(
      checkPromptTemplate("{{persona.name.first}} {{}} {{context.a b}}", "any").map((error) => error.message),
    ).toEqual([
      "malformed tag {{persona.name.first}} at character 1: use {{persona.<field>}} or {{context.<key>}}",
      "malformed tag {{}} at character 24: use {{persona.<field>}} or {{context.<key>}}",
      "malformed tag {{context.a b}} at character 29: use {{persona.<field>}} or {{context.<key>}}",
    ]);
    expect(checkPromptTemplate("Dear {{persona.name", "any")).toEqual([
      { field: "prompt", message: '"{{" at character 6 is never closed with "}}"' },
    ]);
  });

  it("still checks the tag after an opening that was never closed", () => {
    expect(checkPromptTemplate("{{ oops {{persona.email}}", "any").map((error) => error.message)).toEqual([
      "malformed tag {{ oops {{persona.email}} at character 1",
      "unknown variable {{persona.email}}; persona variables are name, age, sex, location, occupation, traits, tags, summary",
    ]);
  });

  it("reports each distinct problem once", () => {
    expect(checkPromptTemplate("{{persona.email}} {{persona.email}}", "any")).toHaveLength(1);
  });
});

describe("renderPromptTemplate", () => {
  it("fills persona and context variables", () => {
    const rendered = renderPromptTemplate(docsPrompt, {
      persona: { name: "Ana", age: 34, occupation: "nurse", location: "Porto" },
      context: { question: "Do you like your work?" },
    });
    expect(rendered).toBe("You are Ana, 34, a nurse in Porto. Do you like your work?");
  });

  it("allows spaces inside the braces and renders missing, null and undefined as empty", () => {
    const rendered = renderPromptTemplate(
      "[{{ persona.name }}][{{persona.sex}}][{{persona.summary}}][{{context.missing}}]",
      {
        persona: { name: "Ana", sex: null, summary: undefined },
        context: {},
      },
    );
    expect(rendered).toBe("[Ana][][][]");
  });

  it("renders non-string context values as JSON and strings as they are", () => {
    const rendered = renderPromptTemplate(
      "{{context.list}} {{context.flag}} {{context.nested}} {{context.quote}}",
      {
        persona: {},
        context: { list: ["a", "b"], flag: true, nested: { n: 1 }, quote: 'say "hi"' },
      },
    );
    expect(rendered).toBe('["a","b"] true {"n":1} say "hi"');
  });

  it("never reads inherited properties", () => {
    expect(
      renderPromptTemplate("[{{context.constructor}}][{{persona.toString}}]", { persona: {}, context: {} }),
    ).toBe("[][]");
  });

  it("leaves malformed tags untouched", () => {
    expect(renderPromptTemplate("{{name}} {{ persona.name", { persona: { name: "Ana" }, context: {} })).toBe(
      "{{name}} {{ persona.name",
    );
  });

  it("does not expand tags inside rendered values (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (name, question) => {
        const injected = `${name}{{context.secret}}`;
        const rendered = renderPromptTemplate("{{persona.name}}|{{context.question}}", {
          persona: { name: injected },
          context: { question, secret: "LEAK" },
        });
        expect(rendered).toBe(`${injected}|${question}`);
      }),
      { numRuns: 100 },
    );
  });

  it("leaves a template without tags unchanged (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (template) => {
        fc.pre(!template.includes("{{"));
        expect(renderPromptTemplate(template, { persona: { name: "x" }, context: { a: 1 } })).toBe(template);
        expect(checkPromptTemplate(template, [])).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
