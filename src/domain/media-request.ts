/**
 * Recognising a request for a picture or a video in what the user wrote, for the offline engine (models
 * with tools recognise it themselves through the media tool). Rules for English, deliberately narrow: a
 * false positive sends an unwanted picture, a miss only gets a written reply.
 */

export type MediaRequestKind = "selfie" | "picture" | "edit" | "video";

export interface MediaRequest {
  /** selfie: a picture of the persona; picture: of something else; edit: the attached photo changed; video */
  kind: MediaRequestKind;
  /** what should be in it or change ("at the beach", "a red fox in the snow", "make the sky purple") */
  subject: string;
  /** video only: from the attached (or last) picture rather than from words alone */
  fromPicture?: boolean;
  /** video only: of the persona itself ("a video of you dancing") */
  ofPersona?: boolean;
}

const ASK = String.raw`(?:can you |could you |would you |will you |please |pls |plz |go ahead and |now )*`;
const GIVE = String.raw`(?:send|show|give|share|take|snap|draw|make|generate|create|paint|render)`;
const PICTURE = String.raw`(?:picture|photo|pic|selfie|image|drawing|portrait|snapshot|photograph)`;
const VIDEO = String.raw`(?:video|clip|animation)`;
/** "a quick", "a cute little": up to two words before the noun */
const ADJECTIVES = String.raw`((?:(?!of\b|me\b)[a-z'-]+\s+){0,2}?)`;
/** Words before "picture" that say nothing about what is in it. */
const FILLERS = new Set([
  "quick",
  "new",
  "cute",
  "little",
  "nice",
  "good",
  "recent",
  "real",
  "current",
  "latest",
]);

/** "a nude picture of you at the beach": "nude, at the beach" (the words before the noun count too). */
function withAdjectives(adjectives: string | undefined, subject: string): string {
  const words = (adjectives ?? "")
    .trim()
    .split(/\s+/)
    .filter((word) => word && !FILLERS.has(word.toLowerCase()));
  return [words.join(" "), subject].filter(Boolean).join(", ");
}
const YOU = String.raw`(?:you|yourself|urself|u)`;
const THIS_PHOTO = String.raw`(?:this|that|the|my|it|the attached|the last)(?:\s+${PICTURE})?\b`;

const RULES: ReadonlyArray<{ pattern: RegExp; read: (match: RegExpMatchArray) => MediaRequest }> = [
  {
    // "turn this photo into a video of her waving", "make it into a video"
    pattern: new RegExp(
      String.raw`\b(?:turn|make|change|convert)\s+(?:${THIS_PHOTO}|it)\s+(?:into|in to|to)\s+an?\s+${VIDEO}\b(?:\s+(?:of|where|with|showing)\s+(.+))?`,
      "i",
    ),
    read: (match) => ({ kind: "video", subject: clean(match[1]), fromPicture: true }),
  },
  {
    // "animate this picture", "animate it so she waves"
    pattern: new RegExp(
      String.raw`\banimate\s+(?:${THIS_PHOTO}|it)\b(?:\s*(?:so that|so|to|with|:|-|,)\s*(.+))?`,
      "i",
    ),
    read: (match) => ({ kind: "video", subject: clean(match[1]), fromPicture: true }),
  },
  {
    // "send me a video of you dancing", "make a video of a cat"
    pattern: new RegExp(
      String.raw`\b${ASK}${GIVE}\s+(?:me\s+|us\s+)?an?\s+(?:short\s+)?${VIDEO}\s+of\s+(.+)`,
      "i",
    ),
    read: (match) => {
      const rest = clean(match[1]);
      const self = new RegExp(String.raw`^${YOU}\b\s*`, "i");
      const ofPersona = self.test(rest);
      return {
        kind: "video",
        subject: ofPersona ? rest.replace(self, "") : rest,
        fromPicture: false,
        ofPersona,
      };
    },
  },
  {
    // "edit this photo to make the sky purple", "change the picture so that I'm wearing a hat"
    pattern: new RegExp(
      String.raw`\b(?:edit|change|modify|fix|retouch)\s+${THIS_PHOTO}(?:\s+(?:to|so that|so|and)\s+|\s*[:,-]\s*)(.+)`,
      "i",
    ),
    read: (match) => ({ kind: "edit", subject: clean(match[1]) }),
  },
  {
    // "send me a selfie", "send me a pic of you at the beach", "what do you look like? show me a photo"
    pattern: new RegExp(
      String.raw`\b${ASK}${GIVE}\s+(?:me\s+|us\s+)?(?:an?\s+|another\s+|one more\s+|your\s+|some\s+)?${ADJECTIVES}(?:selfie|${PICTURE}s?\s+of\s+${YOU}\b)(.*)`,
      "i",
    ),
    read: (match) => ({ kind: "selfie", subject: withAdjectives(match[1], clean(match[2])) }),
  },
  {
    // "send me a picture of a red fox", "draw me a castle"
    pattern: new RegExp(
      String.raw`\b${ASK}${GIVE}\s+(?:me\s+|us\s+)?(?:an?\s+|another\s+)?${ADJECTIVES}${PICTURE}s?\s+of\s+(.+)`,
      "i",
    ),
    read: (match) => ({ kind: "picture", subject: withAdjectives(match[1], clean(match[2])) }),
  },
];

/**
 * The media the text asks for, or undefined.
 *
 * @example detectMediaRequest("Send me a picture of you at the beach!") // { kind: "selfie", subject: "at the beach" }
 */
export function detectMediaRequest(text: string): MediaRequest | undefined {
  const normalised = text.replace(/\s+/g, " ").trim();
  if (normalised.length > 2_000) return undefined;
  for (const rule of RULES) {
    const match = normalised.match(rule.pattern);
    if (!match) continue;
    const request = rule.read(match);
    if (request.kind === "picture" && new RegExp(String.raw`^${YOU}\b`, "i").test(request.subject)) {
      return {
        kind: "selfie",
        subject: request.subject.replace(new RegExp(String.raw`^${YOU}\b\s*`, "i"), ""),
      };
    }
    if ((request.kind === "picture" || request.kind === "edit") && !request.subject) continue;
    return request;
  }
  return undefined;
}

/** The rest of the sentence, without trailing punctuation, pleasantries or a question mark. */
function clean(text: string | undefined): string {
  return (text ?? "")
    .split(/[.!?\n]/)[0]!
    .replace(/\b(?:please|pls|plz|for me|thanks|thank you)\b/gi, "")
    .replace(/[\s,;:]+$/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The name of the tool a persona's model calls to send a picture or a video. */
export const SEND_MEDIA_TOOL = "send_media";

/** The send_media tool's arguments, as the model writes them. */
export interface SendMediaArguments {
  kind: "image" | "video";
  /** a picture or video of the persona itself (its appearance, its face) */
  of_persona: boolean;
  /** what should be in it, or what to change in an edit */
  description: string;
  /** change the photo the user attached (or the last picture in the chat) */
  edit_photo?: boolean;
  /** video only: animate the photo the user attached (or the last picture in the chat) */
  from_photo?: boolean;
}

/** The JSON schema of the tool's arguments. */
export const SEND_MEDIA_PARAMETERS = {
  type: "object",
  properties: {
    kind: { type: "string", enum: ["image", "video"], description: "a picture or a short video" },
    of_persona: {
      type: "boolean",
      description: "true for a picture or video of yourself (a selfie); false for anything else",
    },
    description: {
      type: "string",
      description:
        'what it shows ("smiling at the beach at sunset"), or for an edit what to change ("make the sky purple")',
    },
    edit_photo: {
      type: "boolean",
      description: "change the photo the user sent instead of making a new one",
    },
    from_photo: { type: "boolean", description: "video only: animate the photo the user sent" },
  },
  required: ["kind", "of_persona", "description"],
  additionalProperties: false,
} as const;

export const SEND_MEDIA_DESCRIPTION =
  "Send the user a picture or a short video: of yourself (a selfie), of something else, an edit of a photo " +
  "they sent, or a video made from a photo. Call it only when they ask for a picture, photo, selfie or " +
  "video; it starts the picture and returns at once, and the picture is attached to your reply.";

/** The tool's arguments for a request the rules recognised. */
export function sendMediaArguments(request: MediaRequest): SendMediaArguments {
  switch (request.kind) {
    case "selfie":
      return { kind: "image", of_persona: true, description: request.subject };
    case "picture":
      return { kind: "image", of_persona: false, description: request.subject };
    case "edit":
      return { kind: "image", of_persona: false, description: request.subject, edit_photo: true };
    case "video":
      return {
        kind: "video",
        of_persona: request.ofPersona ?? false,
        description: request.subject,
        from_photo: request.fromPicture ?? false,
      };
  }
}

/** What the tool answers the model: the picture is on its way, or why it will not come. */
export type SendMediaResult =
  | { status: "started"; media_id: string; kind: "image" | "video"; description: string }
  | { status: "refused"; reason: string };

/** The offline engine's in-character line after the tool answered. */
export function mediaToolReply(result: SendMediaResult, ofPersona: boolean): string {
  if (result.status === "refused") return `I can't send that right now: ${result.reason}.`;
  const what = result.kind === "video" ? "a little video" : ofPersona ? "a picture of me" : "a picture";
  const about = result.description ? ` (${result.description})` : "";
  return `Here's ${what}${about}. Give it a moment to come through!`;
}

const EXPLICIT =
  /\b(?:nude|nudes|naked|nsfw|topless|bottomless|porn\w*|sex|sexy|explicit|lingerie|undress\w*|strip(?:ping|tease)?|boobs?|tits?|nipples?|genitals?|xxx)\b/i;

/** Whether a request asks for adult content (refused unless the persona allows it and is an adult). */
export function asksForAdultContent(text: string): boolean {
  return EXPLICIT.test(text);
}
