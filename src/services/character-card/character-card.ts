import type { JsonObject } from "../../lib/deep-merge.ts";

/**
 * Character Card V2 (github.com/malfoyslastname/character-card-spec-v2) and V3
 * (github.com/kwaroran/character-card-spec-v3): the card's shape. Import (`card-import.ts`) and export
 * (`card-export.ts`, `png-card.ts`, `charx-card.ts`) are pure functions over it.
 *
 * Card fields with a Dramatis equivalent map onto the persona; the other `data` fields live in the persona's
 * `card` object and card `data.extensions` in its `extensions`, so both survive a round trip. Dramatis-only
 * settings travel in `data.extensions.dramatis` (`dramatis-extension.ts`), which other card readers ignore.
 */

export type CardFormat = "card_v2" | "card_v3";

export interface CharacterCardData {
  name: string;
  description: string;
  personality: string;
  scenario: string;
  first_mes: string;
  mes_example: string;
  creator_notes: unknown;
  system_prompt: string;
  post_history_instructions: unknown;
  alternate_greetings: string[];
  tags: string[];
  creator: unknown;
  character_version: unknown;
  extensions: JsonObject;
  /** character_book, V3 fields (nickname, assets, group_only_greetings, ...) and unknown fields, as imported. */
  [field: string]: unknown;
}

/** The V1 fields, repeated beside `data` in every export for readers that predate V2. */
export type CharacterCardV1Fields = Pick<
  CharacterCardData,
  "name" | "description" | "personality" | "scenario" | "first_mes" | "mes_example"
>;

export interface CharacterCardV2 extends CharacterCardV1Fields {
  spec: "chara_card_v2";
  spec_version: "2.0";
  data: CharacterCardData;
}

export interface CharacterCardV3 extends CharacterCardV1Fields {
  spec: "chara_card_v3";
  spec_version: "3.0";
  data: CharacterCardData & { group_only_greetings: unknown };
}

export type CharacterCard = CharacterCardV2 | CharacterCardV3;
