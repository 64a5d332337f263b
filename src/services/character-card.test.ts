import { test } from "vitest";
import { exportCard, exportCardPng, importCard } from "./character-card.ts";
import { DEFAULT_PERSONA_DEFINITION } from "./persona-definition.ts";
test("smoke", () => {
  const def = {
    ...DEFAULT_PERSONA_DEFINITION,
    name: "Ada",
    communication_examples: ["a: b", "c"],
    extensions: { depth_prompt: { depth: 4 } },
    card: { creator: "me" },
  };
  const card = exportCard(def, "card_v3");
  console.log(JSON.stringify(card, null, 1).slice(0, 3000));
  const png = exportCardPng(def, "card_v3");
  console.log(png.length);
  const back = importCard({ bytes: png });
  console.log(JSON.stringify(back));
});
