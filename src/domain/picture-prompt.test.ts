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
      `${ART_STYLE_PROMPTS.realistic.positive}. Ada, a 29-year-old woman: Short red hair, freckles, green eyes. on a sailing boat`,
    );
    expect(prompt.negativePrompt).toContain("cartoon");
    expect(prompt.negativePrompt).toContain("nsfw");
    expect(prompt.seed).toBe(personaPicturePrompt(ada).seed);
    expect(prompt.seed).not.toBe(personaPicturePrompt({ ...ada, id: "psn_other" }).seed);
    expect(personaPicturePrompt(ada).prompt).toMatch(/portrait, looking at the camera$/);
    const anime = personaPicturePrompt({ ...ada, appearance: { ...ada.appearance, art_style: "anime" } });
    expect(anime.prompt.startsWith(ART_STYLE_PROMPTS.anime.positive)).toBe(true);
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
      /^anime illustration.*a castle at dusk$/,
    );
    expect(
      personaPicturePrompt({ ...ada, appearance: { ...ada.appearance, description: "x".repeat(5000) } })
        .prompt.length,
    ).toBeLessThanOrEqual(1800);
    for (const id of ["", "a", "psn_01JX", "ü🙂"]) {
      expect(personaSeed(id)).toBeGreaterThanOrEqual(0);
      expect(personaSeed(id)).toBeLessThan(2 ** 31);
    }
  });
});
