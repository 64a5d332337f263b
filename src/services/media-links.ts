import { z } from "zod";
import { AppError, NotFoundError } from "../errors/app-error.ts";
import type { Clock } from "../lib/clock.ts";
import type { SecretBox } from "../lib/secret-box.ts";

/** The path signed links are served under: public, the token is the only credential. */
export const MEDIA_LINK_PATH = "/v1/media-links";

/** How long a link opens: a provider fetches it within seconds, a day leaves room for its retries. */
export const MEDIA_LINK_TTL_MS = 24 * 60 * 60_000;

const SIGNING_PURPOSE = "media-link";

/** A link to one stored audio of a conversation, optionally as MP3 (what MMS carries). */
const audioLinkTargetSchema = z.object({
  kind: z.literal("audio"),
  tenantId: z.string().min(1),
  conversationId: z.string().min(1),
  audioId: z.string().min(1),
  format: z.enum(["stored", "mp3"]),
});
/** A link to one picture or video of the gallery (a persona's picture sent as an MMS), as stored. */
const mediaItemLinkTargetSchema = z.object({
  kind: z.literal("media"),
  tenantId: z.string().min(1),
  mediaId: z.string().min(1),
});
/** What a link opens. */
const mediaLinkTargetSchema = z.discriminatedUnion("kind", [
  audioLinkTargetSchema,
  mediaItemLinkTargetSchema,
]);
export type MediaLinkTarget = z.infer<typeof mediaLinkTargetSchema>;
export type AudioLinkTarget = z.infer<typeof audioLinkTargetSchema>;
export type MediaItemLinkTarget = z.infer<typeof mediaItemLinkTargetSchema>;

const tokenPayloadSchema = z.object({ target: mediaLinkTargetSchema, expires: z.number().int() });

/** A link whose signature holds but whose time is up. */
export class MediaLinkExpiredError extends AppError {
  constructor() {
    super(410, "Gone", "this media link has expired; the message's audio or picture needs a new link");
  }
}

/**
 * Signed, expiring links to stored media, for services that fetch media by URL and send no credentials
 * (Twilio fetches an MMS's MediaUrl). The token carries its target and expiry, signed with the
 * installation's key (SecretBox.sign), so nothing is stored per link and a key rotation keeps links
 * working until they expire. A token names its tenant: the target is looked up in that tenant only.
 *
 * @example const url = links.url({ kind: "audio", tenantId, conversationId, audioId, format: "mp3" })
 * @example const url = links.url({ kind: "media", tenantId, mediaId })
 */
export class MediaLinks {
  constructor(
    private readonly options: {
      secrets: SecretBox;
      clock: Clock;
      /** DRAMATIS_PUBLIC_URL: links are only made when the server can be reached from outside */
      publicUrl: string | undefined;
      ttlMs?: number;
    },
  ) {}

  /** True when links can be made: the server knows its public address. */
  get available(): boolean {
    return this.options.publicUrl !== undefined;
  }

  /** The absolute URL that opens `target` until the link expires. */
  url(target: MediaLinkTarget): string {
    const { publicUrl } = this.options;
    if (publicUrl === undefined) throw new Error("media links need DRAMATIS_PUBLIC_URL");
    return `${publicUrl.replace(/\/+$/, "")}${MEDIA_LINK_PATH}/${this.token(target)}`;
  }

  /** The token of a link to `target`: base64url payload, a dot, its signature. */
  token(target: MediaLinkTarget): string {
    const expires = Math.floor(
      (this.options.clock.now().getTime() + (this.options.ttlMs ?? MEDIA_LINK_TTL_MS)) / 1000,
    );
    const payload = Buffer.from(JSON.stringify({ target, expires }), "utf8").toString("base64url");
    return `${payload}.${this.options.secrets.sign(payload, SIGNING_PURPOSE)}`;
  }

  /** The target of a token: 404 when it is not one this server signed, 410 when it has expired. */
  open(token: string): MediaLinkTarget {
    const [payload, signature, extra] = token.split(".");
    const invalid = new NotFoundError("media link");
    if (!payload || !signature || extra !== undefined) throw invalid;
    if (!this.options.secrets.verify(payload, signature, SIGNING_PURPOSE)) throw invalid;
    let parsed: z.infer<typeof tokenPayloadSchema>;
    try {
      parsed = tokenPayloadSchema.parse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    } catch {
      throw invalid; // signed by this key but not a link of this version
    }
    if (parsed.expires * 1000 <= this.options.clock.now().getTime()) throw new MediaLinkExpiredError();
    return parsed.target;
  }
}
