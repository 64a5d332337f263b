import type { Logger } from "pino";
import type { Clock } from "../../lib/clock.ts";
import { newId } from "../../lib/ids.ts";
import {
  RetryableJobError,
  describeJobError,
  isRetryableJobError,
  type Job,
  type JobContext,
  type JobQueue,
} from "../../jobs/job-queue.ts";
import {
  isStillPlanned,
  isWithinActiveHours,
  planSlots,
  type ScheduleSettings,
  type SlotKind,
} from "../../proactive/schedule-planning.ts";
import type { ScheduledMessageRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { NotFoundError } from "../../errors/app-error.ts";
import type { PersonaDefinition } from "../../domain/persona-definition.ts";
import type { PersonaService } from "../persona-service.ts";
import type { ReplyGenerator } from "../reply-generator.ts";
import { z } from "zod";
import { readJobPayload } from "../../jobs/job-payload.ts";

export const SCHEDULED_MESSAGE_JOB = "scheduled-message";
const scheduledMessagePayloadSchema = z.object({ scheduled_message_id: z.string() });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Pairs whose user wrote within this are planned for. */
const ACTIVE_PAIR_WINDOW = 14 * 24 * HOUR;
/** How far ahead slots are stored, so users see what is coming. */
const PLANNING_HORIZON = 24 * HOUR;
/** A slot this late (the server was down) is skipped rather than sent at the wrong time of day. */
const MISSED_AFTER = 2 * HOUR;
/** A user who wrote this recently is talking already: no check-in. */
const RECENTLY_ACTIVE = 2 * HOUR;
/** Due slots dispatched per tick. */
const DISPATCH_BATCH = 500;

/** The persona's answer when it prefers to send nothing. */
export const SKIP_ANSWER = "SKIP";

function scheduleSettings(definition: PersonaDefinition): ScheduleSettings {
  return {
    initiative: definition.initiative,
    activeHours: definition.active_hours,
    disabled: definition.modifiers.disable_scheduled_messages,
  };
}

const INSTRUCTIONS: Record<SlotKind, string> = {
  good_morning:
    "(It is the start of your day. You may send the user a short good-morning message in your own voice, " +
    "drawing on what you know of them and your conversation.)",
  good_night:
    "(Your day is ending. You may send the user a short good-night message in your own voice, drawing on " +
    "what you know of them and your conversation.)",
  check_in:
    "(You have not heard from the user for a while. You may check in with a short message in your own " +
    "voice: ask how something they mentioned went, or share a thought.)",
};

function instructionFor(kind: SlotKind): string {
  return `${INSTRUCTIONS[kind]} If you would rather not send anything now, answer with exactly ${SKIP_ANSWER}.`;
}

function isSkip(text: string): boolean {
  const trimmed = text.trim();
  return trimmed === "" || trimmed.replace(/[^A-Za-z]/g, "").toUpperCase() === SKIP_ANSWER;
}

/** Thrown inside the send transaction when the slot left `pending` meanwhile: nothing is stored. */
class SlotTakenError extends Error {}

/** Told about each proactive message once it is stored (channels deliver it: push, SMS, WhatsApp). */
export type ProactiveDelivery = (message: ScheduledMessageRow) => Promise<void>;

/** The ids of a scheduled message as log fields. */
function scheduledMessageLogFields(message: ScheduledMessageRow): Record<string, unknown> {
  return {
    scheduled_message_id: message.id,
    tenant_id: message.tenant_id,
    user_id: message.user_id,
    persona_id: message.persona_id,
    conversation_id: message.conversation_id,
    message_id: message.message_id,
  };
}

/**
 * Proactive messages. `tick` plans the next day's slots of every recently active (persona, user) pair and
 * queues the slots that are due; a job per slot asks the persona what to send and stores it with the
 * slot's outcome in one transaction, conditional on the slot still being pending. Time comes from the
 * clock, so tests drive it.
 */
export class ProactiveScheduler {
  private deliveries: { channel: string; deliver: ProactiveDelivery }[] = [];

  private readonly store: Store;
  private readonly clock: Clock;
  private readonly queue: JobQueue;
  private readonly personas: PersonaService;
  private readonly replies: ReplyGenerator;
  /** told about a channel's failure to deliver, and personas that cannot be planned for */
  private readonly logger: Logger;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    queue: JobQueue;
    personas: PersonaService;
    replies: ReplyGenerator;
    logger: Logger;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.queue = dependencies.queue;
    this.personas = dependencies.personas;
    this.replies = dependencies.replies;
    this.logger = dependencies.logger;
  }

  /**
   * Adds a channel that hears of each sent message; its failures are logged under its name.
   *
   * @example proactive.onSent("push", (message) => push.deliver(message));
   */
  onSent(channel: string, deliver: ProactiveDelivery): void {
    this.deliveries.push({ channel, deliver });
  }

  /** One pass: plan, then queue what is due. Safe to run in several processes at once. */
  async tick(): Promise<{ planned: number; queued: number }> {
    const planned = await this.plan();
    const queued = await this.dispatchDue();
    return { planned, queued };
  }

  /** Stores the next day's slots of every active pair (existing ones stay as they are). */
  async plan(): Promise<number> {
    const now = this.clock.now();
    const pairs = await this.store.scheduledMessages.listActivePairs(
      new Date(now.getTime() - ACTIVE_PAIR_WINDOW).toISOString(),
    );
    let planned = 0;
    // A persona talking with many users is read once per pass.
    const definitions = new Map<string, PersonaDefinition | null>();
    for (const pair of pairs) {
      let definition = definitions.get(pair.persona_id);
      if (definition === undefined) {
        definition = await this.personas
          .getServingDefinition(pair.tenant_id, pair.persona_id)
          .then((served) => served.definition)
          .catch((error: unknown) => {
            // Deleted meanwhile: nothing to plan. Anything else is logged, and the other pairs planned.
            if (!(error instanceof NotFoundError)) {
              this.logger.error(
                { err: error, tenant_id: pair.tenant_id, persona_id: pair.persona_id },
                "planning proactive messages of a persona failed",
              );
            }
            return null;
          });
        definitions.set(pair.persona_id, definition);
      }
      if (!definition) continue;
      const slots = planSlots(scheduleSettings(definition), {
        seed: `${pair.persona_id}/${pair.user_id}`,
        from: now,
        to: new Date(now.getTime() + PLANNING_HORIZON),
      });
      const stamp = now.toISOString();
      await this.store.scheduledMessages.insertPlanned(
        slots.map((slot) => ({
          id: newId("sch"),
          tenant_id: pair.tenant_id,
          persona_id: pair.persona_id,
          user_id: pair.user_id,
          conversation_id: pair.conversation_id,
          kind: slot.kind,
          slot_key: slot.slotKey,
          due_at: slot.dueAt.toISOString(),
          status: "pending",
          content: null,
          message_id: null,
          error: null,
          attempts: 0,
          created_at: stamp,
          updated_at: stamp,
          sent_at: null,
          inbox_sequence: null,
        })),
      );
      planned += slots.length;
    }
    return planned;
  }

  /** Queues a job per due slot; the slot id is the job's idempotency key, so it is queued once. */
  async dispatchDue(): Promise<number> {
    const now = this.clock.now();
    const due = await this.store.scheduledMessages.findDue(now.toISOString(), DISPATCH_BATCH);
    for (const slot of due) {
      await this.queue.enqueue({
        tenantId: slot.tenant_id,
        kind: SCHEDULED_MESSAGE_JOB,
        payload: { scheduled_message_id: slot.id },
        idempotencyKey: `scheduled:${slot.id}`,
      });
    }
    return due.length;
  }

  /** The job: decide, then send or skip the slot, exactly once. */
  async send(job: Job, context: Pick<JobContext, "signal">): Promise<unknown> {
    const id = readJobPayload(job, scheduledMessagePayloadSchema).scheduled_message_id;
    const slot = await this.store.scheduledMessages.findById(id);
    if (!slot || slot.status !== "pending") return { skipped: "no longer pending" };
    const now = this.clock.now();
    const stamp = now.toISOString();
    const skip = (reason: string) =>
      this.store.scheduledMessages.settle(slot.id, { status: "skipped", error: reason, updated_at: stamp });

    if (now.getTime() - Date.parse(slot.due_at) > MISSED_AFTER) {
      await skip("missed: it was due more than two hours ago (was the server stopped?)");
      return { status: "skipped" };
    }
    let served: { definition: PersonaDefinition; version: number | null };
    try {
      served = await this.personas.getServingDefinition(slot.tenant_id, slot.persona_id);
    } catch (error) {
      // Any other failure fails the job, which logs and records it.
      if (!(error instanceof NotFoundError)) throw error;
      await skip("the persona no longer exists");
      return { status: "skipped" };
    }
    if (
      !isStillPlanned(
        scheduleSettings(served.definition),
        slot.slot_key,
        `${slot.persona_id}/${slot.user_id}`,
      )
    ) {
      await skip("no longer planned: the persona's initiative, active hours or modifiers changed");
      return { status: "skipped" };
    }
    if (!isWithinActiveHours(now, served.definition.active_hours)) {
      await skip("outside the persona's active hours by the time it could be sent");
      return { status: "skipped" };
    }
    if (slot.kind === "check_in") {
      const lastWrote = await this.store.scheduledMessages.lastUserMessageAt(slot.conversation_id);
      if (lastWrote && now.getTime() - Date.parse(lastWrote) < RECENTLY_ACTIVE) {
        await skip("the user wrote within the last two hours: they are talking already");
        return { status: "skipped" };
      }
    }

    await this.store.scheduledMessages.countAttempt(slot.id, stamp);
    let outcome: Awaited<ReturnType<ReplyGenerator["initiate"]>>;
    try {
      outcome = await this.replies.initiate({
        tenantId: slot.tenant_id,
        userId: slot.user_id,
        conversationId: slot.conversation_id,
        personaId: slot.persona_id,
        persona: served.definition,
        personaVersion: served.version,
        // Whom the user was last talking as: the persona greets them (and `{{user}}` names them) as such.
        userPersona:
          (await this.store.conversations.findLatestUserMessage(slot.conversation_id))?.user_persona ?? null,
        instruction: instructionFor(slot.kind),
        signal: context.signal,
        accept: (text) => !isSkip(text),
        alongside: async (store, message) => {
          const settled = await store.scheduledMessages.settle(slot.id, {
            inbox_sequence: await store.users.claimInboxSequence(slot.user_id),
            status: "sent",
            content: message.content,
            message_id: message.id,
            error: null,
            sent_at: message.created_at,
            updated_at: message.created_at,
          });
          if (!settled)
            throw new SlotTakenError(`scheduled message ${slot.id} was settled by another worker`);
        },
      });
    } catch (error) {
      if (error instanceof SlotTakenError) return { skipped: "settled by another worker" };
      if (context.signal.aborted) throw error;
      if (isRetryableJobError(error) && job.attempts < job.maxAttempts) {
        throw new RetryableJobError(describeJobError(error), { cause: error });
      }
      await this.store.scheduledMessages.settle(slot.id, {
        status: "failed",
        error: describeJobError(error),
        updated_at: this.clock.now().toISOString(),
      });
      return { status: "failed" };
    }
    if (!outcome) {
      await skip("the persona chose to send nothing");
      return { status: "skipped" };
    }
    const sent = await this.store.scheduledMessages.findById(slot.id);
    if (sent) {
      for (const { channel, deliver } of this.deliveries) {
        // A channel's failure is its own: the message is stored and shown in the app regardless.
        await deliver(sent).catch((error: unknown) => {
          this.logger.error(
            { err: error, channel, ...scheduledMessageLogFields(sent) },
            "delivering a proactive message failed",
          );
        });
      }
    }
    return { status: "sent", message_id: outcome.reply.id };
  }
}
