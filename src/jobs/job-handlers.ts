import { CONVERSATION_REPLY_JOB } from "../services/job-service.ts";
import type { Services } from "../services/services.ts";
import type { JobHandler } from "./job-queue.ts";

/** Every kind of background job the server runs, by kind. */
export function createJobHandlers(services: Services): Record<string, JobHandler> {
  return {
    [CONVERSATION_REPLY_JOB]: (job, context) => services.jobs.runReply(job, context),
  };
}
