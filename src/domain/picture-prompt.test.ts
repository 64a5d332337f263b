import { describe, expect, it } from "vitest";
import {
  ART_STYLE_PROMPTS,
  personaPicturePrompt,
  personaSeed,
  scenePicturePrompt,
  type PicturePersona,
} from "./picture-prompt.ts";

const ada: PicturePersona = {
  id: "psn_ada",
  name: "Ada",
  age: 29,
  sex: "female",
  appearance: { description: "Short red hair, freckles,\n green eyes.", art_style: "realistic" },
  nsfw: false,
};

describe("picture prompts", () => {
  it("describes the persona in its art style, with a seed fixed per persona", () => {
    const prompt = personaPicturePrompt(ada, "on a sailing boat");
    expect(prompt.prompt).toBe(
      `Ada, a 29-year-old woman, on a sailing boat. Short red hair, freckles, green eyes. ${ART_STYLE_PROMPTS.realistic.positive}`,
    );
    expect(prompt.negativePrompt).toContain("cartoon");
    expect(prompt.negativePrompt).toContain("nsfw");
    expect(prompt.seed).toBe(personaPicturePrompt(ada).seed);
    expect(prompt.seed).not.toBe(personaPicturePrompt({ ...ada, id: "psn_other" }).seed);
    expect(personaPicturePrompt(ada).prompt).toMatch(
      /^Ada, a 29-year-old woman, portrait, looking at the camera\./,
    );
    const anime = personaPicturePrompt({ ...ada, appearance: { ...ada.appearance, art_style: "anime" } });
    expect(anime.prompt.endsWith(ART_STYLE_PROMPTS.anime.positive)).toBe(true);
    expect(anime.negativePrompt).toContain("photorealistic");
  });

  it("allows adult content only for an adult persona that allows it", () => {
    expect(personaPicturePrompt({ ...ada, nsfw: true })).toMatchObject({ adult: true });
    expect(personaPicturePrompt({ ...ada, nsfw: true }).negativePrompt).not.toContain("nsfw");
    const minor = personaPicturePrompt({ ...ada, nsfw: true, age: 16 });
    expect(minor.adult).toBe(false);
    expect(minor.negativePrompt).toContain("nsfw");
    expect(minor.prompt).toContain("16-year-old girl");
  });

  it("prompts other subjects in the style, caps long prompts, and seeds in 31 bits", () => {
    expect(scenePicturePrompt("anime", "a castle at dusk").prompt).toMatch(
      /^a castle at dusk\. anime illustration/,
    );
    const long = personaPicturePrompt({
      ...ada,
      appearance: { ...ada.appearance, description: "x".repeat(5000) },
    }).prompt;
    expect(long.length).toBeLessThanOrEqual(1800);
    // The looks are cut, never the style.
    expect(long.endsWith(ART_STYLE_PROMPTS.realistic.positive)).toBe(true);
    for (const id of ["", "a", "psn_01JX", "ü🙂"]) {
      expect(personaSeed(id)).toBeGreaterThanOrEqual(0);
      expect(personaSeed(id)).toBeLessThan(2 ** 31);
    }
  });
});
