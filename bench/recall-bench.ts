/**
 * Retrieval quality: loads the recall dataset (recall-dataset.ts) into one persona, asks every question
 * through `MemoryRetrieval.search` as its user (k = 10), and measures recall@5 and recall@10 of the
 * evidence, per question category. Also measured, to explain the figures: the same questions through the
 * full-text search alone (`MemoryRepository.searchText`, no salient candidates, no importance or recency).
 */
import type { MemoryRow } from "../src/store/schema.ts";
import { DEFAULT_TENANT_ID } from "../src/services/tenant-service.ts";
import {
  createBenchPersona,
  openBenchDatabase,
  type BackendName,
  type BenchDatabase,
} from "./memory-bench-database.ts";
import { createRandom } from "./conversation-fixtures.ts";
import { insertMemoryRows, toMemoryRow } from "./memory-rows.ts";
import { shuffle } from "./random-choice.ts";
import { createRecallDataset, type DatasetQuestion, type RecallDataset } from "./recall-dataset.ts";
import type { QuestionCategory } from "./recall-facts.ts";
import { sharesContentWord } from "./word-overlap.ts";

const K = 10;

/** How one question fared. */
export interface QuestionOutcome {
  question: DatasetQuestion;
  sharesWords: boolean;
  /** Evidence found in the top 5 and top 10 of the search, and in the top 10 of full-text search alone. */
  foundAt5: number;
  foundAt10: number;
  foundByFullText: number;
  /** What the search returned first, for examples of misses. */
  topFacts: string[];
  evidenceFacts: string[];
}

export interface RecallGroup {
  label: string;
  questions: number;
  evidence: number;
  recallAt5: number;
  recallAt10: number;
  /** Share of questions with every evidence memory in the top 10. */
  completeAt10: number;
  fullTextRecallAt10: number;
  /** Share of questions that share a content word with their evidence. */
  sharingWords: number;
}

export interface RecallResult {
  backend: BackendName;
  /** Memories a question's search may see: its user's plus the persona's timeline (mean over users). */
  visibleMemories: number;
  totalMemories: number;
  byCategory: RecallGroup[];
  byOverlap: RecallGroup[];
  overall: RecallGroup;
  outcomes: QuestionOutcome[];
}

export interface RecallOptions {
  /** Changes each question before it is searched (experiments only: the benchmark asks them as written). */
  rewriteQuery?: (question: string) => string;
}

/** Builds the dataset into a fresh database of the backend and evaluates every question. */
export async function runRecallBenchmark(
  backend: BackendName,
  options: RecallOptions = {},
): Promise<RecallResult> {
  const rewriteQuery = options.rewriteQuery ?? ((question: string) => question);
  const dataset = createRecallDataset();
  const database = await openBenchDatabase(backend);
  try {
    const personaId = await createBenchPersona(database.services, "longest");
    const { userIds, idsByKey, rowsById } = await loadDataset(database, personaId, dataset);
    const outcomes: QuestionOutcome[] = [];
    for (const question of dataset.questions) {
      const userId = userIds[question.userIndex] as string;
      const query = rewriteQuery(question.question);
      outcomes.push(await askQuestion({ database, personaId, userId, question, query, idsByKey, rowsById }));
    }
    const totalMemories = dataset.memories.length;
    const timeline = dataset.memories.filter((memory) => memory.userIndex === null).length;
    return {
      backend,
      visibleMemories: timeline + (totalMemories - timeline) / dataset.users.length,
      totalMemories,
      byCategory: groupOutcomes(outcomes, (outcome) => outcome.question.category),
      byOverlap: groupOutcomes(outcomes, (outcome) =>
        outcome.sharesWords ? "shares a content word" : "shares no content word",
      ),
      overall: summarizeGroup("all questions", outcomes),
      outcomes,
    };
  } finally {
    await database.close();
  }
}

async function loadDataset(database: BenchDatabase, personaId: string, dataset: RecallDataset) {
  const { services } = database;
  const userIds: string[] = [];
  for (const user of dataset.users) {
    userIds.push((await services.users.resolve(DEFAULT_TENANT_ID, `recall-user-${user.index}`)).id);
  }
  const idsByKey = new Map<string, string>();
  const rowsById = new Map<string, MemoryRow>();
  // Ids are time-ordered, and ties in a text score fall back to id order: inserted in dataset order, the
  // evidence (written first for each user) would win every tie. Shuffled, ids say nothing about roles.
  const shuffled = shuffle(dataset.memories, createRandom(dataset.settings.seed + 1));
  const rows = shuffled.map((memory) => {
    const userId = memory.userIndex === null ? null : (userIds[memory.userIndex] as string);
    const row = toMemoryRow({ tenantId: DEFAULT_TENANT_ID, personaId, memory: { ...memory, userId } });
    idsByKey.set(memory.key, row.id);
    rowsById.set(row.id, row);
    return row;
  });
  await insertMemoryRows(services.store, rows);
  await database.refreshStatistics();
  return { userIds, idsByKey, rowsById };
}

async function askQuestion(options: {
  database: BenchDatabase;
  personaId: string;
  userId: string;
  question: DatasetQuestion;
  /** What is searched: the question as asked, unless an experiment rewrites it. */
  query: string;
  idsByKey: Map<string, string>;
  rowsById: Map<string, MemoryRow>;
}): Promise<QuestionOutcome> {
  const { database, personaId, userId, question, query, idsByKey, rowsById } = options;
  const evidenceIds = question.evidenceKeys.map((key) => idsByKey.get(key) as string);
  const ranked = await database.services.memoryRetrieval.search({
    tenantId: DEFAULT_TENANT_ID,
    personaId,
    query,
    k: K,
    userId,
  });
  const fullText = await database.services.store.memories.searchText(personaId, {
    userId,
    query,
    limit: K,
  });
  const rankedIds = ranked.map((entry) => entry.memory.id);
  const countFound = (ids: string[]) => evidenceIds.filter((id) => ids.includes(id)).length;
  const evidenceFacts = evidenceIds.map((id) => rowsById.get(id)?.facts ?? "");
  return {
    question,
    sharesWords: sharesContentWord(
      question.question,
      evidenceIds.map((id) => rowsById.get(id)?.search_text ?? ""),
    ),
    foundAt5: countFound(rankedIds.slice(0, 5)),
    foundAt10: countFound(rankedIds),
    foundByFullText: countFound(fullText.map((match) => match.row.id)),
    topFacts: ranked.slice(0, 3).map((entry) => entry.memory.facts),
    evidenceFacts,
  };
}

function groupOutcomes(
  outcomes: QuestionOutcome[],
  labelOf: (outcome: QuestionOutcome) => QuestionCategory | string,
): RecallGroup[] {
  const groups = new Map<string, QuestionOutcome[]>();
  for (const outcome of outcomes) {
    const label = labelOf(outcome);
    groups.set(label, [...(groups.get(label) ?? []), outcome]);
  }
  return [...groups].map(([label, members]) => summarizeGroup(label, members));
}

/** Recall averaged per question: each question counts once, whether it has one evidence memory or two. */
function summarizeGroup(label: string, outcomes: QuestionOutcome[]): RecallGroup {
  const mean = (valueOf: (outcome: QuestionOutcome) => number) =>
    outcomes.reduce((total, outcome) => total + valueOf(outcome), 0) / outcomes.length;
  const evidenceCount = (outcome: QuestionOutcome) => outcome.question.evidenceKeys.length;
  return {
    label,
    questions: outcomes.length,
    evidence: outcomes.reduce((total, outcome) => total + evidenceCount(outcome), 0),
    recallAt5: mean((outcome) => outcome.foundAt5 / evidenceCount(outcome)),
    recallAt10: mean((outcome) => outcome.foundAt10 / evidenceCount(outcome)),
    completeAt10: mean((outcome) => (outcome.foundAt10 === evidenceCount(outcome) ? 1 : 0)),
    fullTextRecallAt10: mean((outcome) => outcome.foundByFullText / evidenceCount(outcome)),
    sharingWords: mean((outcome) => (outcome.sharesWords ? 1 : 0)),
  };
}
