import type { z } from "zod";
import type { Job } from "./job-queue.ts";

/**
 * A job's payload, checked against its kind's schema before a handler uses it. The jobs table (or Redis)
 * holds JSON that an earlier release, another process or a hand edit may have written, so a handler never
 * casts it. A payload that does not match fails the job at once (the error is not retryable) with a
 * message naming the job and the fields, instead of a TypeError deep inside the handler.
 */
export function readJobPayload<Schema extends z.ZodType>(
  job: Pick<Job, "payload"> & Partial<Pick<Job, "id" | "kind">>,
  schema: Schema,
): z.output<Schema> {
  const result = schema.safeParse(job.payload);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`)
    .join("; ");
  throw new InvalidJobPayloadError(
    `job ${job.id ?? "(unsaved)"} (${job.kind ?? "unknown kind"}) has an invalid payload: ${problems}`,
  );
}

/** A stored job payload its handler cannot read; final, since retrying reads the same payload. */
export class InvalidJobPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidJobPayloadError";
  }
}
