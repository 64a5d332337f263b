import { CCardLib } from "@risuai/ccardlib";
import { v2 } from "character-card-utils";
import { describe, expect, it } from "vitest";
import { readPngTextChunks } from "../../lib/png-text-chunks.ts";
import { exportCard } from "./card-export.ts";
import { importCard } from "./card-import.ts";
import { exportCardPng } from "./png-card.ts";

/**
 * Exports read by other front ends' own libraries: the V3 card validates with RisuAI's @risuai/ccardlib
 * and the V2 card with character-card-utils, including a lorebook the source card left incomplete (no
 * extensions, entries without enabled, insertion_order or extensions, string ids, numeric positions).
 */
const sourceCard = {
  spec: "chara_card_v2",
  spec_version: "2.0",
  data: {
    name: "Seraphina",
    description: "A guardian of the forest.",
    personality: "gentle",
    scenario: "",
    first_mes: "Welcome, {{user}}.",
    mes_example: "<START>\n{{user}}: Hi\n{{char}}: Hello.",
    creator_notes: "Best with a large model.",
    system_prompt: "",
    post_history_instructions: "Stay gentle.",
    alternate_greetings: ["*She smiles.*"],
    tags: ["fantasy"],
    creator: "someone",
    character_version: "1",
    extensions: { world: "Eldoria" },
    character_book: {
      name: "Eldoria",
      entries: [
        { keys: ["glade"], content: "The glade is protected by ancient magic." },
        { keys: ["river"], content: "@@depth 2\nThe river never freezes.", id: "7", position: 4 },
        { keys: ["dragon"], content: "Vyrn sleeps.", enabled: false, insertion_order: 5, extensions: {} },
      ],
    },
  },
};

const decode = (png: Uint8Array, keyword: string): unknown =>
  JSON.parse(Buffer.from(readPngTextChunks(png).get(keyword) ?? "", "base64").toString("utf8"));

describe("card exports validated by other front ends' libraries", () => {
  const { definition } = importCard({ bytes: Buffer.from(JSON.stringify(sourceCard)) });

  it("writes a V3 card that @risuai/ccardlib recognises as valid V3, in JSON and PNG", () => {
    const card = exportCard(definition, "card_v3");
    expect(CCardLib.character.check(structuredClone(card))).toBe("v3");
    const png = exportCardPng(definition, "card_v3");
    expect(CCardLib.character.check(decode(png, "ccv3"))).toBe("v3");
    // The V2 chunk beside it, for readers that only know V2.
    expect(v2.safeParse(decode(png, "chara")).success).toBe(true);
  });

  it("writes a V2 card that character-card-utils parses, with the lorebook's required fields filled", () => {
    const card = exportCard(definition, "card_v2");
    const parsed = v2.safeParse(card);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(CCardLib.character.check(structuredClone(card))).toBe("v2");
    const book = card.data.character_book as { extensions: object; entries: Record<string, unknown>[] };
    expect(book.extensions).toEqual({});
    expect(book.entries.map((entry) => [entry.enabled, entry.insertion_order, entry.id])).toEqual([
      [true, 100, undefined],
      [true, 100, 7],
      [false, 5, undefined],
    ]);
    // What the author wrote is kept as written.
    expect(book.entries[1]?.content).toBe("@@depth 2\nThe river never freezes.");
    expect(card.data.mes_example).toBe(sourceCard.data.mes_example);
  });

  it("writes valid cards for a persona made in Dramatis, with no card data at all", () => {
    const plain = importCard({
      bytes: Buffer.from(
        JSON.stringify({ spec: "chara_card_v2", spec_version: "2.0", data: { name: "Ada" } }),
      ),
    }).definition;
    expect(CCardLib.character.check(structuredClone(exportCard(plain, "card_v3")))).toBe("v3");
    expect(v2.safeParse(exportCard(plain, "card_v2")).success).toBe(true);
  });
});
