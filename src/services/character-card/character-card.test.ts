import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { zipArchive } from "../../../test/zip-archive.ts";
import {
  createPlaceholderPng,
  readPngChunks,
  readPngTextChunks,
  writePngTextChunks,
} from "../../lib/png-text-chunks.ts";
import { exportCard } from "./card-export.ts";
import { importCard } from "./card-import.ts";
import type { CardFormat } from "./character-card.ts";
import { exportCardPng } from "./png-card.ts";
import {
  BadRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../../errors/app-error.ts";
import type { AppError } from "../../errors/app-error.ts";
import {
  DEFAULT_PERSONA_DEFINITION,
  personaDefinitionSchema,
  type PersonaDefinition,
} from "../../domain/persona-definition.ts";

const FORMATS: CardFormat[] = ["card_v2", "card_v3"];

const jsonBytes = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));
const base64Json = (value: unknown) => jsonBytes(value).toString("base64");
const pngWith = (entries: Record<string, string>) =>
  writePngTextChunks(createPlaceholderPng({ width: 2, height: 2, rgb: [0, 0, 0] }), entries);
const decodeChunk = (png: Uint8Array, keyword: string) =>
  JSON.parse(Buffer.from(readPngTextChunks(png).get(keyword) ?? "", "base64").toString("utf8")) as unknown;

function importError<T extends AppError>(
  input: Parameters<typeof importCard>[0],
  type: new (...args: never[]) => T,
): T {
  try {
    importCard(input);
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error("expected the card to be rejected");
}

const definition = (patch: Partial<PersonaDefinition>): PersonaDefinition =>
  personaDefinitionSchema.parse({ ...DEFAULT_PERSONA_DEFINITION, ...patch });

const ada = definition({
  name: "Ada",
  identity: {
    age: 36,
    sex: "female",
    location: "London",
    occupation: "mathematician",
    summary: "Ada writes programs.",
  },
  personality: "curious",
  scenario: "A salon in 1843.",
  first_message: "Hello, {{user}}.",
  alternate_greetings: ["Good evening."],
  communication_examples: ["{{user}}: Hi\n{{char}}: Hello.", "{{user}}: Bye"],
  system_message: "Stay in character.",
  tags: ["history"],
  verbosity: 4,
  card: { creator: "someone", character_book: { entries: [], extensions: {} } },
  extensions: { depth_prompt: { prompt: "Be kind.", depth: 4 } },
});

describe("exportCard", () => {
  it("writes a V2 card with every required field and the Dramatis settings in extensions.dramatis", () => {
    const card = exportCard(ada, "card_v2");
    expect(card).toMatchObject({ spec: "chara_card_v2", spec_version: "2.0" });
    expect(card.data).toMatchObject({
      name: "Ada",
      description:
        "Ada writes programs.\n\nAge: 36\nSex: female\nLocation: London\nOccupation: mathematician",
      first_mes: "Hello, {{user}}.",
      mes_example: "<START>\n{{user}}: Hi\n{{char}}: Hello.\n<START>\n{{user}}: Bye",
      system_prompt: "Stay in character.",
      creator: "someone",
      creator_notes: "",
      post_history_instructions: "",
      character_version: "",
      character_book: { entries: [], extensions: {} },
      extensions: { depth_prompt: { prompt: "Be kind.", depth: 4 } },
    });
    expect(card.data).not.toHaveProperty("group_only_greetings");
    const dramatis = card.data.extensions.dramatis as Record<string, unknown>;
    expect(dramatis).toMatchObject({ verbosity: 4, identity: { age: 36, occupation: "mathematician" } });
    expect(dramatis.identity).not.toHaveProperty("summary");
  });

  it("writes a V3 card with group_only_greetings", () => {
    const card = exportCard(ada, "card_v3");
    expect(card).toMatchObject({
      spec: "chara_card_v3",
      spec_version: "3.0",
      data: { group_only_greetings: [] },
    });
  });
});

describe("exportCardPng", () => {
  it("stores V2 as chara only, and V3 as ccv3 plus a V2 chara copy", () => {
    const v2 = exportCardPng(ada, "card_v2");
    expect([...readPngTextChunks(v2).keys()]).toEqual(["chara"]);
    expect(decodeChunk(v2, "chara")).toEqual(exportCard(ada, "card_v2"));
    const v3 = exportCardPng(ada, "card_v3");
    expect(decodeChunk(v3, "ccv3")).toEqual(exportCard(ada, "card_v3"));
    expect(decodeChunk(v3, "chara")).toEqual(exportCard(ada, "card_v2"));
  });

  it("draws a 256x256 placeholder without an image, and keeps a given image", () => {
    const placeholder = readPngChunks(exportCardPng(ada, "card_v3"));
    expect(Buffer.from(placeholder[0]!.data).readUInt32BE(0)).toBe(256);
    const image = pngWith({ chara: "stale", Title: "portrait" });
    const chunks = readPngChunks(exportCardPng(ada, "card_v2", image));
    expect(chunks.find((chunk) => chunk.type === "IDAT")).toEqual(readPngChunks(image)[1]);
    expect(importCard({ bytes: exportCardPng(ada, "card_v2", image) }).definition).toEqual(ada);
  });

  it("rejects an image that is not a PNG", () => {
    expect(() => exportCardPng(ada, "card_v2", Buffer.from("GIF89a"))).toThrow(BadRequestError);
  });
});

// ------------------------------------------------------------------------------------ round trips

const text = (maxLength: number) => fc.string({ unit: "binary", maxLength });
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
const number = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((value) => value + 0); // -0 is not JSON
const trimmed = (maxLength: number) =>
  fc
    .string({ unit: "binary", minLength: 1, maxLength })
    .map((value) => value.trim())
    .filter((value) => value !== "");
// fc.jsonValue can produce -0, which JSON writes as 0.
const json = (maxDepth: number) =>
  fc.jsonValue({ maxDepth }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);
const nonEmptyJson = json(3).filter((value) => value !== "" && !(Array.isArray(value) && value.length === 0));

const oneOf = fc.constantFrom;
const booleans = (...keys: string[]) => fc.record(Object.fromEntries(keys.map((key) => [key, fc.boolean()])));
const integer = (min: number, max: number) => fc.integer({ min, max });
const exampleBlock = trimmed(100).filter((block) => !/<START>/i.test(block));
const notDramatis = fc.string().filter((key) => key !== "dramatis");

const voiceConfiguration = fc.record({
  locale: oneOf("en-US", "fr-FR", "de", "pt-BR"),
  prompt: text(50),
  voice: nullable(text(20)),
  first_speaker: oneOf("agent", "user"),
  first_message: text(50),
  model: oneOf(null, "openai/gpt-4o-mini"),
  temperature: nullable(number(0, 2)),
  max_duration_seconds: integer(10, 14400),
  silence_timeout_seconds: integer(1, 600),
  recording: fc.boolean(),
});

const cardOnlyFields = fc.record(
  {
    // Empty creator_notes & co. are what export writes for a missing field, so import drops them.
    creator_notes: nonEmptyJson,
    post_history_instructions: nonEmptyJson,
    creator: nonEmptyJson,
    character_version: nonEmptyJson,
    // A book as a spec-complete card writes it (exports fill what a book lacks: see "fills a lorebook").
    character_book: fc.record({
      name: text(20),
      extensions: fc.dictionary(text(10), nonEmptyJson, { maxKeys: 2 }),
      entries: fc.constant([]),
    }),
    nickname: text(20),
    creator_notes_multilingual: fc.dictionary(oneOf("en", "fr", "ja"), text(30)),
    source: fc.array(text(30)),
    group_only_greetings: fc.array(text(30), { minLength: 1, maxLength: 3 }),
    assets: fc.array(
      fc.record({ type: oneOf("icon"), uri: oneOf("ccdefault:"), name: text(10), ext: oneOf("png") }),
    ),
    creation_date: integer(0, 2 ** 40),
    modification_date: integer(0, 2 ** 40),
    some_future_field: json(3),
  },
  { requiredKeys: [] },
);

const sampling = fc.record({
  temperature: nullable(number(0, 2)),
  top_p: nullable(number(0, 1)),
  top_k: nullable(integer(0, 100)),
  min_p: nullable(number(0, 1)),
  frequency_penalty: nullable(number(-2, 2)),
  presence_penalty: nullable(number(-2, 2)),
  repetition_penalty: nullable(number(0, 2)),
  top_a: nullable(number(0, 1)),
  max_tokens: nullable(integer(1, 200000)),
});

/** Valid definitions in the form an import produces (checked and normalized by the schema). */
const personaDefinition: fc.Arbitrary<PersonaDefinition> = fc
  .record({
    name: trimmed(100),
    identity: fc.record({
      age: nullable(integer(0, 200)),
      sex: oneOf(null, "male", "female", "other"),
      location: nullable(text(50)),
      occupation: nullable(text(50)),
      summary: text(200),
    }),
    system_message: text(100),
    start_prompt: text(100),
    first_message: text(100),
    alternate_greetings: fc.array(text(50), { maxLength: 4 }),
    personality: text(100),
    scenario: text(100),
    // Examples hold no separator or surrounding blank space, as a card import produces them.
    communication_examples: fc.array(exampleBlock, { maxLength: 4 }),
    appearance: fc.record({
      description: text(50),
      art_style: oneOf("realistic", "semi_realistic", "anime"),
      avatar_url: oneOf(null, "https://example.com/ada.png"),
    }),
    voice_configurations: fc.uniqueArray(voiceConfiguration, {
      maxLength: 3,
      selector: (voice) => voice.locale,
    }),
    chat_configuration: fc.record({
      prompt: text(50),
      model: oneOf(null, "offline/default"),
      temperature: nullable(number(0, 2)),
      max_tokens: nullable(integer(1, 200000)),
      forward_to_voice: fc.boolean(),
    }),
    model: oneOf(null, "openai/gpt-4o-mini", "ollama/llama3.1:8b"),
    sampling,
    verbosity: integer(1, 5),
    initiative: integer(1, 10),
    active_hours: fc.record({
      start: oneOf("00:00", "08:30", "23:59"),
      end: oneOf("06:00", "22:00"),
      time_zone: oneOf("UTC", "Europe/Paris", "America/New_York"),
    }),
    modifiers: booleans(
      "responds_immediately",
      "responds_outside_active_hours",
      "nsfw",
      "disable_scheduled_messages",
    ),
    features: booleans("sms", "premium_model", "media_generation", "auto_speech"),
    media: fc.record({
      image_model: fc.option(oneOf("openai/gpt-image-1", "forge/sd_xl_base_1.0"), { nil: null }),
      video_model: fc.option(oneOf("replicate/kwaivgi/kling-v1.6-standard"), { nil: null }),
      video_seconds: fc.integer({ min: 1, max: 20 }),
      video_quality: oneOf("standard", "high"),
      priority_video: fc.boolean(),
    }),
    memory: fc.record({
      tier: oneOf("basic", "extended", "longest"),
      scope: oneOf("account", "user_persona", "contact"),
      extraction: fc.boolean(),
      weights: fc.record({
        relevance: fc.integer({ min: 0, max: 10 }),
        importance: fc.integer({ min: 0, max: 10 }),
        recency: fc.double({ min: 0, max: 10, noNaN: true }),
      }),
    }),
    tags: fc.array(text(20), { maxLength: 5 }),
    card: cardOnlyFields,
    extensions: fc.dictionary(notDramatis, json(3), { maxKeys: 4 }),
  })
  .map((candidate) => personaDefinitionSchema.parse(candidate));

describe("round trips", () => {
  it("gives back the same definition through PNG and JSON, V2 and V3 (property)", () => {
    fc.assert(
      fc.property(personaDefinition, fc.constantFrom(...FORMATS), (original, format) => {
        // `assets` is V3's: a V2 export has no place for it.
        const { assets: _assets, ...cardWithoutAssets } = original.card;
        const expected = format === "card_v3" ? original : { ...original, card: cardWithoutAssets };
        const fromPng = importCard({ bytes: exportCardPng(original, format) });
        expect(fromPng).toEqual({
          definition: expected,
          format,
          warnings: expect.any(Array),
          assets: [],
          image: expect.any(Uint8Array),
        });
        const fromJson = importCard({
          bytes: jsonBytes(exportCard(original, format)),
          contentType: "application/json",
        });
        expect(fromJson.definition).toEqual(expected);
        expect(fromJson.format).toBe(format);
      }),
      { numRuns: 150 },
    );
  });

  it("gives back the default definition and an odd extension key", () => {
    for (const format of FORMATS) {
      const plain = definition({ name: "Plain" });
      expect(importCard({ bytes: exportCardPng(plain, format) })).toEqual({
        definition: plain,
        format,
        warnings: [],
        assets: [],
        image: expect.any(Uint8Array),
      });
      const extensions = JSON.parse('{"__proto__": {"kept": true}, "constructor": 1}') as Record<
        string,
        unknown
      >;
      const odd = { ...plain, extensions };
      const back = importCard({ bytes: jsonBytes(exportCard(odd, format)) }).definition;
      expect(Object.getOwnPropertyNames(back.extensions)).toEqual(["__proto__", "constructor"]);
      expect(JSON.stringify(back.extensions)).toBe('{"__proto__":{"kept":true},"constructor":1}');
    }
  });
});

// ------------------------------------------------------------------------------------------ import

/** Shaped like a SillyTavern V2 export: V1 fields repeated at the top, tool extensions, a lorebook. */
const sillyTavernCard = {
  name: "Seraphina",
  description: "top-level V1 copy, ignored",
  avatar: "none",
  talkativeness: "0.5",
  fav: false,
  chat: "Seraphina - 2024-5-20 @17h 38m",
  create_date: "2024-5-20 @17h 38m 19s 255ms",
  spec: "chara_card_v2",
  spec_version: "2.0",
  data: {
    name: "Seraphina",
    description: "Seraphina is a guardian of the forest.",
    personality: "caring, protective",
    scenario: "{{user}} wakes up in a glade.",
    first_mes: "*Seraphina kneels beside you.* Are you hurt?",
    mes_example:
      "<START>\r\n{{user}}: Who are you?\r\n{{char}}: A friend.\r\n<START>\r\n\r\n<START>\r\n{{user}}: Thanks.",
    creator_notes: "Best with a long context.",
    system_prompt: "",
    post_history_instructions: "Stay gentle.",
    alternate_greetings: ["*She smiles.* You're awake."],
    tags: ["fantasy", "healer"],
    creator: "forest_fan",
    character_version: "1.2",
    extensions: {
      talkativeness: "0.5",
      fav: false,
      world: "Eldoria",
      depth_prompt: { prompt: "Seraphina glows faintly.", depth: 4, role: "system" },
      sillytavern_whatever: { nested: [1, { a: null }], flag: true },
    },
    character_book: {
      name: "Eldoria",
      scan_depth: 2,
      token_budget: 512,
      recursive_scanning: false,
      extensions: {},
      entries: [
        {
          keys: ["glade", "forest"],
          content: "The glade is protected by ancient magic.",
          extensions: { position: 0, probability: 100 },
          enabled: true,
          insertion_order: 100,
          case_sensitive: false,
          id: 0,
          comment: "",
          selective: false,
          secondary_keys: [],
          constant: false,
          position: "before_char",
        },
      ],
    },
  },
};

describe("importCard", () => {
  it("maps a real-world-shaped V2 card and keeps what Dramatis does not use", () => {
    const { definition, format, warnings } = importCard({ bytes: jsonBytes(sillyTavernCard) });
    expect(format).toBe("card_v2");
    expect(definition).toMatchObject({
      name: "Seraphina",
      identity: { summary: "Seraphina is a guardian of the forest." },
      personality: "caring, protective",
      first_message: "*Seraphina kneels beside you.* Are you hurt?",
      alternate_greetings: ["*She smiles.* You're awake."],
      communication_examples: ["{{user}}: Who are you?\r\n{{char}}: A friend.", "{{user}}: Thanks."],
      tags: ["fantasy", "healer"],
      verbosity: DEFAULT_PERSONA_DEFINITION.verbosity,
    });
    const { creator_notes, post_history_instructions, creator, character_version, character_book } =
      sillyTavernCard.data;
    expect(definition.card).toEqual({
      creator_notes,
      post_history_instructions,
      creator,
      character_version,
      character_book,
      // Splitting and joining would change this text, so it is kept as it was for the export.
      mes_example: sillyTavernCard.data.mes_example,
    });
    expect(definition.extensions).toEqual(sillyTavernCard.data.extensions);
    // The lorebook is read and used in chat: nothing to warn about.
    expect(warnings).toEqual([]);
  });

  it("exports an imported card with its extensions and lorebook unchanged", () => {
    for (const format of FORMATS) {
      const imported = importCard({ bytes: pngWith({ chara: base64Json(sillyTavernCard) }) }).definition;
      const { dramatis, ...extensions } = exportCard(imported, format).data.extensions;
      expect(extensions).toEqual(sillyTavernCard.data.extensions);
      expect(dramatis).toBeDefined();
      const { mes_example: _examples, ...exported } = exportCard(imported, format).data;
      const { mes_example: _original, ...original } = sillyTavernCard.data;
      expect(exported).toMatchObject({ ...original, extensions: { ...original.extensions, dramatis } });
    }
  });

  it("keeps V3-only fields in card and writes them back", () => {
    const v3Fields = {
      nickname: "Sera",
      creator_notes_multilingual: { fr: "Meilleure avec un long contexte." },
      source: ["https://example.com/seraphina"],
      group_only_greetings: ["*She waves to everyone.*"],
      assets: [{ type: "icon", uri: "ccdefault:", name: "main", ext: "png" }],
      creation_date: 1716200000,
      modification_date: 1716300000,
    };
    const card = {
      spec: "chara_card_v3",
      spec_version: "3.0",
      data: { ...sillyTavernCard.data, ...v3Fields },
    };
    const { definition, format } = importCard({ bytes: pngWith({ ccv3: base64Json(card) }) });
    expect(format).toBe("card_v3");
    expect(definition.card).toMatchObject(v3Fields);
    expect(exportCard(definition, "card_v3").data).toMatchObject(v3Fields);
  });

  it("prefers ccv3 over chara in a PNG", () => {
    const v3 = exportCard(definition({ name: "From V3" }), "card_v3");
    const v2 = exportCard(definition({ name: "From V2" }), "card_v2");
    const imported = importCard({ bytes: pngWith({ chara: base64Json(v2), ccv3: base64Json(v3) }) });
    expect(imported).toMatchObject({ format: "card_v3", definition: { name: "From V3" } });
  });

  it("reads a V1 card, and null text as empty", () => {
    const v1 = {
      name: "Old",
      description: "desc",
      personality: null,
      scenario: "s",
      first_mes: "hi",
      mes_example: "{{user}}: a",
    };
    const imported = importCard({ bytes: jsonBytes(v1) });
    expect(imported.format).toBe("card_v2");
    expect(imported.warnings).toEqual(["Character Card V1 (no spec): imported as V2"]);
    expect(imported.definition).toEqual(
      definition({
        name: "Old",
        identity: { ...DEFAULT_PERSONA_DEFINITION.identity, summary: "desc" },
        scenario: "s",
        first_message: "hi",
        communication_examples: ["{{user}}: a"],
        card: { mes_example: "{{user}}: a" },
      }),
    );
  });

  it("applies extensions.dramatis from the card, merged over the defaults", () => {
    const card = exportCard(definition({ name: "Dee" }), "card_v2");
    card.data.extensions.dramatis = { verbosity: 5, identity: { age: 30 }, sampling: { temperature: 0.7 } };
    const imported = importCard({ bytes: jsonBytes(card) }).definition;
    expect(imported).toMatchObject({
      verbosity: 5,
      identity: { age: 30, sex: null },
      sampling: { temperature: 0.7, top_p: null },
    });
  });

  it("warns about an unexpected spec_version", () => {
    const card = { ...exportCard(ada, "card_v3"), spec_version: "4.0" };
    expect(importCard({ bytes: jsonBytes(card) }).warnings).toContain(
      'unexpected spec_version "4.0"; read as 3.0',
    );
  });
});

describe("importCard on bad input", () => {
  const cardPng = exportCardPng(ada, "card_v3");

  it.each([
    [
      "a character outside the alphabet",
      "eyJuYW1lIjoiQSJ9!",
      /ccv3 chunk is not valid base64: unexpected character at position 16/,
    ],
    ["whitespace", "eyJuYW1l IjoiQSJ9", /unexpected character at position 8/],
    ["missing padding", "eyJuYW1lIjoiQSJ", /bad padding/],
    ["padding in the middle", "eyJu=W1lIjoiQSJ9", /bad padding/],
  ])("rejects base64 with %s", (_case, encoded, message) => {
    expect(importError({ bytes: pngWith({ ccv3: encoded }) }, BadRequestError).message).toMatch(message);
  });

  it("rejects a truncated PNG", () => {
    const error = importError({ bytes: cardPng.subarray(0, cardPng.length - 20) }, BadRequestError);
    expect(error.message).toMatch(/^invalid PNG card: truncated chunk \d+ \(tEXt\)/);
    expect(
      importError({ bytes: cardPng.subarray(0, 4), contentType: "image/png" }, BadRequestError).message,
    ).toMatch(/not a PNG file/);
  });

  it("rejects a PNG with a bad CRC, naming the chunk", () => {
    const damaged = Buffer.from(cardPng);
    const at = damaged.indexOf("ccv3") + 10;
    damaged.writeUInt8(damaged.readUInt8(at) ^ 0x04, at);
    expect(importError({ bytes: damaged }, BadRequestError).message).toMatch(
      /^invalid PNG card: chunk \d+ \(tEXt\) has a bad CRC$/,
    );
  });

  it("rejects a PNG without a card chunk", () => {
    const error = importError({ bytes: pngWith({ Comment: "just a picture" }) }, BadRequestError);
    expect(error.message).toBe("the PNG holds no character card (no ccv3 or chara chunk)");
  });

  it("rejects bad JSON, bad UTF-8, non-objects, unknown specs and other image types", () => {
    expect(importError({ bytes: jsonBytes('{"spec": "chara_card_v2",') }, BadRequestError).message).toMatch(
      /^the card: invalid JSON/,
    );
    expect(importError({ bytes: pngWith({ chara: base64Json("{nope") }) }, BadRequestError).message).toMatch(
      /^PNG card: invalid JSON/,
    );
    expect(importError({ bytes: Buffer.from([0x7b, 0xff, 0x7d]) }, BadRequestError).message).toMatch(
      /not valid UTF-8/,
    );
    expect(importError({ bytes: jsonBytes([1, 2]) }, BadRequestError).message).toMatch(
      /must be a JSON object/,
    );
    expect(
      importError({ bytes: jsonBytes({ spec: "chara_card_v9", data: {} }) }, BadRequestError).errors,
    ).toEqual([{ field: "spec", message: "must be chara_card_v2 or chara_card_v3" }]);
    expect(
      importError({ bytes: Buffer.from("GIF89a"), contentType: "image/gif" }, UnsupportedMediaTypeError)
        .message,
    ).toMatch(/this looks like a GIF image, not a Character Card \(only PNG images carry a card\)/);
    expect(
      importError({ bytes: jsonBytes({}), contentType: "image/webp" }, UnsupportedMediaTypeError).message,
    ).toMatch(/image\/webp cards are not supported/);
  });

  it("rejects JSON nested 10,000 deep quickly and clearly, in JSON and in a PNG", () => {
    const deep = '{"spec":"chara_card_v2","data":' + '{"a":'.repeat(10_000) + "1" + "}".repeat(10_001);
    const error = importError({ bytes: jsonBytes(deep) }, ValidationError);
    expect(error.message).toMatch(/^the card: JSON input is nested deeper than 64 levels \(at offset \d+\)$/);
    expect(error.status).toBe(422);
    const deepArrays = "[".repeat(10_000) + "]".repeat(10_000);
    expect(
      importError({ bytes: pngWith({ chara: base64Json(deepArrays) }) }, ValidationError).message,
    ).toMatch(/deeper than 64/);
  });

  it("refuses a 200,000-key card and a 100,000-entry lorebook on the text, before validation", () => {
    const keys = Object.fromEntries(Array.from({ length: 200_000 }, (_, index) => [`k${index}`, index]));
    const wide = { spec: "chara_card_v2", spec_version: "2.0", data: { name: "Wide", extensions: keys } };
    expect(importError({ bytes: jsonBytes(wide) }, ValidationError).message).toMatch(/more than 1000 keys/);
    expect(
      importError({ bytes: pngWith({ chara: base64Json(JSON.stringify(wide)) }) }, ValidationError).status,
    ).toBe(422);
    const entries = Array.from({ length: 100_000 }, (_, id) => ({ id, keys: ["k"], content: "c" }));
    const book = {
      spec: "chara_card_v2",
      spec_version: "2.0",
      data: { name: "Lore", character_book: { entries } },
    };
    expect(importError({ bytes: jsonBytes(book) }, ValidationError).message).toMatch(/more than 5000 items/);
  });

  it("keeps cards within the limits (1,000 extension keys, 5,000 lorebook entries)", () => {
    const keys = Object.fromEntries(Array.from({ length: 999 }, (_, index) => [`k${index}`, index]));
    const entries = Array.from({ length: 5_000 }, (_, id) => ({ id, keys: ["k"], content: "c" }));
    const card = {
      spec: "chara_card_v2",
      spec_version: "2.0",
      data: { name: "Fits", extensions: keys, character_book: { entries } },
    };
    const imported = importCard({ bytes: jsonBytes(card) });
    expect(Object.keys(imported.definition.extensions)).toHaveLength(999);
  });

  it("rejects input over 10 MiB before reading it", () => {
    const huge = Buffer.alloc(11 * 1024 * 1024, 0x20);
    expect(importError({ bytes: huge }, PayloadTooLargeError).status).toBe(413);
  });
});

describe("importCard on cards that make no valid persona", () => {
  const v2 = (data: Record<string, unknown>) =>
    jsonBytes({ spec: "chara_card_v2", spec_version: "2.0", data });
  const fieldsOf = (bytes: Buffer) =>
    importError({ bytes }, ValidationError).errors.map((error) => error.field);

  it("names card fields under data", () => {
    expect(importError({ bytes: v2({ description: "no name" }) }, ValidationError).errors).toEqual([
      { field: "data.name", message: "is required" },
    ]);
    expect(fieldsOf(v2({ name: "x".repeat(101) }))).toEqual(["data.name"]);
    expect(fieldsOf(v2({ name: "   " }))).toEqual(["data.name"]);
    expect(fieldsOf(v2({ name: "A", description: "d".repeat(8001), tags: "a,b", extensions: [] }))).toEqual([
      "data.description",
      "data.tags",
      "data.extensions",
    ]);
    expect(fieldsOf(v2({ name: "A", mes_example: "<START>\nok<START>\n" + "x".repeat(4001) }))).toEqual([
      "data.mes_example.1",
    ]);
    expect(fieldsOf(jsonBytes({ spec: "chara_card_v3", spec_version: "3.0" }))).toEqual(["data"]);
    expect(fieldsOf(jsonBytes({ description: "V1 without a name" }))).toEqual(["name"]);
  });

  it("names bad or unknown Dramatis settings under data.extensions.dramatis", () => {
    const dramatis = {
      verbosity: 9,
      colour: "blue",
      identity: { summary: "twice" },
      active_hours: { time_zone: "Mars/Base" },
    };
    const errors = importError(
      { bytes: v2({ name: "A", extensions: { dramatis, other: 1 } }) },
      ValidationError,
    ).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: "data.extensions.dramatis.verbosity", message: "must be 1-5" },
        { field: "data.extensions.dramatis.colour", message: "unknown field" },
        { field: "data.extensions.dramatis.identity.summary", message: "unknown field" },
        { field: "data.extensions.dramatis.active_hours.time_zone", message: expect.stringMatching(/IANA/) },
      ]),
    );
    expect(errors).toHaveLength(4);
    expect(fieldsOf(v2({ name: "A", extensions: { dramatis: "yes" } }))).toEqual([
      "data.extensions.dramatis",
    ]);
  });
});

describe("exports for other front ends", () => {
  it("writes the V1 fields beside data, equal to data's, in V2 and V3", () => {
    for (const format of FORMATS) {
      const card = exportCard(ada, format) as unknown as Record<string, unknown> & { data: object };
      const v1 = ["name", "description", "personality", "scenario", "first_mes", "mes_example"];
      expect(Object.fromEntries(v1.map((field) => [field, card[field]]))).toEqual(
        Object.fromEntries(v1.map((field) => [field, (card.data as Record<string, unknown>)[field]])),
      );
      expect(card.name).toBe("Ada");
    }
  });

  it("keeps mes_example byte for byte, until the examples are edited", () => {
    const original = sillyTavernCard.data.mes_example;
    const imported = importCard({ bytes: pngWith({ chara: base64Json(sillyTavernCard) }) }).definition;
    for (const format of FORMATS) {
      const card = exportCard(imported, format);
      expect(card.data.mes_example).toBe(original);
      expect(card.mes_example).toBe(original);
      expect(decodeChunk(exportCardPng(imported, format), "chara")).toMatchObject({
        data: { mes_example: original },
      });
    }
    const again = importCard({ bytes: jsonBytes(exportCard(imported, "card_v2")) }).definition;
    expect(again).toEqual(imported);
    const edited = { ...imported, communication_examples: ["{{user}}: Who are you?\r\n{{char}}: A friend."] };
    expect(exportCard(edited, "card_v2").data.mes_example).toBe(
      "<START>\n{{user}}: Who are you?\r\n{{char}}: A friend.",
    );
  });

  it("appends the Dramatis identity to description and takes it off again on import", () => {
    const lines =
      "Age: 36\nSex: female\nLocation: London\nOccupation: mathematician\nAppearance: Ink on her cuffs.";
    const dressed = { ...ada, appearance: { ...ada.appearance, description: "Ink on her cuffs." } };
    expect(exportCard(dressed, "card_v2").data.description).toBe(`Ada writes programs.\n\n${lines}`);
    const noSummary = { ...dressed, identity: { ...dressed.identity, summary: "" } };
    expect(exportCard(noSummary, "card_v3").data.description).toBe(lines);
    for (const persona of [dressed, noSummary]) {
      const once = importCard({ bytes: jsonBytes(exportCard(persona, "card_v3")) }).definition;
      const twice = importCard({ bytes: exportCardPng(once, "card_v2") }).definition;
      expect(once).toEqual(persona);
      expect(twice).toEqual(persona);
    }
    const plain = definition({
      name: "Plain",
      identity: { ...ada.identity, age: null, sex: null, location: null, occupation: null },
    });
    expect(exportCard(plain, "card_v2").data.description).toBe("Ada writes programs.");
  });

  it("keeps a description edited elsewhere whole, rather than guess which part was ours", () => {
    const card = exportCard(ada, "card_v2");
    card.data.description = card.data.description.replace("Age: 36", "Age: 37");
    const imported = importCard({ bytes: jsonBytes(card) }).definition;
    expect(imported.identity.summary).toBe(card.data.description);
    expect(imported.identity.age).toBe(36);
  });

  it("reads a description that only fits with the identity lines taken off", () => {
    const long = definition({
      name: "Long",
      identity: {
        age: 30,
        sex: null,
        location: "x".repeat(200),
        occupation: null,
        summary: "s".repeat(8000),
      },
    });
    const card = exportCard(long, "card_v2");
    expect(card.data.description.length).toBeGreaterThan(8000);
    expect(importCard({ bytes: jsonBytes(card) }).definition).toEqual(long);
  });
});

describe("the picture of a PNG card", () => {
  it("comes back from import without the card's text chunks", () => {
    const art = createPlaceholderPng({ width: 4, height: 6, rgb: [200, 10, 10] });
    const png = writePngTextChunks(art, { Title: "portrait" });
    const { image } = importCard({ bytes: exportCardPng(ada, "card_v3", png) });
    expect(image).toBeDefined();
    expect(readPngTextChunks(image!).size).toBe(0);
    expect(readPngChunks(image!).map((chunk) => chunk.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    expect(importCard({ bytes: jsonBytes(exportCard(ada, "card_v3")) }).image).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------ files that are no card

/** A ZIP of empty files with these names. */
const storedZip = (names: string[]) => zipArchive(names.map((name) => ({ name, content: "", store: true })));

describe("importCard on CHARX cards", () => {
  const v3 = {
    spec: "chara_card_v3",
    spec_version: "3.0",
    data: {
      name: "Sera",
      description: "A healer.",
      first_mes: "Hello.",
      assets: [
        { type: "icon", uri: "embeded://assets/icon/images/main.png", name: "main", ext: "png" },
        { type: "emotion", uri: "embeded://assets/emotion/images/joy.png", name: "joy", ext: "png" },
      ],
    },
  };

  it("imports card.json and keeps the main icon as the picture", () => {
    const icon = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const archive = zipArchive([
      { name: "card.json", content: JSON.stringify(v3) },
      { name: "assets/icon/images/main.png", content: icon, store: true },
      { name: "assets/emotion/images/joy.png", content: new Uint8Array([9, 9]) },
    ]);
    const imported = importCard({ bytes: archive, fileName: "sera.charx" });
    expect(imported.format).toBe("card_v3");
    expect(imported.definition.name).toBe("Sera");
    expect(imported.image).toEqual(icon);
  });

  it("refuses a zip bomb with a 413 before inflating it, and a damaged archive with a 422", () => {
    const bomb = zipArchive([
      { name: "card.json", content: JSON.stringify(v3) },
      { name: "assets/icon/images/main.png", content: Buffer.alloc(50 * 1024 * 1024) },
    ]);
    const tooLarge = importError({ bytes: bomb }, PayloadTooLargeError);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.message).toMatch(
      /^CHARX card refused: entry assets\/icon\/images\/main\.png is \d+ bytes/,
    );
    const cut = zipArchive([{ name: "card.json", content: JSON.stringify(v3) }]);
    const damaged = Uint8Array.from(cut);
    damaged[45] = damaged[45]! ^ 0xff;
    expect(importError({ bytes: damaged }, ValidationError).status).toBe(422);
  });
});

describe("importCard on files that are no card", () => {
  const refusal = (input: Parameters<typeof importCard>[0]) =>
    importError(input, UnsupportedMediaTypeError).message;

  it("names a .charx file without card.json as a CHARX card it cannot read", () => {
    expect(refusal({ bytes: storedZip(["x"]), fileName: "Sera.CHARX" })).toMatch(
      /^this looks like a CHARX card, but the archive holds no card\.json/,
    );
  });

  it("names a BYAF archive, by its manifest and character or its file name", () => {
    const byaf = storedZip([
      "manifest.json",
      "characters/sera/character.json",
      "characters/sera/images/a.png",
    ]);
    expect(refusal({ bytes: byaf, contentType: "application/octet-stream" })).toMatch(
      /^this looks like a BYAF archive \(Backyard AI\), not a Character Card/,
    );
    expect(refusal({ bytes: storedZip([]), fileName: "sera.byaf" })).toMatch(/BYAF archive/);
  });

  it("names any other ZIP archive, even one sent as image/png or JSON", () => {
    const message = refusal({ bytes: storedZip(["readme.txt"]), contentType: "image/png" });
    expect(message).toMatch(/^this looks like a ZIP archive \(BYAF or CHARX\?\)/);
    expect(message).not.toMatch(/UTF-8/);
    expect(refusal({ bytes: Buffer.from("PK\x03\x04garbage"), contentType: "application/json" })).toMatch(
      /ZIP archive/,
    );
  });

  it.each([
    ["a JPEG image", [0xff, 0xd8, 0xff, 0xe0, 0, 0x10]],
    ["a gzip archive", [0x1f, 0x8b, 8, 0]],
    ["a PDF document", [...Buffer.from("%PDF-1.7")]],
    ["a WebP image", [...Buffer.from("RIFF\x00\x00\x00\x00WEBPVP8 ")]],
  ])("names %s", (what, bytes) => {
    expect(refusal({ bytes: Uint8Array.from(bytes) })).toContain(
      `this looks like ${what}, not a Character Card`,
    );
  });

  it("calls unknown binary data binary, and broken JSON text broken UTF-8", () => {
    expect(refusal({ bytes: Uint8Array.from([0x00, 0x01, 0xfe, 0xff, 0x80]) })).toMatch(
      /^this is binary data of an unknown format \(it starts with bytes 00 01 fe ff 80\)/,
    );
    expect(importError({ bytes: Buffer.from([0x7b, 0xff, 0x7d]) }, BadRequestError).message).toBe(
      "the card is not valid UTF-8 text",
    );
  });
});
