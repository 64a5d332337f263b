import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";
import { readSkillRow, type StoredSkill } from "./stored-documents/research-documents.ts";
import { TenantRows } from "./tenant-rows.ts";

/** A tenant's skills: the questions studies ask. */
export class SkillRepository extends TenantRows<"skills", StoredSkill> {
  constructor(db: Kysely<Database>) {
    super(db, "skills", readSkillRow);
  }
}
