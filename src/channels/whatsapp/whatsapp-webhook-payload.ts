import { z } from "zod";

/*
 * What Meta posts to the webhook for the "messages" field: entries of changes, each with the business
 * number it concerns (metadata), the senders' profiles, the messages that arrived and status updates of
 * messages sent. Only what Dramatis reads is validated; everything else passes through untouched.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
 */

const messageSchema = z
  .object({
    from: z.string().min(1),
    id: z.string().min(1),
    timestamp: z.string().optional(),
    type: z.string().min(1),
    text: z.object({ body: z.string() }).passthrough().optional(),
    audio: z
      .object({ id: z.string().min(1), mime_type: z.string().optional(), voice: z.boolean().optional() })
      .passthrough()
      .optional(),
    image: z
      .object({ id: z.string().min(1), mime_type: z.string().optional(), caption: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

const valueSchema = z
  .object({
    messaging_product: z.string().optional(),
    metadata: z
      .object({ phone_number_id: z.string().min(1), display_phone_number: z.string().optional() })
      .passthrough(),
    contacts: z
      .array(
        z
          .object({
            wa_id: z.string().optional(),
            profile: z.object({ name: z.string().optional() }).passthrough().optional(),
          })
          .passthrough(),
      )
      .optional(),
    messages: z.array(messageSchema).optional(),
    statuses: z.array(z.unknown()).optional(),
  })
  .passthrough();

export const whatsAppWebhookSchema = z
  .object({
    object: z.string(),
    entry: z.array(
      z
        .object({
          id: z.string().optional(),
          changes: z.array(z.object({ field: z.string(), value: z.unknown() }).passthrough()),
        })
        .passthrough(),
    ),
  })
  .passthrough();

/** One message that arrived at one of the business's numbers. */
export interface InboundWhatsAppMessage {
  /** Meta's message id (wamid.…): the same on every redelivery */
  id: string;
  /** the sender's WhatsApp id (their number in digits) */
  from: string;
  phoneNumberId: string;
  /** text, image, audio, reaction, … */
  type: string;
  /** the words of a text message; null for any other type */
  text: string | null;
  /** the sender's profile name when Meta sent it */
  profileName: string | null;
  /** a voice note or audio file: Meta's media id to download it by; null for any other type */
  audio: { mediaId: string; mimeType: string | null; voice: boolean } | null;
  /** a picture: Meta's media id and the caption typed with it ("" when none); null for any other type */
  image: { mediaId: string; mimeType: string | null; caption: string } | null;
}

/** Where a webhook body is not what Meta sends: the path and what is wrong, for a 400. */
export class WhatsAppPayloadError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The messages in a webhook body (JSON already parsed). Changes of other fields and status updates
 * carry no messages; a body of another product (`object` other than whatsapp_business_account) has
 * none either. Throws WhatsAppPayloadError naming the field when the shape is wrong.
 *
 * @example readInboundMessages(JSON.parse(body)).map((message) => message.text)
 */
export function readInboundMessages(json: unknown): InboundWhatsAppMessage[] {
  const parsed = whatsAppWebhookSchema.safeParse(json);
  if (!parsed.success) throw payloadError(parsed.error);
  if (parsed.data.object !== "whatsapp_business_account") return [];
  const messages: InboundWhatsAppMessage[] = [];
  parsed.data.entry.forEach((entry, entryIndex) => {
    entry.changes.forEach((change, changeIndex) => {
      if (change.field !== "messages") return;
      const value = valueSchema.safeParse(change.value);
      if (!value.success) throw payloadError(value.error, `entry.${entryIndex}.changes.${changeIndex}.value`);
      const names = new Map(
        (value.data.contacts ?? []).map((contact) => [contact.wa_id ?? "", contact.profile?.name ?? null]),
      );
      for (const message of value.data.messages ?? []) {
        messages.push({
          id: message.id,
          from: message.from,
          phoneNumberId: value.data.metadata.phone_number_id,
          type: message.type,
          text: message.type === "text" ? (message.text?.body ?? "") : null,
          profileName: names.get(message.from) ?? null,
          audio:
            message.type === "audio" && message.audio
              ? {
                  mediaId: message.audio.id,
                  mimeType: message.audio.mime_type ?? null,
                  voice: message.audio.voice ?? false,
                }
              : null,
          image:
            message.type === "image" && message.image
              ? {
                  mediaId: message.image.id,
                  mimeType: message.image.mime_type ?? null,
                  caption: message.image.caption ?? "",
                }
              : null,
        });
      }
    });
  });
  return messages;
}

function payloadError(error: z.ZodError, prefix = ""): WhatsAppPayloadError {
  const issue = error.issues[0];
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join(".") || "(body)";
  return new WhatsAppPayloadError(field, `${field}: ${issue?.message ?? "invalid"}`);
}
