import { z } from "zod";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors/app-error.ts";
import { readJobPayload } from "../jobs/job-payload.ts";
import {
  RetryableJobError,
  describeJobError,
  type Job,
  type JobContext,
  type JobQueue,
} from "../jobs/job-queue.ts";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { catalogFileName, catalogModelId, type CatalogEntry } from "../models/model-catalog.ts";
import { ModelDownloadError, type DownloadProgress } from "../models/model-download.ts";
import type { ModelFiles } from "../models/model-files.ts";
import { isUniqueViolation } from "../store/errors.ts";
import type { ModelDownloadRecord } from "../store/model-setup-repository.ts";
import type { Store } from "../store/store.ts";

export const MODEL_DOWNLOAD_JOB = "model-download";
const modelDownloadPayloadSchema = z.object({ download_id: z.string() });

export const downloadInputSchema = z.strictObject({ catalog_id: z.string().min(1).max(200) });

export interface CatalogEntryView extends CatalogEntry {
  /** the `local/<name>` id it is used as once downloaded */
  model_id: string;
  downloaded: boolean;
}

export interface ModelDownloadView {
  id: string;
  catalog_id: string;
  /** the `local/<name>` id the model is used as once done */
  model_id: string;
  status: ModelDownloadRecord["status"];
  received_bytes: number;
  total_bytes: number | null;
  error?: string;
  created_at: string;
  updated_at: string;
}

/** Attempts of one download job: a cut connection is resumed from the `.part` by the next one. */
const DOWNLOAD_ATTEMPTS = 5;
/** Progress is written at most this often (in bytes), so a fast download is not a write per chunk. */
const PROGRESS_STEP_BYTES = 4 * 1024 * 1024;

/**
 * Curated model downloads into the server's models directory, as background jobs. The file is
 * server-wide (one directory; its model is `local/<name>` for every tenant), so only admins of the
 * operator's tenant start downloads, and only that tenant sees them. Idempotent per catalog entry: asking again returns the download in progress or
 * done, and restarts a failed one, which resumes from its `.part` file.
 */
export class ModelDownloadService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly queue: JobQueue;
  private readonly catalogEntries: readonly CatalogEntry[];
  private readonly files: ModelFiles | undefined;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    queue: JobQueue;
    catalog: readonly CatalogEntry[];
    /** the models directory; none: downloads are off */
    files: ModelFiles | undefined;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.queue = dependencies.queue;
    this.catalogEntries = dependencies.catalog;
    this.files = dependencies.files;
  }

  async catalog(): Promise<CatalogEntryView[]> {
    return Promise.all(
      this.catalogEntries.map(async (entry) => ({
        ...entry,
        model_id: catalogModelId(entry),
        downloaded: (await this.files?.has(catalogFileName(entry))) ?? false,
      })),
    );
  }

  /** The tenant's downloads (only the operator's tenant starts any). */
  async list(tenantId: string): Promise<ModelDownloadView[]> {
    return (await this.store.modelSetup.listDownloads())
      .filter((row) => row.tenant_id === tenantId)
      .map((row) => this.toView(row));
  }

  async get(tenantId: string, id: string): Promise<ModelDownloadView> {
    const row = await this.store.modelSetup.findDownload(id);
    if (!row || row.tenant_id !== tenantId) throw new NotFoundError(`download ${id}`);
    return this.toView(row);
  }

  /** Starts (or returns, or restarts when failed) the download of a catalog entry. */
  async start(tenantId: string, catalogId: string): Promise<ModelDownloadView> {
    const tenant = await this.store.tenants.findById(tenantId);
    if (tenant?.is_operator !== 1) {
      throw new ForbiddenError("models are downloaded onto the server by the operator's tenant only");
    }
    const entry = this.catalogEntries.find((candidate) => candidate.id === catalogId);
    if (!entry) {
      throw new ValidationError([
        {
          field: "catalog_id",
          message: `no catalog entry ${catalogId}; see GET /v1/model-setup/downloads/catalog`,
        },
      ]);
    }
    if (!this.files) {
      throw new ValidationError([{ field: "catalog_id", message: "this server has no models directory" }]);
    }
    const present = await this.files.has(catalogFileName(entry));
    const now = this.clock.now().toISOString();
    const existing = await this.store.modelSetup.findDownloadByCatalogId(catalogId);
    if (existing) {
      const stale = existing.status === "failed" || (existing.status === "done" && !present);
      if (!stale) return this.toView(existing);
      return this.toView(await this.enqueue(existing, tenantId, present, now));
    }
    const row: ModelDownloadRecord = {
      id: newId("mdl"),
      catalog_id: catalogId,
      tenant_id: tenantId,
      status: "queued",
      received_bytes: 0,
      total_bytes: entry.size_bytes,
      error: null,
      job_id: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.store.modelSetup.insertDownload(row);
    } catch (error) {
      // Two admins at once: the other request's download is this one.
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.store.modelSetup.findDownloadByCatalogId(catalogId);
      if (winner) return this.toView(winner);
      throw error;
    }
    return this.toView(await this.enqueue(row, tenantId, present, now));
  }

  /** Queues the job for a download (or marks it done when the file is already there). */
  private async enqueue(
    row: ModelDownloadRecord,
    tenantId: string,
    present: boolean,
    now: string,
  ): Promise<ModelDownloadRecord> {
    if (present) {
      const done = { ...row, status: "done" as const, error: null, updated_at: now };
      await this.store.modelSetup.updateDownload(row.id, { status: "done", error: null, updated_at: now });
      return done;
    }
    const job = await this.queue.enqueue({
      tenantId,
      kind: MODEL_DOWNLOAD_JOB,
      payload: { download_id: row.id },
      maxAttempts: DOWNLOAD_ATTEMPTS,
    });
    const changes = {
      status: "queued" as const,
      error: null,
      job_id: job.id,
      tenant_id: tenantId,
      updated_at: now,
    };
    await this.store.modelSetup.updateDownload(row.id, changes);
    return { ...row, ...changes };
  }

  /** The job: downloads (resuming), verifies, and records progress and the outcome. */
  async run(job: Job, context: JobContext): Promise<{ bytes: number; sha256: string }> {
    const { download_id: id } = readJobPayload(job, modelDownloadPayloadSchema);
    const row = await this.store.modelSetup.findDownload(id);
    if (!row) throw new Error(`download ${id} no longer exists`);
    const entry = this.catalogEntries.find((candidate) => candidate.id === row.catalog_id);
    if (!entry || !this.files) {
      await this.finish(id, {
        status: "failed",
        error: `catalog entry ${row.catalog_id} is no longer offered`,
      });
      throw new Error(`catalog entry ${row.catalog_id} is no longer offered`);
    }
    await this.store.modelSetup.updateDownload(id, {
      status: "downloading",
      updated_at: this.clock.now().toISOString(),
    });
    const progress = this.progressWriter(id);
    try {
      const model = await this.files.download({
        url: entry.url,
        sha256: entry.sha256 ?? undefined,
        signal: context.signal,
        onProgress: progress.report,
      });
      await progress.flush();
      await this.finish(id, {
        status: "done",
        error: null,
        received_bytes: model.bytes,
        total_bytes: model.bytes,
      });
      return { bytes: model.bytes, sha256: model.sha256 };
    } catch (error) {
      await progress.flush();
      const message = describeJobError(error);
      const retry = error instanceof ModelDownloadError && error.retryable && job.attempts < job.maxAttempts;
      if (retry) {
        await this.finish(id, { status: "queued", error: `${message} (retrying)` });
        throw new RetryableJobError(message, { cause: error });
      }
      await this.finish(id, { status: "failed", error: message });
      throw error;
    }
  }

  /** Writes progress in steps, one write at a time, so rows never go backwards. */
  private progressWriter(id: string) {
    let written = -PROGRESS_STEP_BYTES;
    let latest: DownloadProgress | undefined;
    let chain: Promise<unknown> = Promise.resolve();
    const write = (update: DownloadProgress) => {
      written = update.receivedBytes;
      chain = chain
        .then(() =>
          this.store.modelSetup.updateDownload(id, {
            received_bytes: update.receivedBytes,
            ...(update.totalBytes === undefined ? {} : { total_bytes: update.totalBytes }),
            updated_at: this.clock.now().toISOString(),
          }),
        )
        .catch(() => undefined);
    };
    return {
      report: (update: DownloadProgress) => {
        latest = update;
        const done = update.totalBytes !== undefined && update.receivedBytes >= update.totalBytes;
        if (update.receivedBytes - written >= PROGRESS_STEP_BYTES || done) write(update);
      },
      /** Writes the last progress seen (where an interrupted attempt stopped) and waits for every write. */
      flush: () => {
        if (latest && latest.receivedBytes !== written) write(latest);
        return chain;
      },
    };
  }

  private async finish(
    id: string,
    changes: Partial<Pick<ModelDownloadRecord, "status" | "error" | "received_bytes" | "total_bytes">>,
  ): Promise<void> {
    await this.store.modelSetup.updateDownload(id, {
      ...changes,
      updated_at: this.clock.now().toISOString(),
    });
  }

  private toView(row: ModelDownloadRecord): ModelDownloadView {
    const entry = this.catalogEntries.find((candidate) => candidate.id === row.catalog_id);
    return {
      id: row.id,
      catalog_id: row.catalog_id,
      model_id: entry ? catalogModelId(entry) : "",
      status: row.status,
      received_bytes: row.received_bytes,
      total_bytes: row.total_bytes,
      ...(row.error === null ? {} : { error: row.error }),
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }
}
