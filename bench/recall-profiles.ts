/**
 * The simulated users of the recall dataset: who each one is (name, pet, job, homes, family, tastes,
 * dated events), drawn from the lists below with a seeded generator, so the same seed always gives the
 * same 50 people.
 */
import { listOf } from "./memory-vocabulary.ts";
import { pickDistinct, pickOne, randomInteger, type Random } from "./random-choice.ts";

export interface PetProfile {
  /** The word a user would ask with ("my dog"); the stored memory may name only the breed. */
  species: string;
  kind: string;
  name: string;
}

export interface JobProfile {
  title: string;
  place: string;
}

export interface MusicProfile {
  name: string;
  /** How a question would refer to it: band, singer, DJ... */
  kind: string;
}

export type EventKind =
  "half marathon" | "trip" | "concert" | "driving test" | "surgery" | "wedding" | "skydive" | "exhibition";

export interface EventProfile {
  kind: EventKind;
  date: Date;
  /** The event's particular: the city, destination, band, hospital, cousin or gallery city. */
  detail: string;
}

export interface UserProfile {
  index: number;
  name: string;
  pet: PetProfile;
  oldJob: JobProfile;
  job: JobProfile;
  oldHome: string;
  home: string;
  hometown: string;
  partner: { relation: string; name: string; years: number };
  sibling: { relation: "sister" | "brother"; name: string; city: string; job: string };
  dish: string;
  dislike: string;
  hobby: HobbyProfile;
  allergen: string;
  car: string;
  music: MusicProfile;
  birthday: { month: number; day: number };
  events: EventProfile[];
}

export interface HobbyProfile {
  /** Ways a memory states the hobby, as a predicate after "The user". */
  statements: readonly string[];
}

const NAMES = listOf(
  "Ana, Ben, Chiara, Dev, Eilidh, Farid, Greta, Hiro, Ilona, Jamal, Keira, Luis, Maren, Nikhil, " +
    "Orla, Pieter, Rania, Sven, Tamsin, Uche, Valeria, Wen, Yasmin, Zach, Aoife, Bilal, Carmen, " +
    "Dara, Esme, Florin, Gaia, Hassan, Iris, Joaquin, Kirsty, Lars, Mina, Nathan, Odile, Piotr, " +
    "Rhiannon, Stefan, Thandi, Ugo, Vivian, Wiktor, Ximena, Yusra, Zoltan, Amara",
);
const PET_KINDS: readonly Omit<PetProfile, "name">[] = [
  { species: "dog", kind: "beagle" },
  { species: "dog", kind: "golden retriever" },
  { species: "dog", kind: "border collie" },
  { species: "dog", kind: "dachshund" },
  { species: "dog", kind: "greyhound" },
  { species: "dog", kind: "pug" },
  { species: "cat", kind: "tabby" },
  { species: "cat", kind: "Siamese" },
  { species: "cat", kind: "Maine Coon" },
  { species: "rabbit", kind: "lop-eared bunny" },
  { species: "parrot", kind: "African grey" },
  { species: "tortoise", kind: "Hermann's tortoise" },
];
const PET_NAMES = listOf(
  "Biscuit, Pepper, Mochi, Juniper, Otis, Waffles, Clementine, Rolo, Fig, Pickle, Nugget, Hazel, " +
    "Bramble, Pistachio, Turnip, Marmalade, Sprout, Gizmo",
);
const JOBS: readonly JobProfile[] = [
  { title: "nurse", place: "St Mary's hospital" },
  { title: "primary school teacher", place: "Oakfield Primary" },
  { title: "software developer", place: "a fintech startup" },
  { title: "pharmacist", place: "the chemist on the high street" },
  { title: "electrician", place: "Brightwire Services" },
  { title: "accountant", place: "a small audit firm" },
  { title: "barista", place: "Grindhouse Coffee" },
  { title: "architect", place: "Holloway and Partners" },
  { title: "paramedic", place: "the ambulance service" },
  { title: "librarian", place: "the central library" },
  { title: "chef", place: "an Italian restaurant called Nonna's" },
  { title: "graphic designer", place: "an advertising agency" },
  { title: "physiotherapist", place: "a sports clinic" },
  { title: "bus driver", place: "the city transport company" },
  { title: "veterinary nurse", place: "Riverside Vets" },
  { title: "data analyst", place: "an insurance company" },
];
const CITIES = listOf(
  "Lisbon, Manchester, Leeds, Bristol, Edinburgh, Cardiff, Porto, Rotterdam, Gothenburg, Lyon, " +
    "Bologna, Valencia, Seattle, Denver, Toronto, Melbourne, Galway, Aarhus, Bruges, Salzburg",
);
const HOMETOWNS = listOf(
  "Whitby, Tralee, Keswick, Penzance, Oban, Ludlow, Bantry, Kinsale, Alnwick, Tobermory, Dingle, " +
    "Rye, Clovelly, Hexham, Portree, Wexford",
);
const PARTNER_RELATIONS = listOf("wife, husband, partner, girlfriend, boyfriend, fiancee");
const PARTNER_NAMES = listOf(
  "Tom, Sara, Miguel, Helen, Kofi, Ingrid, Ravi, Lucy, Mateo, Freya, Idris, Nora, Jonah, Alice, " +
    "Emil, Priya",
);
const SIBLING_NAMES = {
  sister: listOf("Maya, Zara, Leila, Ruby, Elsa, Nadia"),
  brother: listOf("Callum, Owen, Finn, Arjun, Theo, Rory"),
} as const;
const SIBLING_JOBS = listOf(
  "dentist, firefighter, marine biologist, airline pilot, solicitor, carpenter, midwife, " +
    "journalist, police officer, landscape gardener, translator, optician",
);
const DISHES = listOf(
  "spicy Thai green curry, mushroom risotto, lamb tagine, salmon sushi, homemade lasagne, " +
    "chicken pho, potato pierogi, shakshuka, fish and chips, margherita pizza, tonkotsu ramen, " +
    "seafood paella, red lentil dhal, beef bourguignon",
);
const DISLIKES = listOf(
  "horror films, jazz, crowded beaches, reality TV, olives, cold weather, flying, karaoke, " +
    "board games, early mornings, musicals, camping, coriander, small talk at parties",
);
const HOBBIES: readonly HobbyProfile[] = [
  { statements: ["plays the cello in a community orchestra", "practises the cello most evenings"] },
  { statements: ["goes bouldering at the climbing gym every weekend", "is obsessed with indoor climbing"] },
  { statements: ["has taken up pottery and throws bowls on a wheel", "makes ceramic mugs at a studio"] },
  { statements: ["sings in a choir", "rehearses with a gospel choir on Thursdays"] },
  { statements: ["plays five-a-side football on Sundays", "is in an amateur football league"] },
  { statements: ["knits jumpers and scarves", "spends evenings knitting"] },
  { statements: ["grows vegetables on an allotment", "spends hours at the allotment tending tomatoes"] },
  { statements: ["paints watercolour landscapes", "is learning watercolour painting"] },
  { statements: ["goes wild swimming in the lake", "swims in the sea all year round"] },
  { statements: ["builds model railways", "is restoring a vintage model train set"] },
];
const ALLERGENS = listOf("peanuts, shellfish, sesame, eggs, kiwi fruit, tree nuts, strawberries");
const CARS = listOf(
  "red Fiat Panda, old Volvo estate, blue Toyota Yaris, silver Skoda Octavia, " +
    "second-hand Nissan Leaf, green Mini Cooper, white Volkswagen camper van, " +
    "battered Ford Fiesta",
);
const MUSIC: readonly MusicProfile[] = [
  { name: "Radiohead", kind: "band" },
  { name: "Fleetwood Mac", kind: "band" },
  { name: "Arctic Monkeys", kind: "band" },
  { name: "ABBA", kind: "band" },
  { name: "Nina Simone", kind: "singer" },
  { name: "Daft Punk", kind: "duo" },
  { name: "The Cure", kind: "band" },
  { name: "Taylor Swift", kind: "singer" },
  { name: "Bon Iver", kind: "band" },
  { name: "Fela Kuti", kind: "musician" },
  { name: "Joni Mitchell", kind: "singer" },
];
const EVENT_KINDS: readonly EventKind[] = [
  "half marathon",
  "trip",
  "concert",
  "driving test",
  "surgery",
  "wedding",
  "skydive",
  "exhibition",
];
const DESTINATIONS = listOf("Madeira, the Dolomites, Iceland, Crete, the Scottish Highlands, Norway");
const HOSPITALS = listOf("the Royal Infirmary, St Luke's, the county hospital, a private clinic");
const COUSINS = listOf("Hamza, Bethany, Luca, Siobhan, Marek, Ife");
/** Events fall between these dates; every user's events are in different months. */
const EVENTS_FROM = Date.UTC(2025, 0, 1);
const EVENT_MONTHS = 22;

function eventDetail(kind: EventKind, random: Random): string {
  switch (kind) {
    case "half marathon":
    case "exhibition":
      return pickOne(CITIES, random);
    case "trip":
      return pickOne(DESTINATIONS, random);
    case "concert":
      return pickOne(MUSIC, random).name;
    case "surgery":
      return pickOne(HOSPITALS, random);
    case "wedding":
      return pickOne(COUSINS, random);
    default:
      return "";
  }
}

/** Three events of different kinds, in three different months of 2025-2026. */
function createEvents(random: Random): EventProfile[] {
  const months = pickDistinct(
    Array.from({ length: EVENT_MONTHS }, (_, month) => month),
    3,
    random,
  );
  return pickDistinct(EVENT_KINDS, 3, random).map((kind, index) => {
    const start = new Date(EVENTS_FROM);
    start.setUTCMonth(start.getUTCMonth() + (months[index] as number));
    start.setUTCDate(randomInteger(1, 28, random));
    return { kind, date: start, detail: eventDetail(kind, random) };
  });
}

function createSibling(city: string, random: Random): UserProfile["sibling"] {
  const relation = random() < 0.5 ? "sister" : "brother";
  return {
    relation,
    name: pickOne(SIBLING_NAMES[relation], random),
    city,
    job: pickOne(SIBLING_JOBS, random),
  };
}

/** One simulated user; `index` also picks the name, so the 50 users have 50 different names. */
export function createUserProfile(index: number, random: Random): UserProfile {
  const [oldJob, job] = pickDistinct(JOBS, 2, random) as [JobProfile, JobProfile];
  const [oldHome, home, siblingCity] = pickDistinct(CITIES, 3, random) as [string, string, string];
  return {
    index,
    name: NAMES[index % NAMES.length] as string,
    pet: { ...pickOne(PET_KINDS, random), name: pickOne(PET_NAMES, random) },
    oldJob,
    job,
    oldHome,
    home,
    hometown: pickOne(HOMETOWNS, random),
    partner: {
      relation: pickOne(PARTNER_RELATIONS, random),
      name: pickOne(PARTNER_NAMES, random),
      years: randomInteger(2, 15, random),
    },
    sibling: createSibling(siblingCity, random),
    dish: pickOne(DISHES, random),
    dislike: pickOne(DISLIKES, random),
    hobby: pickOne(HOBBIES, random),
    allergen: pickOne(ALLERGENS, random),
    car: pickOne(CARS, random),
    music: pickOne(MUSIC, random),
    birthday: { month: randomInteger(0, 11, random), day: randomInteger(1, 28, random) },
    events: createEvents(random),
  };
}

/** The value lists, for distractors that mention the same kinds of things about other people. */
export const PROFILE_VALUES = {
  petKinds: PET_KINDS,
  petNames: PET_NAMES,
  jobs: JOBS,
  cities: CITIES,
  hometowns: HOMETOWNS,
  dishes: DISHES,
  dislikes: DISLIKES,
  allergens: ALLERGENS,
  cars: CARS,
  music: MUSIC,
  siblingJobs: SIBLING_JOBS,
  destinations: DESTINATIONS,
} as const;
