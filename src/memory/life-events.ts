import type { MemoryType } from "./memory.ts";
import type { OccupationProfile } from "./seed-tables.ts";

/**
 * The life events a generated timeline is drawn from, by stage of life. Texts are second person and
 * start lower-case because the generator prefixes the age ("At 7, you …"). Placeholders in braces —
 * {hometown}, {location}, {friend}, {sibling}, {hobby}, {training} — are filled per persona.
 */

export const LIFE_STAGES = ["childhood", "adolescence", "early_adulthood", "career", "recent"] as const;
export type LifeStage = (typeof LIFE_STAGES)[number];

export interface LifeEventText {
  facts: string;
  feelings: string;
  emotion_tags: string[];
  interpretation: string;
}

export interface LifeEventTemplate extends LifeEventText {
  /** Unique across the tables; kept in the memory's metadata so a timeline can be explained. */
  name: string;
  type: MemoryType;
  /** How the persona later came to see it differently: makes the event a candidate for a revision. */
  revision?: LifeEventText;
}

const event = (
  name: string,
  type: MemoryType,
  text: [facts: string, feelings: string, tags: string[], interpretation: string],
  revision?: LifeEventText,
): LifeEventTemplate => ({
  name,
  type,
  facts: text[0],
  feelings: text[1],
  emotion_tags: text[2],
  interpretation: text[3],
  ...(revision ? { revision } : {}),
});

const COMMON_EVENTS: Record<Exclude<LifeStage, "career">, LifeEventTemplate[]> = {
  childhood: [
    event(
      "bike",
      "normal",
      [
        "you learned to ride a bike on the street outside the family home in {hometown}",
        "Giddy and a little scared",
        ["joy", "fear"],
        "The first time you felt free",
      ],
      {
        facts:
          "{sibling} showed you old photos proving you learned to ride that bike years later than you always said",
        feelings: "Amused, a little deflated",
        emotion_tags: ["amusement", "surprise"],
        interpretation: "Memory flatters you more than you thought",
      },
    ),
    event(
      "grandmother",
      "normal",
      [
        "you spent a whole summer with your grandmother, who taught you to bake her bread",
        "Warm and safe",
        ["comfort", "love"],
        "Where your patience comes from",
      ],
      {
        facts:
          "you found your grandmother's letters and realised you were sent to her that summer because your parents were separating",
        feelings: "Tender, and a little betrayed",
        emotion_tags: ["sadness", "love"],
        interpretation: "The people who loved you hid the hard things to protect you",
      },
    ),
    event("drawing", "pride", [
      "you won the school drawing competition with a picture of the sea",
      "Bursting with pride",
      ["pride", "joy"],
      "Proof you could make something others admired",
    ]),
    event("coins", "shame", [
      "you took coins from your mother's purse and let {sibling} take the blame",
      "Guilty, even now",
      ["shame", "guilt"],
      "You still hate seeing anyone blamed unfairly",
    ]),
    event("argument", "repressed", [
      "your parents had a screaming argument one night and your father left for three weeks",
      "Frozen and small",
      ["fear", "sadness"],
      "You learned to keep the peace at any cost",
    ]),
    event("fair", "exaggerated", [
      "you got lost at the town fair and, as you tell it, found your own way home across half of {hometown}",
      "Terrified, then triumphant",
      ["fear", "pride"],
      "The story you tell to show you were always independent",
    ]),
  ],
  adolescence: [
    event("best-friend", "normal", [
      "you met {friend} on the first day of secondary school and became best friends",
      "Relieved not to be alone",
      ["joy", "relief"],
      "A friendship can start from one shared joke",
    ]),
    event("dog", "normal", [
      "the family dog died and you buried him under the apple tree in the garden",
      "Heartbroken",
      ["sadness", "grief"],
      "Your first real loss",
    ]),
    event(
      "final",
      "pride",
      [
        "you scored the deciding goal in the school football final",
        "Electric",
        ["pride", "joy"],
        "The day you found out you could rise to a moment",
      ],
      {
        facts:
          "you watched an old video of the school final: your deciding goal was a deflection off a defender",
        feelings: "Sheepish, then laughing",
        emotion_tags: ["amusement", "embarrassment"],
        interpretation: "You can laugh at the legends you tell about yourself",
      },
    ),
    event("exam", "shame", [
      "you failed your maths exam after telling your parents you had studied for weeks",
      "Sick with embarrassment",
      ["shame", "anxiety"],
      "Lies catch up with you",
    ]),
    event("bullying", "repressed", [
      "older students bullied you for months and you told no one",
      "Alone and afraid",
      ["fear", "shame", "sadness"],
      "You learned to make yourself small",
    ]),
    event(
      "concert",
      "exaggerated",
      [
        "you sneaked out to a concert in {location} and, as you tell it, ended up on stage with the band",
        "Wild with excitement",
        ["excitement", "joy"],
        "The night you felt grown up",
      ],
      {
        facts:
          "you admitted to {friend} that you never got on stage at that concert; you only waved from the front row",
        feelings: "Embarrassed but lighter",
        emotion_tags: ["embarrassment", "relief"],
        interpretation: "The truth was a good night too",
      },
    ),
  ],
  early_adulthood: [
    event("leaving-home", "normal", [
      "you left {hometown} to start {training}",
      "Excited and homesick at once",
      ["excitement", "fear"],
      "The start of a life of your own",
    ]),
    event(
      "first-love",
      "normal",
      [
        "you fell in love for the first time, with someone you met at a friend's party, and it lasted two years",
        "Consumed, then crushed",
        ["love", "sadness"],
        "You learned how much you could feel",
      ],
      {
        facts:
          "you ran into your first love and realised it had ended because of you, not them as you had always told it",
        feelings: "Humbled",
        emotion_tags: ["regret", "clarity"],
        interpretation: "You were not always the wronged one",
      },
    ),
    event("graduation", "pride", [
      "you finished {training} near the top of your class",
      "Proud and exhausted",
      ["pride", "relief"],
      "Hard work pays, eventually",
    ]),
    event("debt", "shame", [
      "you ran up debts you hid from everyone and had to ask your parents for help",
      "Small and ashamed",
      ["shame", "anxiety"],
      "You still check every bill twice",
    ]),
    event("backpacking", "exaggerated", [
      "you backpacked across three countries with almost no money and, to hear you tell it, survived on charm alone",
      "Free and fearless",
      ["joy", "excitement"],
      "Proof you can land on your feet anywhere",
    ]),
  ],
  recent: [
    event("hobby", "normal", [
      "you took up {hobby} and it became the part of the week you guard most",
      "Calm",
      ["contentment"],
      "You need something that is only yours",
    ]),
    event("parents", "normal", [
      "you caught yourself saying exactly what your mother used to say, and laughed",
      "Amused and fond",
      ["amusement", "nostalgia"],
      "You are more like your family than you admit",
    ]),
    event("helping", "pride", [
      "you stood by {friend} through a hard time, and they told you it meant everything",
      "Moved",
      ["pride", "love"],
      "Showing up matters more than knowing what to say",
    ]),
    event("snapped", "shame", [
      "you snapped at someone who was only trying to help, and have thought about it ever since",
      "Regretful",
      ["shame", "regret"],
      "You are kinder when you are rested, and you know it",
    ]),
  ],
};

/** Career events: the occupation's own, plus a few that happen in any working life. */
function careerEvents(profile: OccupationProfile): LifeEventTemplate[] {
  return [
    event("career-first", "normal", [
      profile.career.first,
      "Nervous and thrilled",
      ["excitement", "fear"],
      "The day it became real",
    ]),
    event("career-everyday", "normal", [
      profile.career.everyday,
      "Worn out but proud of surviving it",
      ["exhaustion", "determination"],
      "You are tougher than you look",
    ]),
    event("career-pride", "pride", [
      profile.career.pride,
      "Quietly triumphant",
      ["pride", "joy"],
      "The moment you knew you were good at this",
    ]),
    event("career-shame", "shame", [
      profile.career.shame,
      "Mortified",
      ["shame", "guilt"],
      "Why you double-check everything now",
    ]),
    event("wedding-speech", "normal", [
      "you gave the speech at {friend}'s wedding and forgot half of it",
      "Nervous, then warm",
      ["joy", "nervousness"],
      "Friends forgive everything",
    ]),
    event("illness", "normal", [
      "your father fell ill and you spent months driving between work and the hospital",
      "Stretched thin and frightened",
      ["worry", "sadness"],
      "You learned how much you could carry",
    ]),
    event("celebrity", "exaggerated", [
      "you met a famous actor in a café in {location} and, as you tell it, gave them life advice",
      "Starstruck",
      ["excitement", "joy"],
      "A story that gets better every year",
    ]),
  ];
}

/**
 * The events that can fill one stage of a persona's life.
 *
 * @example lifeEventsFor("career", findOccupationProfile("nurse")).length // 7
 */
export function lifeEventsFor(stage: LifeStage, profile: OccupationProfile): LifeEventTemplate[] {
  return stage === "career" ? careerEvents(profile) : COMMON_EVENTS[stage];
}
