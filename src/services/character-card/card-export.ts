import { isDeepStrictEqual } from "node:util";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import { exportedCharacterBook } from "./character-book.ts";
import {
  joinExamples,
  MAPPED_CARD_FIELDS,
  splitExamples,
  V2_REQUIRED_FILLERS,
  V3_REQUIRED_FILLERS,
} from "./card-fields.ts";
import type { CardFormat, CharacterCard, CharacterCardData, CharacterCardV3 } from "./character-card.ts";
import { DRAMATIS_EXTENSION, pickDramatisExtension, writeDescription } from "./dramatis-extension.ts";

/**
 * `mes_example` as written: the imported text byte for byte (kept in `card.mes_example`) while the examples
 * still say the same, else the examples joined the way SillyTavern writes them.
 */
function writeExamples(definition: PersonaDefinition): string {
  const imported = definition.card.mes_example;
  const unchanged =
    typeof imported === "string" &&
    isDeepStrictEqual(splitExamples(imported), definition.communication_examples);
  return unchanged ? imported : joinExamples(definition.communication_examples);
}

function buildCardData(definition: PersonaDefinition, format: CardFormat): CharacterCardData {
  // `assets` is V3's and names files stored beside the persona: a V3 export writes it from them, a V2 one
  // has no place for it (its imported `embeded://` uris would point into an archive that is not there).
  const kept = Object.entries(definition.card).filter(
    ([field]) => !MAPPED_CARD_FIELDS.has(field) && !(field === "assets" && format !== "card_v3"),
  );
  return {
    name: definition.name,
    description: writeDescription(definition),
    personality: definition.personality,
    scenario: definition.scenario,
    first_mes: definition.first_message,
    mes_example: writeExamples(definition),
    ...(format === "card_v3" ? V3_REQUIRED_FILLERS : V2_REQUIRED_FILLERS),
    ...Object.fromEntries(kept),
    system_prompt: definition.system_message,
    alternate_greetings: [...definition.alternate_greetings],
    tags: [...definition.tags],
    extensions: { ...definition.extensions, [DRAMATIS_EXTENSION]: pickDramatisExtension(definition) },
    ...exportedCharacterBook(definition.card.character_book, format),
  };
}

/**
 * Turns a persona definition into a Character Card object, ready for JSON.stringify.
 * @example exportCard(definition, "card_v3").data.first_mes
 */
export function exportCard(definition: PersonaDefinition, format: CardFormat): CharacterCard {
  const data = buildCardData(definition, format);
  const { name, description, personality, scenario, first_mes, mes_example } = data;
  const v1 = { name, description, personality, scenario, first_mes, mes_example };
  if (format === "card_v3") {
    return { spec: "chara_card_v3", spec_version: "3.0", ...v1, data: data as CharacterCardV3["data"] };
  }
  return { spec: "chara_card_v2", spec_version: "2.0", ...v1, data };
}
