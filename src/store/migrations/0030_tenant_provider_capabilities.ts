import type { Kysely, Migration } from "kysely";

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // What a tenant provider's models take beyond text (JSON, the `capabilities` of a provider config):
    // NULL means none declared, so each model follows its name.
    await db.schema.alterTable("tenant_providers").addColumn("capabilities", "text").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable("tenant_providers").dropColumn("capabilities").execute();
  },
};
