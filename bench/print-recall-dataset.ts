/**
 * Prints the recall dataset as JSON lines, to read or to reuse elsewhere:
 * `node --import tsx bench/print-recall-dataset.ts > recall-dataset.jsonl`.
 * One line per memory (`"kind":"memory"`), then one per question (`"kind":"question"`).
 */
import { createRecallDataset } from "./recall-dataset.ts";

const dataset = createRecallDataset();
for (const memory of dataset.memories) {
  process.stdout.write(
    `${JSON.stringify({
      kind: "memory",
      key: memory.key,
      user: memory.userIndex,
      owner: memory.owner,
      role: memory.role,
      facts: memory.draft.facts,
      feelings: memory.draft.feelings,
      emotion_tags: memory.draft.emotion_tags,
      strength: memory.draft.strength,
      event_time: memory.draft.event_time,
      created_at: memory.createdAt.toISOString(),
      updated_at: memory.updatedAt.toISOString(),
    })}\n`,
  );
}
for (const question of dataset.questions) {
  process.stdout.write(
    `${JSON.stringify({
      kind: "question",
      id: question.id,
      user: question.userIndex,
      category: question.category,
      question: question.question,
      evidence: question.evidenceKeys,
    })}\n`,
  );
}
