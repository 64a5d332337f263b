import { z } from "zod";
import {
  detectLorebookFormat,
  lorebookDocumentSchema,
  toCharacterBookV3,
  toSillyTavernWorldInfo,
  type Lorebook as LorebookModel,
} from "../domain/lorebook/index.ts";
import {
  assignEntryIds,
  lorebookContentSchema,
  lorebookFromContent,
  lorebookToContent,
  type LorebookContent,
  type LorebookDocumentEntry,
} from "../domain/lorebook/lorebook-document.ts";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import type { AttachmentTarget, AttachmentWithOwner, StoredLorebook } from "../store/lorebook-repository.ts";
import type { Page, PageRequest } from "../store/pagination.ts";
import type { PersonaVisibility, UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import {
  ForbiddenError,
  NotFoundError,
  ValidationError,
  fieldErrorsFromIssues,
} from "../errors/app-error.ts";
import { mayEditPersona, mayViewPersona, viewerFilter, type PersonaEditor } from "./persona-editor.ts";
import type { PersonaService } from "./persona-service.ts";

export const LOREBOOK_VISIBILITIES = ["tenant", "private"] as const;
export const ATTACHMENT_KINDS = ["persona", "user_persona", "conversation"] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];
export const EXPORT_FORMATS = ["sillytavern", "character_book"] as const;
export type LorebookExportFormat = (typeof EXPORT_FORMATS)[number];

/** Attached books kept compiled between replies (least recently used forgotten first). */
const MODELS_KEPT = 64;

const nameSchema = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const visibilitySchema = z.enum(LOREBOOK_VISIBILITIES, "must be tenant or private");

/** A new book: a name, then any of the settings and entries (each entry as the engine reads it). */
export const lorebookCreateSchema = lorebookContentSchema.extend({
  name: nameSchema,
  /** "tenant" (every member sees it, the default) or "private" (its creator, admins, can_edit_all). */
  visibility: visibilitySchema.default("tenant"),
});

const content = lorebookContentSchema.shape;
/** A change: each field given replaces the stored one; `entries` replaces the whole list. */
export const lorebookPatchSchema = z.strictObject({
  name: nameSchema.optional(),
  visibility: visibilitySchema.optional(),
  description: content.description.unwrap().optional(),
  scan_depth: content.scan_depth.unwrap().optional(),
  token_budget: content.token_budget.unwrap().optional(),
  recursive_scanning: content.recursive_scanning.unwrap().optional(),
  extensions: content.extensions.unwrap().optional(),
  entries: content.entries.unwrap().optional(),
});

export type LorebookCreate = z.input<typeof lorebookCreateSchema>;
export type LorebookPatch = z.output<typeof lorebookPatchSchema>;

export interface LorebookAttachment {
  kind: AttachmentKind;
  target_id: string;
  created_at: string;
}

/** A book in a listing: no entries. */
export interface LorebookSummary {
  id: string;
  name: string;
  description: string;
  visibility: PersonaVisibility;
  /** the user who created it (who may change it); null when made with an API key */
  created_by_user_id: string | null;
  entry_count: number;
  /** where it is attached, as far as the caller may see the targets */
  attachments: LorebookAttachment[];
  created_at: string;
  updated_at: string;
}

export type Lorebook = LorebookSummary & Omit<LorebookContent, "description">;

/** Who acts: the editor (tenant, user, rights) and, for user personas and conversations, the user. */
export interface LorebookActor {
  editor: PersonaEditor;
  /** the end user, when the request names one: their user personas and conversations are targets */
  user?: UserRow | undefined;
}

function targetOf(attachment: AttachmentWithOwner): AttachmentTarget {
  if (attachment.persona_id !== null) return { kind: "persona", id: attachment.persona_id };
  if (attachment.user_persona_id !== null) return { kind: "user_persona", id: attachment.user_persona_id };
  return { kind: "conversation", id: attachment.conversation_id ?? "" };
}

/** Whether the caller may see the attachment's target (never another user's conversation id). */
function showsTarget(actor: LorebookActor, attachment: AttachmentWithOwner): boolean {
  const userId = actor.user?.id ?? actor.editor.userId;
  if (attachment.persona_id !== null) {
    return mayViewPersona(actor.editor, {
      visibility: attachment.persona_visibility ?? "tenant",
      created_by_user_id: attachment.persona_created_by_user_id,
    });
  }
  const owner = attachment.user_persona_user_id ?? attachment.conversation_user_id;
  return userId !== null && userId !== undefined && owner === userId;
}

function validationError(issues: readonly z.core.$ZodIssue[], prefix = ""): ValidationError {
  return new ValidationError(fieldErrorsFromIssues(issues, prefix));
}

/** The entries with their ids; a repeated id is a 422 naming it. */
function withEntryIds(content: z.output<typeof lorebookContentSchema>, prefix = ""): LorebookContent {
  const assigned = assignEntryIds(content.entries);
  if ("duplicateIndex" in assigned) {
    throw new ValidationError([
      {
        field: `${prefix}entries.${assigned.duplicateIndex}.id`,
        message: "repeats the id of an earlier entry: ids must be unique within the book",
      },
    ]);
  }
  return { ...content, entries: assigned.entries };
}

/**
 * Standalone lorebooks (world info) of a tenant: create, import (SillyTavern World Info, V2/V3
 * character_book, a card's book), edit, export, and attach to personas, user personas and conversations,
 * whose replies then scan them (services/world-info.ts). Seeing and changing a book follow the persona
 * rules (persona-editor.ts): a shared book every member sees, a private one only its creator, admins and
 * members granted can_edit_all; changing one is for its creator, admins, granted members and keys.
 */
export class LorebookService {
  private readonly models = new Map<string, LorebookModel>();

  constructor(private readonly options: { store: Store; clock: Clock; personas: PersonaService }) {}

  private get store(): Store {
    return this.options.store;
  }

  async create(actor: LorebookActor, input: z.output<typeof lorebookCreateSchema>): Promise<Lorebook> {
    const { name, visibility, ...rest } = input;
    return this.insert(actor, { name, visibility, content: withEntryIds(rest) });
  }

  /**
   * Imports any lorebook document the engine reads. The book keeps its own name unless `name` is given;
   * every entry is checked against the entry schema, so an imported book is as valid as a created one.
   */
  async import(
    actor: LorebookActor,
    document: unknown,
    options: { name?: string | undefined; visibility?: PersonaVisibility | undefined } = {},
  ): Promise<Lorebook> {
    const format = detectLorebookFormat(document);
    if (format === null && typeof document === "object" && document !== null && "spec" in document) {
      throw new ValidationError(
        [{ field: "data.character_book", message: "the card holds no lorebook (character_book)" }],
        "the card holds no lorebook: data.character_book is missing",
      );
    }
    const parsed = lorebookDocumentSchema.safeParse(document);
    if (!parsed.success) throw validationError(parsed.error.issues);
    const checked = lorebookContentSchema.safeParse(lorebookToContent(parsed.data));
    if (!checked.success) throw validationError(checked.error.issues);
    const name = options.name?.trim() || parsed.data.name.trim() || "Imported lorebook";
    return this.insert(actor, {
      name: name.slice(0, 200),
      visibility: options.visibility ?? "tenant",
      content: withEntryIds(checked.data),
    });
  }

  async list(actor: LorebookActor, page: PageRequest): Promise<Page<LorebookSummary>> {
    const { tenantId } = actor.editor;
    const result = await this.store.lorebooks.list(tenantId, viewerFilter(actor.editor), page);
    const attachments = await this.attachmentsOf(
      actor,
      result.items.map((row) => row.id),
    );
    return {
      items: result.items.map((row) => ({
        id: row.id,
        name: row.name,
        description: row.description,
        visibility: row.visibility,
        created_by_user_id: row.created_by_user_id,
        entry_count: row.entry_count,
        attachments: attachments.get(row.id) ?? [],
        created_at: row.created_at,
        updated_at: row.updated_at,
      })),
      nextCursor: result.nextCursor,
    };
  }

  async get(actor: LorebookActor, id: string): Promise<Lorebook> {
    return this.toLorebook(actor, await this.findVisible(actor, id));
  }

  async update(actor: LorebookActor, id: string, patch: LorebookPatch): Promise<Lorebook> {
    const row = await this.findEditable(actor, id);
    const { name, visibility, ...contentChanges } = patch;
    if (visibility === "private" && row.created_by_user_id === null) {
      throw new ValidationError([
        { field: "visibility", message: "only a lorebook created by a user can be private (to that user)" },
      ]);
    }
    const changedContent = Object.values(contentChanges).some((value) => value !== undefined);
    const nextContent = changedContent
      ? withEntryIds({
          ...row.content,
          ...Object.fromEntries(Object.entries(contentChanges).filter(([, value]) => value !== undefined)),
        })
      : undefined;
    const changes = {
      ...(name === undefined ? {} : { name }),
      ...(visibility === undefined ? {} : { visibility }),
      ...(nextContent ? { content: nextContent } : {}),
      updated_at: this.options.clock.now().toISOString(),
    };
    await this.store.lorebooks.update(actor.editor.tenantId, id, changes);
    return this.get(actor, id);
  }

  /** Deletes the book and, with it, every attachment. */
  async delete(actor: LorebookActor, id: string): Promise<void> {
    await this.findEditable(actor, id);
    await this.store.lorebooks.delete(actor.editor.tenantId, id);
  }

  /** The book as a file: SillyTavern World Info, or a V3 character_book (which V2 readers read too). */
  async export(
    actor: LorebookActor,
    id: string,
    format: LorebookExportFormat,
  ): Promise<{ filename: string; document: unknown }> {
    const row = await this.findVisible(actor, id);
    const book = lorebookFromContent(row.name, row.content);
    const base = row.name.replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "lorebook";
    return format === "sillytavern"
      ? { filename: `${base}.json`, document: toSillyTavernWorldInfo(book) }
      : { filename: `${base}.character_book.json`, document: toCharacterBookV3(book) };
  }

  /**
   * Attaches the book to a target the caller may change: a persona they may edit, or their own user
   * persona or conversation. Attaching twice changes nothing.
   */
  async attach(actor: LorebookActor, id: string, target: AttachmentTarget): Promise<Lorebook> {
    const book = await this.findVisible(actor, id);
    await this.assertTargetEditable(actor, target);
    await this.store.lorebooks.attach({
      id: newId("lba"),
      tenant_id: actor.editor.tenantId,
      lorebook_id: book.id,
      target,
      created_at: this.options.clock.now().toISOString(),
    });
    return this.toLorebook(actor, book);
  }

  async detach(actor: LorebookActor, id: string, target: AttachmentTarget): Promise<Lorebook> {
    const book = await this.findVisible(actor, id);
    await this.assertTargetEditable(actor, target);
    await this.store.lorebooks.detach(actor.editor.tenantId, book.id, target);
    return this.toLorebook(actor, book);
  }

  /**
   * The books a reply scans besides the card's own: those attached to the persona, the conversation's user
   * persona and the conversation, each once, as the engine's model.
   */
  async booksFor(input: {
    tenantId: string;
    personaId: string;
    userPersonaId: string | null;
    conversationId: string | null;
  }): Promise<LorebookModel[]> {
    const targets: AttachmentTarget[] = [{ kind: "persona", id: input.personaId }];
    if (input.userPersonaId) targets.push({ kind: "user_persona", id: input.userPersonaId });
    if (input.conversationId) targets.push({ kind: "conversation", id: input.conversationId });
    const rows = await this.store.lorebooks.listAttachedTo(input.tenantId, targets);
    return rows.map((row) => this.modelOf(row));
  }

  /**
   * The same model object for an unchanged book, so the engine, which compiles a book once per object,
   * does not compile it again for every reply.
   */
  private modelOf(row: StoredLorebook): LorebookModel {
    const key = `${row.name}|${JSON.stringify(row.content)}`;
    const cached = this.models.get(key);
    if (cached) {
      this.models.delete(key);
      this.models.set(key, cached);
      return cached;
    }
    const model = lorebookFromContent(row.name, row.content);
    this.models.set(key, model);
    if (this.models.size > MODELS_KEPT) this.models.delete(this.models.keys().next().value as string);
    return model;
  }

  private async insert(
    actor: LorebookActor,
    book: { name: string; visibility: PersonaVisibility; content: LorebookContent },
  ): Promise<Lorebook> {
    const createdBy = actor.editor.userId ?? actor.user?.id ?? null;
    if (book.visibility === "private" && createdBy === null) {
      throw new ValidationError([
        { field: "visibility", message: "a private lorebook needs a signed-in creator (or a named user)" },
      ]);
    }
    const now = this.options.clock.now().toISOString();
    const id = newId("lbk");
    await this.store.lorebooks.insert({
      id,
      tenant_id: actor.editor.tenantId,
      created_by_user_id: createdBy,
      visibility: book.visibility,
      name: book.name,
      content: book.content,
      created_at: now,
      updated_at: now,
    });
    return this.get(actor, id);
  }

  private async findVisible(actor: LorebookActor, id: string): Promise<StoredLorebook> {
    const row = await this.store.lorebooks.find(actor.editor.tenantId, id, viewerFilter(actor.editor));
    if (!row) throw new NotFoundError(`lorebook ${id}`);
    return row;
  }

  private async findEditable(actor: LorebookActor, id: string): Promise<StoredLorebook> {
    const row = await this.findVisible(actor, id);
    if (!mayEditPersona(actor.editor, row.created_by_user_id)) {
      throw new ForbiddenError(
        `lorebook ${id} was created by another member: only they, an admin, or a member an admin granted ` +
          `edit rights (can_edit_all) may change it`,
      );
    }
    return row;
  }

  private async assertTargetEditable(actor: LorebookActor, target: AttachmentTarget): Promise<void> {
    switch (target.kind) {
      case "persona":
        // 404 when the persona is invisible, 403 for a preset or another member's persona.
        await this.options.personas.getEditable(actor.editor, target.id);
        return;
      case "user_persona": {
        const found = actor.user && (await this.store.userPersonas.find(actor.user.id, target.id));
        if (!found) throw new NotFoundError(`user persona ${target.id}`);
        return;
      }
      case "conversation": {
        const found = actor.user && (await this.store.conversations.find(actor.user.id, target.id));
        if (!found) throw new NotFoundError(`conversation ${target.id}`);
        return;
      }
    }
  }

  private async attachmentsOf(
    actor: LorebookActor,
    ids: readonly string[],
  ): Promise<Map<string, LorebookAttachment[]>> {
    const byBook = new Map<string, LorebookAttachment[]>();
    for (const attachment of await this.store.lorebooks.listAttachments(actor.editor.tenantId, ids)) {
      if (!showsTarget(actor, attachment)) continue;
      const target = targetOf(attachment);
      const list = byBook.get(attachment.lorebook_id) ?? [];
      list.push({ kind: target.kind, target_id: target.id, created_at: attachment.created_at });
      byBook.set(attachment.lorebook_id, list);
    }
    return byBook;
  }

  private async toLorebook(actor: LorebookActor, row: StoredLorebook): Promise<Lorebook> {
    const attachments = await this.attachmentsOf(actor, [row.id]);
    const { description, ...content } = row.content;
    return {
      id: row.id,
      name: row.name,
      description,
      visibility: row.visibility,
      created_by_user_id: row.created_by_user_id,
      entry_count: row.content.entries.length,
      attachments: attachments.get(row.id) ?? [],
      created_at: row.created_at,
      updated_at: row.updated_at,
      ...content,
      entries: content.entries satisfies LorebookDocumentEntry[],
    };
  }
}
