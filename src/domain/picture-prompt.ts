import { hashSeed } from "../lib/hash-seed.ts";
import type { ART_STYLES, SEXES } from "./persona-definition.ts";

/**
 * How pictures of a persona are prompted, so every picture looks like the same person: its appearance
 * description, age and sex, in its art style's wording, with a seed fixed per persona. Pure: the media
 * service adds the profile picture as a reference where the provider takes one.
 */

export type ArtStyle = (typeof ART_STYLES)[number];
type Sex = (typeof SEXES)[number];

/** Each art style's own wording: what to ask for and what to keep out, and how the builder names it. */
export const ART_STYLE_PROMPTS: Readonly<
  Record<ArtStyle, { label: string; positive: string; negative: string }>
> = {
  realistic: {
    label: "Realistic",
    positive:
      "photorealistic photograph, natural light, 50mm lens, shallow depth of field, sharp focus, detailed skin texture",
    negative: "cartoon, anime, illustration, painting, drawing, 3d render, plastic skin",
  },
  semi_realistic: {
    label: "Semi-realistic",
    positive: "semi-realistic digital painting, soft painterly shading, detailed face, warm cinematic light",
    negative: "photograph, anime, flat colours, 3d render",
  },
  anime: {
    label: "Anime",
    positive: "anime illustration, clean line art, cel shading, vibrant colours, expressive eyes",
    negative: "photorealistic, photograph, 3d render, western cartoon",
  },
};

/** Kept out of every picture, whatever the style. */
const ALWAYS_NEGATIVE =
  "deformed, disfigured, extra fingers, extra limbs, blurry, lowres, watermark, signature, text";
/** Kept out unless the persona allows adult content (and is an adult). */
const SAFE_NEGATIVE = "nsfw, nudity, explicit";

export interface PicturePersona {
  /** the persona's id: its seed */
  id: string;
  name: string;
  age: number | null;
  sex: Sex | null;
  appearance: { description: string; art_style: ArtStyle };
  /** the persona's NSFW modifier */
  nsfw: boolean;
}

export interface PicturePrompt {
  prompt: string;
  negativePrompt: string;
  /** the same for every picture of this persona, so a provider that honours seeds keeps the face */
  seed: number;
  /** adult content was allowed in this prompt (the persona allows it and is an adult) */
  adult: boolean;
}

/** A prompt longer than this is cut: providers refuse long prompts (OpenAI at 4,000 characters, CLIP sooner). */
const MAX_PROMPT_CHARACTERS = 1_800;

/**
 * A picture of the persona: `subject` is what was asked for ("at the beach at sunset", "reading in bed");
 * empty asks for a portrait.
 *
 * @example personaPicturePrompt(persona, "on a sailing boat").prompt
 * // "Ada, a 29-year-old woman, on a sailing boat. Short red hair, freckles. photorealistic photograph, ..."
 */
export function personaPicturePrompt(persona: PicturePersona, subject = ""): PicturePrompt {
  const style = ART_STYLE_PROMPTS[persona.appearance.art_style];
  const who = [persona.name.trim(), describePerson(persona.age, persona.sex)].filter(Boolean).join(", ");
  const looks = oneLine(persona.appearance.description);
  const scene = oneLine(subject) || "portrait, looking at the camera";
  const adult = persona.nsfw && (persona.age === null || persona.age >= 18);
  // Who and what first (models weigh the start most, and the placeholder card shows it), the looks
  // next, cut to fit, and the style last but always whole.
  const lead = `${who}, ${scene}`;
  const room = MAX_PROMPT_CHARACTERS - lead.length - style.positive.length - 4;
  const fitted = looks.length > room ? looks.slice(0, Math.max(0, room)).trimEnd() : looks;
  return {
    prompt: cut([lead, fitted, style.positive].filter(Boolean).join(". ")),
    negativePrompt: [style.negative, ALWAYS_NEGATIVE, adult ? "" : SAFE_NEGATIVE].filter(Boolean).join(", "),
    seed: personaSeed(persona.id),
    adult,
  };
}

/** A picture of something other than the persona, in its art style (no likeness, no fixed seed). */
export function scenePicturePrompt(artStyle: ArtStyle, subject: string, nsfw = false): PicturePrompt {
  const style = ART_STYLE_PROMPTS[artStyle];
  return {
    prompt: `${oneLine(subject).slice(0, MAX_PROMPT_CHARACTERS - style.positive.length - 2)}. ${style.positive}`,
    negativePrompt: [style.negative, ALWAYS_NEGATIVE, nsfw ? "" : SAFE_NEGATIVE].filter(Boolean).join(", "),
    seed: personaSeed(`${artStyle}:${subject}`),
    adult: nsfw,
  };
}

/** A stable 31-bit seed from an id: every provider takes it. */
export function personaSeed(id: string): number {
  return hashSeed(id) & 0x7fffffff;
}

/** "a 29-year-old woman", "a man", "a person". */
function describePerson(age: number | null, sex: Sex | null): string {
  const noun =
    sex === "female"
      ? age !== null && age < 18
        ? "girl"
        : "woman"
      : sex === "male"
        ? age !== null && age < 18
          ? "boy"
          : "man"
        : "person";
  return age === null ? `a ${noun}` : `a ${age}-year-old ${noun}`;
}

function oneLine(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.\s]+$/, "");
}

function cut(text: string): string {
  return text.length > MAX_PROMPT_CHARACTERS ? text.slice(0, MAX_PROMPT_CHARACTERS) : text;
}
