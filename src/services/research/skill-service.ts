import { z } from "zod";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import {
  answerSpecSchema,
  checkSkillAnswer,
  scoringSchema,
  type AnswerSpec,
  type Scoring,
} from "../../research/answer-spec.ts";
import { checkPromptTemplate } from "../../research/prompt-template.ts";
import type { Page, PageRequest } from "../../store/pagination.ts";
import type { SkillRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { NotFoundError, ValidationError } from "../../errors/app-error.ts";
import type { StoredSkill } from "../../store/stored-documents/research-documents.ts";
import { serializeStoredJson } from "../../store/stored-documents/stored-json.ts";

export const contextValuesSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "context keys are letters, digits, _ and -, at most 64"),
  z.unknown(),
);

const skillFields = {
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  description: z.string().max(4000, "must be at most 4000 characters"),
  prompt: z.string().trim().min(1, "must not be empty").max(20000, "must be at most 20000 characters"),
  answer: answerSpecSchema,
  scoring: scoringSchema.nullable(),
  context: contextValuesSchema,
};

export const skillInputSchema = z.strictObject({
  ...skillFields,
  description: skillFields.description.default(""),
  scoring: skillFields.scoring.default(null),
  context: skillFields.context.default({}),
});

export const skillPatchSchema = z.strictObject(skillFields).partial();

export type SkillInput = z.infer<typeof skillInputSchema>;
export type SkillPatch = z.infer<typeof skillPatchSchema>;

/** A skill as the API shows it (and as a study copies it). */
export interface Skill {
  id: string;
  name: string;
  description: string;
  prompt: string;
  answer: AnswerSpec;
  scoring: Scoring | null;
  context: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export function toSkill(row: StoredSkill): Skill {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    prompt: row.prompt,
    answer: row.answer,
    scoring: row.scoring,
    context: row.context,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function checkSkill(skill: Pick<Skill, "prompt" | "answer" | "scoring">): void {
  const errors = [
    ...checkPromptTemplate(skill.prompt, "any"),
    ...checkSkillAnswer(skill.answer, skill.scoring ?? undefined),
  ];
  if (errors.length > 0) throw new ValidationError(errors);
}

/** Skills: a question (a prompt template) and the typed answer it expects, with scoring rules. */
export class SkillService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(tenantId: string, input: SkillInput): Promise<Skill> {
    checkSkill(input);
    const now = this.clock.now().toISOString();
    const row: SkillRow = {
      id: newId("skl"),
      tenant_id: tenantId,
      name: input.name,
      description: input.description,
      prompt: input.prompt,
      answer: serializeStoredJson(input.answer, "answer"),
      scoring: input.scoring === null ? null : serializeStoredJson(input.scoring, "scoring"),
      context: serializeStoredJson(input.context, "context"),
      created_at: now,
      updated_at: now,
    };
    await this.store.skills.insert(row);
    return toSkill({ ...row, answer: input.answer, scoring: input.scoring, context: input.context });
  }

  async get(tenantId: string, id: string): Promise<Skill> {
    const row = await this.store.skills.find(tenantId, id);
    if (!row) throw new NotFoundError(`skill ${id}`);
    return toSkill(row);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Skill>> {
    const rows = await this.store.skills.list(tenantId, page);
    return { items: rows.items.map(toSkill), nextCursor: rows.nextCursor };
  }

  /** Studies keep their own copy, so a change never alters a study that already ran. */
  async update(tenantId: string, id: string, patch: SkillPatch): Promise<Skill> {
    const current = await this.get(tenantId, id);
    const next: Skill = {
      ...current,
      ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
      updated_at: this.clock.now().toISOString(),
    };
    checkSkill(next);
    await this.store.skills.update(tenantId, id, {
      name: next.name,
      description: next.description,
      prompt: next.prompt,
      answer: serializeStoredJson(next.answer, "answer"),
      scoring: next.scoring === null ? null : serializeStoredJson(next.scoring, "scoring"),
      context: serializeStoredJson(next.context, "context"),
      updated_at: next.updated_at,
    });
    return next;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await this.store.skills.delete(tenantId, id);
  }
}
