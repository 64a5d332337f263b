/**
 * Words the benchmark memories and queries are made of, and two small text helpers. Each list is ordered
 * from common to rare: `pickSkewed` picks its head often and its tail seldom, so some query words match
 * thousands of memories and others a handful, as in a real persona's memory.
 */

/** A comma-separated list as an array: keeps the long word lists compact and easy to edit. */
export function listOf(text: string): readonly string[] {
  return text.split(", ");
}

/** The noun phrase with "a" or "an", by its first letter (good enough for these lists). */
export function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? "an" : "a"} ${phrase}`;
}

export const PEOPLE = listOf(
  "Sam, Alex, Maria, Tom, Lena, David, Sofia, James, Nina, Leo, Emma, Daniel, Clara, Ben, " +
    "Hannah, Marco, Julia, Oliver, Rosa, Felix, Grace, Hugo, Ines, Jonas, Kate, Lucas, Mei, Noah, " +
    "Olga, Pablo, Quinn, Ruth, Simon, Tara, Umar, Vera, Walter, Xenia, Yusuf, Zoe, Aisha, Bruno, " +
    "Chloe, Dmitri, Elif, Farah, Gustav, Helga, Ivan, Jasmin, Kenji, Lior, Magnus, Nadia, Omar, " +
    "Petra, Rafael, Saoirse, Tobias, Ulla, Viktor, Wanda, Yara, Zeynep, Anouk, Bartek, Cosima, " +
    "Dagny, Emeka, Fintan, Giedre, Hamish, Ilse, Jovan, Kalani, Ludmila, Mateus, Niamh, Oskar, " +
    "Priyanka, Radek, Sunniva, Teodor, Ulrike, Vesna, Wilhelmina, Ximena, Yevgenia, Zbigniew, " +
    "Aurelio, Brigitta, Casimir, Dorotea, Evander, Fenella, Gwendolyn, Horatio, Isolde, Jarvis, " +
    "Kasimir, Leopoldina, Mordecai, Nerys, Ottilie, Peregrine, Rosalind, Thaddeus, Ursula, " +
    "Valentin, Wystan, Ysolde, Zephyrine",
);

export const RELATIONS = listOf(
  "friend, sister, brother, mother, colleague, neighbour, father, cousin, boss, flatmate, aunt, " +
    "uncle, grandmother, godson, stepfather, mentor, landlady",
);

export const PLACES = listOf(
  "the park, the office, the market, the beach, the gym, the station, the library, the cafe, " +
    "the river, the harbour, the old town, the bakery, the hospital, the school, the cinema, " +
    "Lisbon, Berlin, Glasgow, Porto, Oslo, Dublin, Vienna, Kyoto, Montreal, Krakow, the allotment, " +
    "the climbing wall, the night market, the lighthouse, the ferry terminal, " +
    "the botanical garden, the flea market, the ice rink, the observatory, the vineyard, " +
    "the boathouse, the planetarium, the quarry, the monastery, the lido, Tromso, Ljubljana, " +
    "Valparaiso, Zanzibar, Reykjavik, Tbilisi, Hobart, Oaxaca, Timbuktu, Ushuaia, " +
    "the greenhouse on Alder Lane, the pawnshop on Quay Street, the velodrome, the apiary, " +
    "the cartography museum, the sauna by the fjord, the bell foundry, the salt marsh",
);

export const ACTIVITIES = listOf(
  "walking, cooking dinner, reading, working late, running, shopping, cleaning the flat, " +
    "watching a film, swimming, gardening, painting the kitchen, baking bread, cycling, " +
    "studying for an exam, playing chess, hiking, fishing, sketching, dancing, sailing, " +
    "knitting a scarf, repairing the bike, learning Portuguese, practising the cello, bouldering, " +
    "making pottery, birdwatching, foraging mushrooms, restoring a chair, brewing cider, " +
    "calligraphy, kayaking, stargazing, bookbinding, beekeeping, fencing, origami, glassblowing, " +
    "falconry, letterpress printing, orienteering, taxidermy",
);

export const OBJECTS = listOf(
  "phone, car, book, letter, bike, jacket, umbrella, laptop, camera, guitar, keys, photo, ring, " +
    "watch, notebook, plant, lamp, suitcase, map, painting, kettle, scarf, mug, blanket, radio, " +
    "telescope, compass, typewriter, accordion, hammock, sextant, gramophone, harmonica, " +
    "kaleidoscope, metronome, samovar, barometer, abacus, hourglass, tambourine, ukulele, zither, " +
    "astrolabe, theodolite, bandoneon",
);

export const FOODS = listOf(
  "pizza, pasta, soup, salad, curry, cake, sandwiches, sushi, tacos, ramen, pancakes, stew, " +
    "dumplings, paella, risotto, falafel, pho, lasagne, goulash, pierogi, moussaka, bibimbap, " +
    "ceviche, shakshuka, laksa, jollof rice, haggis, borscht, tagine, okonomiyaki, khachapuri, " +
    "feijoada, smorrebrod, injera, pastel de nata",
);

export const FEELINGS = listOf(
  "happy, tired, calm, excited, worried, proud, sad, relieved, nervous, grateful, lonely, " +
    "hopeful, frustrated, amused, nostalgic, restless, embarrassed, content, overwhelmed, curious, " +
    "wistful, elated, apprehensive, serene, indignant",
);

export const TIMES = listOf(
  "last weekend, yesterday, on Sunday, last week, this morning, on Friday night, last month, " +
    "in the summer, over the holidays, on Tuesday evening, last spring, in January, " +
    "on her birthday, after work, during the storm, at dawn, on the long weekend, in October",
);

export const TOPICS = listOf(
  "work, money, the weekend, family, holidays, moving house, the new job, health, " +
    "a job interview, the wedding, sleep, the garden, an old friend, school, the neighbours, " +
    "the night shift, a promotion, the car repairs, learning to drive, the rent going up, " +
    "a broken tooth, the football final, a pen pal, the family recipe book, jury duty, " +
    "the inheritance, a marathon, the tax return, a lost cat, the village fete",
);

/** Words with no match anywhere in the memories: a query of only these finds nothing by text. */
export const UNSEEN_WORDS = listOf(
  "quasar, zeppelin, marzipan, kerfuffle, pergola, gazebo, yodel, tundra, fjordland, snorkel, " +
    "trombone, lozenge",
);
