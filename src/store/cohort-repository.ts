import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";
import { readCohortRow, type StoredCohort } from "./stored-documents/research-documents.ts";
import { TenantRows } from "./tenant-rows.ts";

/** A tenant's cohorts: attribute filters over personas, or recipes that generate them. */
export class CohortRepository extends TenantRows<"cohorts", StoredCohort> {
  constructor(db: Kysely<Database>) {
    super(db, "cohorts", readCohortRow);
  }
}
