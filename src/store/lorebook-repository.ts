import type { ExpressionBuilder, Kysely } from "kysely";
import type { LorebookContent } from "../domain/lorebook/lorebook-document.ts";
import { toPage, type PageRequest } from "./pagination.ts";
import type { Database, LorebookAttachmentRow, PersonaVisibility } from "./schema.ts";
import {
  readLorebookRow,
  writeLorebookContent,
  type StoredLorebook,
} from "./stored-documents/lorebook-documents.ts";

export type { StoredLorebook } from "./stored-documents/lorebook-documents.ts";

/** Who is looking: null user for the tenant itself (a key); seesAll for admins and can_edit_all. */
export interface LorebookViewerFilter {
  userId: string | null;
  seesAll: boolean;
}

/** What a lorebook is attached to: one column of lorebook_attachments. */
export type AttachmentTarget =
  | { kind: "persona"; id: string }
  | { kind: "user_persona"; id: string }
  | { kind: "conversation"; id: string };

const TARGET_COLUMNS = {
  persona: "persona_id",
  user_persona: "user_persona_id",
  conversation: "conversation_id",
} as const;

export type AttachmentWithOwner = LorebookAttachmentRow & {
  persona_visibility: PersonaVisibility | null;
  persona_created_by_user_id: string | null;
  user_persona_user_id: string | null;
  conversation_user_id: string | null;
};

export interface NewLorebook {
  id: string;
  tenant_id: string;
  created_by_user_id: string | null;
  visibility: PersonaVisibility;
  name: string;
  content: LorebookContent;
  created_at: string;
  updated_at: string;
}

/** The SQL form of the persona rule: shared books, and private ones only for their creator (or seesAll). */
function visibleTo(viewer: LorebookViewerFilter) {
  return (where: ExpressionBuilder<Database, "lorebooks">) => {
    if (viewer.seesAll) return where.lit(true);
    if (viewer.userId === null) return where("lorebooks.visibility", "=", "tenant");
    return where.or([
      where("lorebooks.visibility", "=", "tenant"),
      where("lorebooks.created_by_user_id", "=", viewer.userId),
    ]);
  };
}

/** Lorebooks of one tenant and where they are attached; every query is scoped by the tenant. */
export class LorebookRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(book: NewLorebook): Promise<void> {
    await this.db
      .insertInto("lorebooks")
      .values({ ...book, ...writeLorebookContent(book.content) })
      .execute();
  }

  async find(
    tenantId: string,
    id: string,
    viewer: LorebookViewerFilter,
  ): Promise<StoredLorebook | undefined> {
    const row = await this.db
      .selectFrom("lorebooks")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .where(visibleTo(viewer))
      .executeTakeFirst();
    return row ? readLorebookRow(row) : undefined;
  }

  /** Summaries (no content): the listing stays small however many entries the books hold. */
  async list(tenantId: string, viewer: LorebookViewerFilter, page: PageRequest) {
    let query = this.db
      .selectFrom("lorebooks")
      .select([
        "id",
        "tenant_id",
        "created_by_user_id",
        "visibility",
        "name",
        "description",
        "entry_count",
        "created_at",
        "updated_at",
      ])
      .where("tenant_id", "=", tenantId)
      .where(visibleTo(viewer));
    if (page.after) query = query.where("id", ">", page.after);
    const rows = await query
      .orderBy("id")
      .limit(page.limit + 1)
      .execute();
    return toPage(rows, page.limit);
  }

  async update(
    tenantId: string,
    id: string,
    changes: { name?: string; visibility?: PersonaVisibility; content?: LorebookContent; updated_at: string },
  ): Promise<void> {
    const { content, ...columns } = changes;
    await this.db
      .updateTable("lorebooks")
      .set({ ...columns, ...(content ? writeLorebookContent(content) : {}) })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .execute();
  }

  /** Deletes the book; its attachments go with it (the foreign key cascades). */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.deleteFrom("lorebooks").where("tenant_id", "=", tenantId).where("id", "=", id).execute();
  }

  /** Attaches the book to the target; attaching it again changes nothing. */
  async attach(attachment: {
    id: string;
    tenant_id: string;
    lorebook_id: string;
    target: AttachmentTarget;
    created_at: string;
  }): Promise<void> {
    const column = TARGET_COLUMNS[attachment.target.kind];
    await this.db
      .insertInto("lorebook_attachments")
      .values({
        id: attachment.id,
        tenant_id: attachment.tenant_id,
        lorebook_id: attachment.lorebook_id,
        persona_id: null,
        user_persona_id: null,
        conversation_id: null,
        [column]: attachment.target.id,
        created_at: attachment.created_at,
      })
      .onConflict((conflict) => conflict.columns([column, "lorebook_id"]).doNothing())
      .execute();
  }

  async detach(tenantId: string, lorebookId: string, target: AttachmentTarget): Promise<boolean> {
    const result = await this.db
      .deleteFrom("lorebook_attachments")
      .where("tenant_id", "=", tenantId)
      .where("lorebook_id", "=", lorebookId)
      .where(TARGET_COLUMNS[target.kind], "=", target.id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /**
   * The attachments of the books, with who owns each target, so the service shows a caller only the
   * targets they may see (their own user personas and conversations, the personas visible to them).
   */
  async listAttachments(tenantId: string, lorebookIds: readonly string[]): Promise<AttachmentWithOwner[]> {
    if (lorebookIds.length === 0) return [];
    return this.db
      .selectFrom("lorebook_attachments")
      .leftJoin("personas", "personas.id", "lorebook_attachments.persona_id")
      .leftJoin("user_personas", "user_personas.id", "lorebook_attachments.user_persona_id")
      .leftJoin("conversations", "conversations.id", "lorebook_attachments.conversation_id")
      .selectAll("lorebook_attachments")
      .select([
        "personas.visibility as persona_visibility",
        "personas.created_by_user_id as persona_created_by_user_id",
        "user_personas.user_id as user_persona_user_id",
        "conversations.user_id as conversation_user_id",
      ])
      .where("lorebook_attachments.tenant_id", "=", tenantId)
      .where("lorebook_attachments.lorebook_id", "in", lorebookIds)
      .orderBy("lorebook_attachments.created_at")
      .orderBy("lorebook_attachments.id")
      .execute();
  }

  /**
   * Every book attached to any of the targets, each once, oldest attachment first: what a reply scans.
   * Visibility does not apply: attaching a book is what shares it with that persona's conversations.
   */
  async listAttachedTo(tenantId: string, targets: readonly AttachmentTarget[]): Promise<StoredLorebook[]> {
    if (targets.length === 0) return [];
    const attachments = await this.db
      .selectFrom("lorebook_attachments")
      .select(["lorebook_id"])
      .where("tenant_id", "=", tenantId)
      .where((where) => where.or(targets.map((target) => where(TARGET_COLUMNS[target.kind], "=", target.id))))
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const ids = [...new Set(attachments.map((attachment) => attachment.lorebook_id))];
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("lorebooks")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "in", ids)
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [readLorebookRow(row)] : [];
    });
  }
}
