/**
 * Long conversations for the turn-time benchmark, written straight through the repositories in one
 * transaction per conversation: thousands of messages in well under a second, each stored the way the
 * app stores it (a claimed sequence number, the content and its token count).
 */
import { newId } from "../src/lib/ids.ts";
import { countTokens } from "../src/models/token-count.ts";
import type { MessageRow } from "../src/store/schema.ts";
import type { Store } from "../src/store/store.ts";

/** A message text with its token count, computed once. */
export interface FixtureMessage {
  content: string;
  tokens: number;
}

const SENTENCES = [
  "I finally tried that little bakery on the corner of Elm Street this morning.",
  "The sourdough was still warm, and the woman behind the counter remembered my name from last week.",
  "Work has been a lot lately; the quarterly review got moved up by two weeks without any warning.",
  "Do you ever feel like the days blur together when the weather stays grey for this long?",
  "My sister called last night and we talked for almost two hours about our grandmother's old house.",
  "I keep thinking about repainting the living room, maybe a soft green instead of this tired beige.",
  "What would you do with a free Saturday if nobody expected anything from you at all?",
  "The train was delayed again, so I read three chapters of that mystery novel you recommended.",
  "Honestly, I'm not sure the detective is as clever as the author wants us to believe.",
  "I went for a run along the river and saw a heron standing perfectly still in the shallows.",
  "It made me want to slow down for once and just watch the water for a while.",
  "Tell me something about your day, even if it was ordinary; I like hearing the small details.",
  "I burned the rice again, which is impressive given that the instructions are printed on the bag.",
  "We should plan that trip to the coast before the summer crowds arrive and the prices double.",
  "There is a concert in the park on Friday evening, a string quartet playing film music.",
  "I've been learning a few phrases in Portuguese, though my pronunciation still makes people smile.",
  "My neighbour's cat has decided that my balcony is now part of its territory.",
  "Sometimes I wonder whether I chose the right career, or just the one that was easiest at the time.",
  "That reminds me of the summer I spent working at the bookshop, sorting donations in the back room.",
  "Do you think people really change, or do we just get better at hiding our old habits?",
  "I made a list of things I want to do this year, and so far I have crossed off exactly one.",
  "The market had the first strawberries of the season, small and sweet and a bit overpriced.",
  "Let's talk about something lighter; my head is full of spreadsheets and meeting notes.",
  "I laughed so hard at the message you sent yesterday that my coworker asked if I was all right.",
  "I'm trying to get to bed earlier, but the evenings are the only quiet hours I have.",
  "Remember when we talked about learning to cook something new every week? I'm still on week one.",
  "The old cinema downtown is showing classic films on Sundays, and the tickets are only five dollars.",
  "I think I need a hobby that has nothing to do with screens, maybe pottery or gardening.",
  "My manager finally approved the time off, so I have a long weekend coming up in May.",
  "It rained all afternoon, and I spent most of it rearranging the bookshelf by colour.",
];

/** A deterministic pseudo-random generator (mulberry32), so every run builds the same conversations. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Message texts of 30 to 80 tokens (o200k, as Dramatis counts them), made of everyday chat sentences.
 *
 * @example const pool = createMessagePool({ size: 500, random: createRandom(1) });
 */
export function createMessagePool(options: { size: number; random: () => number }): FixtureMessage[] {
  const { size, random } = options;
  const pool: FixtureMessage[] = [];
  while (pool.length < size) {
    const target = 30 + Math.floor(random() * 51);
    const sentences: string[] = [];
    let tokens = 0;
    while (tokens < target) {
      sentences.push(SENTENCES[Math.floor(random() * SENTENCES.length)] as string);
      tokens = countTokens(sentences.join(" "));
    }
    if (tokens <= 80) {
      const content = sentences.join(" ");
      pool.push({ content, tokens });
    }
  }
  return pool;
}

/**
 * Writes a conversation's first `length` messages (alternating user and assistant, oldest first) in one
 * transaction, through the same repository calls the app uses.
 */
export async function fillConversation(options: {
  store: Store;
  conversationId: string;
  length: number;
  pool: readonly FixtureMessage[];
  random: () => number;
  /** The first message's time; each next one is a minute later. */
  startedAt: Date;
}): Promise<void> {
  const { store, conversationId, length, pool, random, startedAt } = options;
  await store.transaction(async (transaction) => {
    for (let index = 0; index < length; index++) {
      const message = pool[Math.floor(random() * pool.length)] as FixtureMessage;
      const createdAt = new Date(startedAt.getTime() + index * 60_000).toISOString();
      const role: MessageRow["role"] = index % 2 === 0 ? "user" : "assistant";
      await transaction.conversations.insertMessage({
        id: newId("msg"),
        conversation_id: conversationId,
        sequence: await transaction.conversations.claimSequence(conversationId, createdAt),
        role,
        content: message.content,
        status: "complete",
        user_persona: null,
        persona_version: 1,
        model: role === "assistant" ? "instant/fixed" : null,
        token_count: message.tokens,
        reply_to: null,
        error: null,
        alternative_of: null,
        chosen: 1,
        edited_at: null,
        created_at: createdAt,
      });
    }
  });
}
