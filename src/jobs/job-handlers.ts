import { memoryExtractionPayloadSchema } from "../services/memory-extraction.ts";
import {
  CONVERSATION_REPLY_JOB,
  MEMORY_EMBEDDING_JOB,
  MEMORY_EXTRACTION_JOB,
  memoryEmbeddingPayloadSchema,
} from "../services/job-service.ts";
import { POPULATION_GENERATION_JOB } from "../services/research/population-service.ts";
import { STUDY_RUN_JOB } from "../services/research/study-runner.ts";
import { SCHEDULED_MESSAGE_JOB } from "../services/proactive/proactive-scheduler.ts";
import type { Services } from "../composition/create-services.ts";
import { SMS_INBOUND_JOB } from "../channels/sms/sms-inbound.ts";
import { WHATSAPP_INBOUND_JOB } from "../channels/whatsapp/whatsapp-inbound.ts";
import { MODEL_DOWNLOAD_JOB } from "../services/model-download-service.ts";
import { MESSAGE_SPEECH_JOB } from "../services/speech/message-speech.ts";
import { MEDIA_GENERATION_JOB } from "../services/media/media-generation.ts";
import { readJobPayload } from "./job-payload.ts";
import type { JobHandler } from "./job-queue.ts";

/** Every kind of background job the server runs, by kind. */
export function createJobHandlers(services: Services): Record<string, JobHandler> {
  return {
    [CONVERSATION_REPLY_JOB]: (job, context) => services.jobs.runReply(job, context),
    [MEMORY_EMBEDDING_JOB]: async (job) => ({
      embedded: await services.memoryEmbedder.embedPending(
        job.tenantId,
        readJobPayload(job, memoryEmbeddingPayloadSchema).persona_id,
      ),
    }),
    [MEMORY_EXTRACTION_JOB]: async (job) =>
      services.memoryExtraction.extract(job.tenantId, readJobPayload(job, memoryExtractionPayloadSchema)),
    [POPULATION_GENERATION_JOB]: (job, context) => services.populations.generate(job, context),
    [STUDY_RUN_JOB]: (job, context) => services.studyRunner.run(job, context),
    [SCHEDULED_MESSAGE_JOB]: (job, context) => services.proactive.send(job, context),
    [SMS_INBOUND_JOB]: (job, context) => services.sms.inbound.answer(job, context.signal),
    [WHATSAPP_INBOUND_JOB]: (job, context) => services.whatsapp.inbound.answer(job, context.signal),
    [MODEL_DOWNLOAD_JOB]: (job, context) => services.modelDownloads.run(job, context),
    [MESSAGE_SPEECH_JOB]: (job) => services.speech.runMessageSpeech(job),
    [MEDIA_GENERATION_JOB]: (job, context) => services.mediaGeneration.run(job, context),
  };
}
