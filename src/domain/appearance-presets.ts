import type { ART_STYLES, SEXES } from "./persona-definition.ts";

/**
 * Starting points for a persona's appearance description in the builder (the companion apps' "Blonde
 * Bombshell", "Brunette Siren" kind of presets): a name and a description of visual details an image
 * model can draw consistently, to edit afterwards. Adults only, clothed, no real people.
 */
export interface AppearancePreset {
  id: string;
  name: string;
  description: string;
  sex: (typeof SEXES)[number];
  /** the style it reads best in; the persona keeps its own */
  art_style: (typeof ART_STYLES)[number];
}

export const APPEARANCE_PRESETS: readonly AppearancePreset[] = Object.freeze([
  {
    id: "blonde-bombshell",
    name: "Blonde Bombshell",
    sex: "female",
    art_style: "realistic",
    description:
      "woman in her late twenties, long wavy platinum-blonde hair, bright blue eyes, full red lips, light tan, curvy figure, fitted red dress, gold hoop earrings, confident smile",
  },
  {
    id: "brunette-siren",
    name: "Brunette Siren",
    sex: "female",
    art_style: "realistic",
    description:
      "woman around thirty, long glossy dark-brown hair with a side part, smoky hazel eyes, olive skin, slender build, black satin blouse, delicate silver necklace, knowing half-smile",
  },
  {
    id: "red-haired-artist",
    name: "Red-haired Artist",
    sex: "female",
    art_style: "semi_realistic",
    description:
      "woman in her mid twenties, shoulder-length copper-red curls, green eyes, freckles across the nose, pale skin, paint-stained denim overalls over a white T-shirt, round glasses",
  },
  {
    id: "girl-next-door",
    name: "Girl Next Door",
    sex: "female",
    art_style: "realistic",
    description:
      "woman in her early twenties, chestnut ponytail, warm brown eyes, light freckles, athletic build, oversized grey hoodie, white sneakers, easy laugh",
  },
  {
    id: "anime-heroine",
    name: "Anime Heroine",
    sex: "female",
    art_style: "anime",
    description:
      "young adult woman, long silver hair with twin side braids, large violet eyes, fair skin, navy school-style blazer with a red ribbon, pleated skirt, determined expression",
  },
  {
    id: "rugged-outdoorsman",
    name: "Rugged Outdoorsman",
    sex: "male",
    art_style: "realistic",
    description:
      "man in his mid thirties, short dark-blond hair, trimmed beard, grey-blue eyes, weathered tan skin, broad shoulders, flannel shirt with rolled sleeves, canvas jacket",
  },
  {
    id: "city-gentleman",
    name: "City Gentleman",
    sex: "male",
    art_style: "realistic",
    description:
      "man around forty, neatly combed black hair greying at the temples, dark brown eyes, clean-shaven, tall and lean, tailored charcoal suit, white shirt open at the collar, silver watch",
  },
  {
    id: "soft-boy",
    name: "Soft Boy",
    sex: "male",
    art_style: "semi_realistic",
    description:
      "man in his early twenties, messy light-brown hair falling over the forehead, gentle green eyes, fair skin, slim build, cream knit cardigan over a striped T-shirt, small silver earring",
  },
  {
    id: "anime-swordsman",
    name: "Anime Swordsman",
    sex: "male",
    art_style: "anime",
    description:
      "young adult man, spiky black hair with a red streak, sharp amber eyes, scar across the left cheek, dark haori over a white kimono, katana at the hip, calm focused look",
  },
  {
    id: "androgynous-stylist",
    name: "Androgynous Stylist",
    sex: "other",
    art_style: "semi_realistic",
    description:
      "adult in their late twenties, sleek asymmetric lilac bob, grey eyes with winged liner, porcelain skin, slender build, oversized black blazer, layered silver rings",
  },
]);
