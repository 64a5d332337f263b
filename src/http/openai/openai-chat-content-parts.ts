import { z } from "@hono/zod-openapi";
import type { FieldError } from "../../errors/app-error.ts";
import type { ContentPart } from "../../models/language-model.ts";
import type { RequestMessage } from "./openai-chat-request-schema.ts";

/*
 * A message's content parts (text, refusal, image_url, input_audio, file) read into the model layer's
 * parts. Each part is checked on its own, so a bad one is a 400 naming its place.
 */

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const imagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    url: z.string().min(1),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
const audioPart = z.object({
  type: z.literal("input_audio"),
  input_audio: z.object({ data: z.string().min(1), format: z.enum(["wav", "mp3"]) }),
});
const filePart = z.object({
  type: z.literal("file"),
  file: z.object({
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    filename: z.string().optional(),
  }),
});
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() });

/** A message's content as parts, each checked; a string is one text part. */
export function readParts(message: RequestMessage, field: string, problems: FieldError[]): ContentPart[] {
  if (typeof message.content === "string") return [{ type: "text", text: message.content }];
  if (!message.content) return [];
  return message.content.flatMap((raw, index): ContentPart[] => {
    const partField = `${field}.content[${index}]`;
    const fail = (message: string): ContentPart[] => {
      problems.push({ field: partField, message });
      return [];
    };
    switch (raw.type) {
      case "text": {
        const part = textPart.safeParse(raw);
        return part.success ? [{ type: "text", text: part.data.text }] : fail("a text part needs text");
      }
      case "refusal": {
        const part = refusalPart.safeParse(raw);
        return part.success
          ? [{ type: "text", text: part.data.refusal }]
          : fail("a refusal part needs refusal");
      }
      case "image_url": {
        const part = imagePart.safeParse(raw);
        if (!part.success) return fail("an image_url part needs image_url.url");
        const { url, detail } = part.data.image_url;
        if (!/^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i.test(url)) {
          return fail("image_url.url must be an http(s) URL or a data:image/...;base64 URL");
        }
        return [{ type: "image", url, ...(detail && { detail }) }];
      }
      case "input_audio": {
        const part = audioPart.safeParse(raw);
        return part.success
          ? [{ type: "audio", data: part.data.input_audio.data, format: part.data.input_audio.format }]
          : fail("an input_audio part needs input_audio.data (base64) and format wav or mp3");
      }
      case "file": {
        const part = filePart.safeParse(raw);
        if (!part.success) return fail("a file part needs file.file_data");
        const { file_data: data, file_id: id, filename } = part.data.file;
        if (!data) {
          return fail(
            id
              ? "file ids are not available on this server (it has no /v1/files); send file_data"
              : "a file part needs file.file_data",
          );
        }
        const match = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+);base64,(.*)$/is.exec(data);
        if (!match) return fail("file.file_data must be a data: URL (data:application/pdf;base64,...)");
        return [
          {
            type: "file",
            mediaType: match[1]!.toLowerCase(),
            data: match[2]!,
            ...(filename && { filename }),
          },
        ];
      }
      default:
        return fail(`content part type ${JSON.stringify(raw.type).slice(0, 40)} is not supported`);
    }
  });
}
