import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import {
  personaPicturePrompt,
  personaSeed,
  scenePicturePrompt,
  type PicturePersona,
  type PicturePrompt,
} from "../../domain/picture-prompt.ts";
import type { ImageGenerator, MediaImage, ReferenceUse } from "../../media/media.ts";

/*
 * What a generation sends: the prompt of a request, the negative prompt, and the reference picture as the
 * service can take it.
 */

/** How much of an edited photo's picture img2img keeps: low enough to follow the instruction. */
const EDIT_STRENGTH = 0.6;
/** A likeness through img2img (no reference workflow): keep the face, change the scene. */
const LIKENESS_STRENGTH = 0.45;

/** What a request asks for, as far as its prompt goes. */
export interface PromptedAsk {
  kind: "image" | "video";
  ofPersona: boolean;
  description: string;
  edit?: boolean | undefined;
  fromPhoto?: boolean | undefined;
}

export function adultAllowed(persona: PersonaDefinition): boolean {
  return persona.modifiers.nsfw && (persona.identity.age === null || persona.identity.age >= 18);
}

export function picturePersonaOf(personaId: string, persona: PersonaDefinition): PicturePersona {
  return {
    id: personaId,
    name: persona.name,
    age: persona.identity.age,
    sex: persona.identity.sex,
    appearance: { description: persona.appearance.description, art_style: persona.appearance.art_style },
    nsfw: persona.modifiers.nsfw,
  };
}

/** The prompt of a request: the persona's likeness in its art style, a scene in that style, or an edit. */
export function picturePrompt(
  personaId: string,
  persona: PersonaDefinition,
  ask: PromptedAsk,
): PicturePrompt {
  if (ask.edit || (ask.kind === "video" && ask.fromPhoto && !ask.ofPersona)) {
    return {
      prompt: ask.description || "keep the picture as it is",
      negativePrompt: "",
      seed: personaSeed(personaId),
      adult: adultAllowed(persona),
    };
  }
  if (ask.ofPersona) return personaPicturePrompt(picturePersonaOf(personaId, persona), ask.description);
  return scenePicturePrompt(
    persona.appearance.art_style,
    ask.description || persona.name,
    adultAllowed(persona),
  );
}

export function negativePromptFor(personaId: string, persona: PersonaDefinition, ofPersona: boolean): string {
  return ofPersona
    ? personaPicturePrompt(picturePersonaOf(personaId, persona)).negativePrompt
    : scenePicturePrompt(persona.appearance.art_style, "", adultAllowed(persona)).negativePrompt;
}

/** The reference as the generator can take it: the wanted use, else the other one, else none. */
export function referenceFor(generator: ImageGenerator, image: MediaImage, wanted: ReferenceUse) {
  const uses = generator.references;
  const use = uses.includes(wanted) ? wanted : uses.includes("edit") ? "edit" : uses[0];
  if (!use) return undefined;
  if (wanted === "edit" && use !== "edit" && !generator.offline) return undefined;
  return {
    image,
    use,
    strength: use === "edit" ? (wanted === "edit" ? EDIT_STRENGTH : LIKENESS_STRENGTH) : undefined,
  };
}
