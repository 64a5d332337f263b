import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/store/database.ts";
import { Store } from "../../src/store/store.ts";
import { BACKENDS } from "../backends.ts";

const NOW = "2026-01-01T00:00:00.000Z";
const LATER = "2026-01-02T00:00:00.000Z";

describe.each(BACKENDS)("model setup repository on $name", (backend) => {
  let database: DatabaseHandle;
  let store: Store;

  beforeAll(async () => {
    database = await backend.open();
    store = new Store(database.db);
    await store.tenants.insert({ id: "ten_models", name: "Models", is_operator: 1, created_at: NOW });
  });
  afterAll(async () => {
    await database.close();
  });

  it("stores, replaces and clears a tenant's default model", async () => {
    expect(await store.modelSetup.findDefaultModel("ten_models")).toBeNull();
    await store.modelSetup.saveDefaultModel("ten_models", "ollama/llama3.2", NOW);
    await store.modelSetup.saveDefaultModel("ten_models", "openai/gpt-4o-mini", LATER);
    expect(await store.modelSetup.findDefaultModel("ten_models")).toBe("openai/gpt-4o-mini");
    await store.modelSetup.saveDefaultModel("ten_models", null, LATER);
    expect(await store.modelSetup.findDefaultModel("ten_models")).toBeNull();
  });

  it("keeps one download per catalog entry with byte counts past 2 GiB as numbers", async () => {
    const download = {
      id: "mdl_1",
      catalog_id: "big-model",
      tenant_id: "ten_models",
      status: "queued" as const,
      received_bytes: 0,
      total_bytes: 5_155_564_768,
      error: null,
      job_id: null,
      created_at: NOW,
      updated_at: NOW,
    };
    await store.modelSetup.insertDownload(download);
    await expect(store.modelSetup.insertDownload({ ...download, id: "mdl_2" })).rejects.toThrow();
    await store.modelSetup.updateDownload("mdl_1", { status: "downloading", received_bytes: 3_000_000_000 });
    expect(await store.modelSetup.findDownloadByCatalogId("big-model")).toMatchObject({
      id: "mdl_1",
      status: "downloading",
      received_bytes: 3_000_000_000,
      total_bytes: 5_155_564_768,
    });
    expect((await store.modelSetup.listDownloads()).map((row) => row.id)).toEqual(["mdl_1"]);
  });
});
