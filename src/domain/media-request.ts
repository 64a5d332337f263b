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
}

const ASK = String.raw`(?:can you |could you |would you |will you |please |pls |plz |go ahead and |now )*`;
const GIVE = String.raw`(?:send|show|give|share|take|snap|draw|make|generate|create|paint|render)`;
const PICTURE = String.raw`(?:picture|photo|pic|selfie|image|drawing|portrait|snapshot|photograph)`;
const VIDEO = String.raw`(?:video|clip|animation)`;
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
      return { kind: "video", subject: self.test(rest) ? rest.replace(self, "") : rest, fromPicture: false };
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
      String.raw`\b${ASK}${GIVE}\s+(?:me\s+|us\s+)?(?:an?\s+|another\s+|one more\s+|your\s+|some\s+)?(?:new\s+)?(?:selfie|${PICTURE}s?\s+of\s+${YOU}\b)(.*)`,
      "i",
    ),
    read: (match) => ({ kind: "selfie", subject: clean(match[1]) }),
  },
  {
    // "send me a picture of a red fox", "draw me a castle"
    pattern: new RegExp(
      String.raw`\b${ASK}${GIVE}\s+(?:me\s+|us\s+)?(?:an?\s+|another\s+)?${PICTURE}s?\s+of\s+(.+)`,
      "i",
    ),
    read: (match) => ({ kind: "picture", subject: clean(match[1]) }),
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
