/**
 * The retrieval-quality dataset, built deterministically from one seed: one persona that has talked with
 * 50 simulated users over nearly two years. Per user, the memories a long conversation would leave: small
 * talk, near misses, and 21 facts stated in varied phrasings (two of them since outdated); and four
 * questions whose answers are one or two of those memories, worded apart from them. The persona also has
 * its own timeline, which every user's search sees. bench/README.md describes it in full.
 *
 * @example const dataset = createRecallDataset(); // 50 users, 200 questions
 */
import type { MemoryDraft, MemoryOwner } from "../src/memory/memory.ts";
import { createRandom } from "./conversation-fixtures.ts";
import { createLatencyMemoryStream } from "./latency-memories.ts";
import { randomInteger, type Random } from "./random-choice.ts";
import { writeDistractors } from "./recall-distractors.ts";
import {
  QUESTION_CATEGORIES,
  writeEvidenceMemories,
  writeQuestion,
  type FactMemory,
  type QuestionCategory,
  type Told,
} from "./recall-facts.ts";
import { createUserProfile, type UserProfile } from "./recall-profiles.ts";

export interface RecallDatasetSettings {
  seed: number;
  users: number;
  smallTalkPerUser: number;
  nearMissesPerUser: number;
  /** The persona's own memories, visible to every user. */
  timelineMemories: number;
  /** Questions per user: every category but one, rotating, so each category gets the same count. */
  questionsPerUser: number;
}

export const DEFAULT_RECALL_SETTINGS: Readonly<RecallDatasetSettings> = Object.freeze({
  seed: 20261122,
  users: 50,
  smallTalkPerUser: 150,
  nearMissesPerUser: 50,
  timelineMemories: 500,
  questionsPerUser: 4,
});

export type MemoryRole = "evidence" | "stale" | "near miss" | "small talk" | "persona timeline";

export interface DatasetMemory {
  /** `u7:pet`, `u7:d42`, `t:13`: what questions point at. */
  key: string;
  /** The simulated user it is about; null for the persona's timeline. */
  userIndex: number | null;
  owner: MemoryOwner;
  role: MemoryRole;
  draft: MemoryDraft;
  createdAt: Date;
  updatedAt: Date;
}

export interface DatasetQuestion {
  id: string;
  userIndex: number;
  category: QuestionCategory;
  question: string;
  evidenceKeys: string[];
}

export interface RecallDataset {
  settings: RecallDatasetSettings;
  users: UserProfile[];
  memories: DatasetMemory[];
  questions: DatasetQuestion[];
}

/** The conversations run from here to HISTORY_TO; the benchmark's "now" is two days later. */
const HISTORY_FROM = Date.UTC(2025, 0, 1);
const HISTORY_TO = Date.UTC(2026, 10, 20);
const MILLISECONDS_PER_DAY = 86_400_000;
/** Share of memories met again later in the conversation, which restarts their recency. */
const REINFORCED_SHARE = 0.15;

/** Builds the whole dataset; the same settings always give the same dataset. */
export function createRecallDataset(
  settings: RecallDatasetSettings = DEFAULT_RECALL_SETTINGS,
): RecallDataset {
  const random = createRandom(settings.seed);
  const users = Array.from({ length: settings.users }, (_, index) => createUserProfile(index, random));
  const memories: DatasetMemory[] = [];
  const questions: DatasetQuestion[] = [];
  for (const user of users) {
    memories.push(...writeUserMemories(user, settings, random));
    questions.push(...writeUserQuestions(user, settings, random));
  }
  memories.push(...writeTimeline(settings, random));
  return { settings, users, memories, questions };
}

function writeUserMemories(
  user: UserProfile,
  settings: RecallDatasetSettings,
  random: Random,
): DatasetMemory[] {
  const evidence = writeEvidenceMemories(user, random).map((fact) => toEvidenceMemory(user, fact, random));
  const distractors = writeDistractors({
    smallTalk: settings.smallTalkPerUser,
    nearMisses: settings.nearMissesPerUser,
    random,
  }).map((distractor, index): DatasetMemory => {
    const createdAt = pickToldTime("any time", random);
    return {
      key: `u${user.index}:d${index}`,
      userIndex: user.index,
      owner: "relationship",
      role: distractor.nearMiss ? "near miss" : "small talk",
      draft: buildDraft({ ...distractor, eventTime: null }, random),
      createdAt,
      updatedAt: pickUpdatedTime(createdAt, random),
    };
  });
  return [...evidence, ...distractors];
}

function toEvidenceMemory(user: UserProfile, fact: FactMemory, random: Random): DatasetMemory {
  const createdAt = pickToldTime(fact.told, random);
  return {
    key: `u${user.index}:${fact.slot}`,
    userIndex: user.index,
    owner: "relationship",
    role: fact.stale ? "stale" : "evidence",
    draft: buildDraft(fact, random),
    createdAt,
    updatedAt: pickUpdatedTime(createdAt, random),
  };
}

/**
 * Strength is drawn the same way for every memory, evidence or not, so importance gives the evidence no
 * head start: the ranking has to find it by its words.
 */
function buildDraft(
  memory: { facts: string; feelings: string; emotionTags: string[]; eventTime: Date | null },
  random: Random,
): MemoryDraft {
  return {
    facts: memory.facts,
    feelings: memory.feelings,
    emotion_tags: memory.emotionTags,
    interpretation: "",
    type: "normal",
    strength: randomInteger(20, 90, random),
    event_time: memory.eventTime?.toISOString() ?? null,
    sequence: null,
    revises: null,
  };
}

/** When a memory was told: anywhere in the history, in its first 30 % or last 40 %, or just after an event. */
function pickToldTime(told: Told, random: Random): Date {
  const span = HISTORY_TO - HISTORY_FROM;
  if (told === "early") return new Date(HISTORY_FROM + random() * span * 0.3);
  if (told === "late") return new Date(HISTORY_TO - random() * span * 0.4);
  if (told === "any time") return new Date(HISTORY_FROM + random() * span);
  return new Date(Math.min(HISTORY_TO, told.after.getTime() + random() * 3 * MILLISECONDS_PER_DAY));
}

function pickUpdatedTime(createdAt: Date, random: Random): Date {
  if (random() >= REINFORCED_SHARE) return createdAt;
  return new Date(createdAt.getTime() + random() * (HISTORY_TO - createdAt.getTime()));
}

/** Every category but one per user (rotating), so the categories get equal counts. */
function writeUserQuestions(
  user: UserProfile,
  settings: RecallDatasetSettings,
  random: Random,
): DatasetQuestion[] {
  const categories = QUESTION_CATEGORIES.filter(
    (_, index) => index !== user.index % QUESTION_CATEGORIES.length,
  );
  return categories.slice(0, settings.questionsPerUser).map((category, index) => {
    const question = writeQuestion(user, category, random);
    return {
      id: `q${user.index}.${index}`,
      userIndex: user.index,
      category,
      question: question.question,
      evidenceKeys: question.evidenceSlots.map((slot) => `u${user.index}:${slot}`),
    };
  });
}

/** The persona's own life, written like the latency benchmark's timeline memories. */
function writeTimeline(settings: RecallDatasetSettings, random: Random): DatasetMemory[] {
  const next = createLatencyMemoryStream({
    random,
    userId: null,
    now: new Date(HISTORY_TO),
    relationshipShare: 0,
  });
  return next(settings.timelineMemories).map((memory, index) => ({
    key: `t:${index}`,
    userIndex: null,
    owner: "timeline",
    role: "persona timeline",
    draft: memory.draft,
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
  }));
}
