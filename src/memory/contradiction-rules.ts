import type { Memory } from "./memory.ts";
import { normalizeText } from "./memory-text.ts";

/** One slot of knowledge a sentence fills: whose, what about, and the value it gives. */
interface Claim {
  key: string;
  value: string;
}

const LIKE = "(?:loves?|likes?|enjoys?|adores?)";
const DISLIKE =
  "(?:hates?|dislikes?|detests?|loathes?|can't stand|cannot stand|(?:do|does)(?: not|n't) like)";
const SUBJECT = "(?:the user|i|he|she|they)";

const CLAIM_PATTERNS: { pattern: RegExp; claim: (match: RegExpExecArray) => Claim }[] = [
  {
    pattern: new RegExp(`^${SUBJECT} ${LIKE} (.+)$`, "i"),
    claim: (match) => ({ key: `preference:${normalizeText(match[1] as string)}`, value: "like" }),
  },
  {
    pattern: new RegExp(`^${SUBJECT} ${DISLIKE} (.+)$`, "i"),
    claim: (match) => ({ key: `preference:${normalizeText(match[1] as string)}`, value: "dislike" }),
  },
  {
    pattern: /^(?:the user's|my|his|her|their) name is (.+)$/i,
    claim: (match) => ({ key: "name", value: normalizeText(match[1] as string) }),
  },
  {
    pattern: /^(?:the user was|i was|he was|she was|they were) born in ([^,]+?)(?:,? (?:in|on) .+)?$/i,
    claim: (match) => ({ key: "birthplace", value: normalizeText(match[1] as string) }),
  },
  {
    pattern: /^(?:the user|i|he|she|they) grew up in ([^,]+?)(?:,? .+)?$/i,
    claim: (match) => ({ key: "hometown", value: normalizeText(match[1] as string) }),
  },
];

function claimOf(memory: Memory): Claim | null {
  const sentence = memory.facts
    .trim()
    .replace(/’/g, "'")
    .replace(/[.!]+$/, "");
  for (const { pattern, claim } of CLAIM_PATTERNS) {
    const match = pattern.exec(sentence);
    if (match) return claim(match);
  }
  return null;
}

/** Two memories linked by a revision are a correction, not a contradiction. */
function linked(left: Memory, right: Memory): boolean {
  return left.revises === right.id || right.revises === left.id;
}

/**
 * Contradictions the rules can see without a model: two memories of the same owner that give different
 * values for one slot (a name, a birthplace, a home town, liking versus disliking a thing) and are not
 * linked by a revision.
 *
 * @example findRuleContradictions([love, hate]) // [{ memory_ids: [love.id, hate.id], message: "…" }]
 */
export function findRuleContradictions(
  memories: readonly Memory[],
): { memory_ids: string[]; message: string }[] {
  const superseded = new Set(memories.flatMap((memory) => (memory.revises ? [memory.revises] : [])));
  const bySlot = new Map<string, { memory: Memory; claim: Claim }[]>();
  for (const memory of memories) {
    if (superseded.has(memory.id)) continue;
    const claim = claimOf(memory);
    if (!claim) continue;
    const slot = `${memory.owner}|${memory.user_id ?? ""}|${claim.key}`;
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), { memory, claim }]);
  }
  const findings: { memory_ids: string[]; message: string }[] = [];
  for (const entries of bySlot.values()) {
    for (let left = 0; left < entries.length; left++) {
      for (let right = left + 1; right < entries.length; right++) {
        const a = entries[left] as { memory: Memory; claim: Claim };
        const b = entries[right] as { memory: Memory; claim: Claim };
        if (a.claim.value === b.claim.value || linked(a.memory, b.memory)) continue;
        findings.push({
          memory_ids: [a.memory.id, b.memory.id],
          message: `"${a.memory.facts}" contradicts "${b.memory.facts}" (${a.claim.key.replace(":", ": ")})`,
        });
      }
    }
  }
  return findings;
}
