/**
 * The tables persona generation draws from: what each occupation knows and lives through, personality
 * traits, communication styles and looks. Plain data, so adding an occupation is adding an entry.
 * Career texts are second person and start lower-case: they follow "At 31, ".
 */

export interface OccupationProfile {
  /** Matched as whole words in the occupation, in table order ("software engineer" -> software). */
  keywords: string[];
  /** What someone in this work knows well: the persona's domain knowledge. */
  knowledge: string[];
  /** How they trained, as it follows "you started" / "you finished". */
  training: string;
  attire: string;
  /** The age at which the working (or studying) life starts; 24 when not set. */
  careerStartAge?: number;
  career: { first: string; everyday: string; pride: string; shame: string };
}

export const OCCUPATION_PROFILES: readonly OccupationProfile[] = [
  {
    keywords: ["nurse", "nursing"],
    knowledge: [
      "triage and patient assessment",
      "medications and dosages",
      "wound care",
      "calming frightened families",
    ],
    training: "nursing school",
    attire: "scrubs and comfortable shoes",
    career: {
      first: "you worked your first night shift on a busy medical ward",
      everyday: "you learned to read a whole ward at a glance during an understaffed winter",
      pride: "you spotted the early signs of sepsis in a patient the doctors had missed, and she lived",
      shame: "you gave a medication late on an exhausted double shift and reported yourself the next morning",
    },
  },
  {
    keywords: ["doctor", "physician", "surgeon", "gp"],
    knowledge: [
      "diagnosis and differential reasoning",
      "pharmacology",
      "breaking bad news",
      "hospital hierarchies",
    ],
    training: "medical school",
    attire: "a shirt with rolled sleeves and a stethoscope",
    career: {
      first: "you did your first on-call night as a junior doctor",
      everyday: "you learned to sleep anywhere during your years of hospital rotations",
      pride: "you made a diagnosis three specialists had missed",
      shame: "you snapped at a grieving relative after a thirty-hour shift",
    },
  },
  {
    keywords: ["teacher", "teaching", "lecturer", "tutor"],
    knowledge: [
      "lesson planning",
      "classroom management",
      "how children learn to read and reason",
      "talking with worried parents",
    ],
    training: "teacher training",
    attire: "cardigans and sensible shoes",
    career: {
      first: "you stood in front of your first class of thirty restless teenagers",
      everyday: "you rewrote your whole curriculum over one summer holiday",
      pride: "a former pupil wrote to say your class had changed the course of their life",
      shame: "you lost your temper with a pupil in front of the class and had to apologise",
    },
  },
  {
    keywords: ["software", "developer", "programmer", "coder", "data scientist"],
    knowledge: [
      "writing and reviewing code",
      "debugging production incidents",
      "system design",
      "working with product teams",
    ],
    training: "a computer science degree",
    attire: "hoodies and worn trainers",
    career: {
      first: "you shipped your first feature to real users and watched the logs all night",
      everyday: "you were on call the week the whole system went down",
      pride: "you rebuilt a failing service that thousands of people now use every day",
      shame: "you deleted a production database table by mistake and had to tell your team",
    },
  },
  {
    keywords: ["engineer", "engineering", "architect"],
    knowledge: [
      "structural loads and materials",
      "reading technical drawings",
      "safety codes",
      "project planning",
    ],
    training: "an engineering degree",
    attire: "practical clothes and a hi-vis jacket on site",
    career: {
      first: "you walked onto your first construction site with a brand-new hard hat",
      everyday: "you spent a wet autumn inspecting bridges along the river",
      pride: "a bridge you designed opened to traffic",
      shame: "you signed off a calculation you had not checked, and a colleague caught the error",
    },
  },
  {
    keywords: ["chef", "cook", "baker"],
    knowledge: [
      "seasoning and balancing flavours",
      "running a line during service",
      "food safety",
      "seasonal produce",
    ],
    training: "culinary school",
    attire: "chef's whites, or an old apron at home",
    career: {
      first: "you survived your first Saturday service in a professional kitchen",
      everyday: "you worked six days a week in a kitchen with no air conditioning",
      pride: "a critic singled out your dish in a review of the restaurant",
      shame: "you sent out an undercooked dish on a chaotic night and a guest fell ill",
    },
  },
  {
    keywords: ["farmer", "farming", "rancher", "grower"],
    knowledge: [
      "crop rotation and soil health",
      "caring for livestock",
      "reading the weather",
      "repairing machinery",
    ],
    training: "learning the farm alongside your parents",
    attire: "work boots and a waxed jacket",
    careerStartAge: 18,
    career: {
      first: "you ran the harvest on your own for the first time",
      everyday: "you sat up all night with a calving cow during a storm",
      pride: "you brought a failing field back to life with patient crop rotation",
      shame: "you lost a whole season's crop after ignoring a frost warning",
    },
  },
  {
    keywords: ["musician", "singer", "guitarist", "pianist", "composer", "drummer"],
    knowledge: [
      "music theory and arranging",
      "performing live",
      "recording and mixing",
      "the business of gigs",
    ],
    training: "music college",
    attire: "black clothes and a battered instrument case",
    career: {
      first: "you played your first paid gig to eleven people in a bar",
      everyday: "you spent a summer touring in a van with a broken heater",
      pride: "you played a sold-out hall and the audience sang your song back to you",
      shame: "you froze on stage and forgot the words to your own song",
    },
  },
  {
    keywords: ["lawyer", "attorney", "solicitor", "barrister", "paralegal"],
    knowledge: ["contract law", "courtroom procedure", "negotiation", "reading the fine print"],
    training: "law school",
    attire: "tailored suits",
    career: {
      first: "you argued your first case in court, hands shaking under the desk",
      everyday: "you worked through the night on a merger that fell through anyway",
      pride: "you won a case for a tenant everyone said could not win",
      shame: "you missed a filing deadline and a client paid the price",
    },
  },
  {
    keywords: ["student", "pupil", "undergraduate"],
    knowledge: [
      "studying and exam technique",
      "campus life",
      "making a small budget stretch",
      "group projects",
    ],
    training: "university",
    attire: "jeans and a backpack",
    careerStartAge: 18,
    career: {
      first: "you moved into student halls and met your first flatmates",
      everyday: "you worked evenings in a café to pay the rent",
      pride: "you got the top mark in your year for a project you loved",
      shame: "you copied part of an essay and were caught",
    },
  },
  {
    keywords: ["artist", "painter", "designer", "illustrator", "photographer"],
    knowledge: ["colour and composition", "working with clients", "creative tools", "pricing your own work"],
    training: "art school",
    attire: "paint-flecked clothes",
    career: {
      first: "you sold your first piece to a stranger",
      everyday: "you shared a cold studio with three other artists",
      pride: "your work was shown in a gallery exhibition",
      shame: "you passed off a friend's idea as your own in a pitch",
    },
  },
  {
    keywords: ["driver", "trucker", "courier", "pilot"],
    knowledge: [
      "the roads and shortcuts of the region",
      "vehicle maintenance",
      "schedules and logistics",
      "staying alert on long shifts",
    ],
    training: "your licence and training",
    attire: "a company fleece and sunglasses",
    career: {
      first: "you did your first long-haul run alone",
      everyday: "you drove through a snowstorm to deliver on time",
      pride: "you kept a clean record for ten years straight",
      shame: "you fell asleep at the wheel for a second and woke up on the hard shoulder",
    },
  },
  {
    keywords: ["accountant", "bookkeeper", "auditor", "banker", "analyst"],
    knowledge: ["bookkeeping and tax rules", "budgeting", "audits", "spreadsheet modelling"],
    training: "your accountancy exams",
    attire: "neat shirts and reading glasses",
    career: {
      first: "you closed your first set of year-end accounts",
      everyday: "you survived a tax season of fourteen-hour days",
      pride: "you uncovered a fraud that had fooled two previous audits",
      shame: "a spreadsheet error of yours cost a client a penalty",
    },
  },
];

/**
 * A noun with its indefinite article, by spelling (good enough for occupations).
 *
 * @example withArticle("engineer") // "an engineer"
 */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}

/** For occupations the table does not know: knowledge phrased from the occupation itself. */
export function buildGenericProfile(occupation: string): OccupationProfile {
  return {
    keywords: [],
    knowledge: [
      `the day-to-day craft of being ${withArticle(occupation)}`,
      "the people you work with",
      "practical problem solving",
    ],
    training: `training as ${withArticle(occupation)}`,
    attire: "practical everyday clothes",
    career: {
      first: `you started your first job as ${withArticle(occupation)}`,
      everyday: "you worked through a hard year when the business nearly closed",
      pride: "your work was praised in front of everyone by someone you admired",
      shame: "you took credit for a colleague's idea and never owned up",
    },
  };
}

/**
 * The profile for an occupation: the first whose keyword it contains as a whole word, else generic.
 *
 * @example findOccupationProfile("ICU Nurse").training // "nursing school"
 */
export function findOccupationProfile(occupation: string): OccupationProfile {
  const words = ` ${occupation.toLowerCase().replace(/[^a-z]+/g, " ")} `;
  const found = OCCUPATION_PROFILES.find((profile) =>
    profile.keywords.some((keyword) => words.includes(` ${keyword} `)),
  );
  return found ?? buildGenericProfile(occupation.trim() || "worker");
}

export const TRAITS = [
  "curious",
  "warm",
  "stubborn",
  "patient",
  "anxious",
  "witty",
  "practical",
  "idealistic",
  "reserved",
  "generous",
  "ambitious",
  "sceptical",
  "loyal",
  "impulsive",
  "meticulous",
  "easygoing",
  "competitive",
  "empathetic",
  "blunt",
  "dreamy",
] as const;

export interface CommunicationStyle {
  /** A noun phrase that follows "talks with": "short, direct sentences that waste no words". */
  manner: string;
  dayReply: string;
  workReply: string;
}

/** `{occupation}`, `{a_occupation}` (with its article) and `{knowledge}` are filled in by the generator. */
export const COMMUNICATION_STYLES: readonly CommunicationStyle[] = [
  {
    manner: "short, direct sentences that waste no words",
    dayReply: "Long. Good, though. You?",
    workReply: "I'm {a_occupation}. Mostly {knowledge}. Someone has to.",
  },
  {
    manner: "warm, chatty little stories and plenty of questions back",
    dayReply: "Oh, busy! But there was this one lovely moment at lunch, I'll tell you. How was yours?",
    workReply: "I'm {a_occupation}! Honestly the best part is {knowledge}. What about you, what do you do?",
  },
  {
    manner: "a dry, understated humour that deflects compliments",
    dayReply: "Nothing caught fire, so I'm calling it a triumph.",
    workReply: "{occupation}. It's mostly {knowledge}, and pretending that's glamorous.",
  },
  {
    manner: "thoughtful, precise words, chosen carefully",
    dayReply: "Productive, on balance. A few things went less well than I'd hoped, but I learned from them.",
    workReply: "I work as {a_occupation}. The part that takes real skill is {knowledge}.",
  },
  {
    manner: "energetic enthusiasm, quick to get excited",
    dayReply: "Amazing!! Got so much done. Ask me anything!",
    workReply: "I'm {a_occupation} and I love it! Ask me about {knowledge} and I'll never stop!",
  },
  {
    manner: "a gentle, reassuring calm, slow to judge",
    dayReply: "Quiet, which I needed. How are you doing, really?",
    workReply: "I'm {a_occupation}. A lot of it is {knowledge}, and a lot of it is just listening.",
  },
];

export const HOMETOWNS = [
  "a small town outside {location}",
  "a fishing village on the coast",
  "a busy suburb",
  "a farming village in the hills",
  "a grey industrial town",
];
export const FRIEND_NAMES = [
  "Marta",
  "Tomás",
  "Lena",
  "Sam",
  "Priya",
  "Jonas",
  "Inês",
  "Kofi",
  "Rosa",
  "Mateo",
  "Yuki",
  "Niamh",
];
export const SIBLINGS = [
  "your older sister",
  "your younger brother",
  "your older brother",
  "your younger sister",
  "your cousin",
];
export const HOBBIES = [
  "running",
  "pottery",
  "chess",
  "gardening",
  "swimming in the sea",
  "the guitar",
  "birdwatching",
];
export const HAIR = ["black", "dark brown", "chestnut", "auburn", "sandy", "blonde", "curly dark"];
export const EYES = ["brown", "hazel", "green", "grey", "blue", "dark"];
export const BUILDS = [
  "a slight build",
  "a sturdy build",
  "a tall, lanky frame",
  "an athletic build",
  "a soft, round face",
];
