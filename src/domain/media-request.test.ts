import { describe, expect, it } from "vitest";
import { detectMediaRequest } from "./media-request.ts";

describe("detectMediaRequest", () => {
  it.each([
    ["Send me a picture of you", { kind: "selfie", subject: "" }],
    ["send me a selfie please!", { kind: "selfie", subject: "" }],
    ["Can you send me a pic of yourself at the beach?", { kind: "selfie", subject: "at the beach" }],
    ["could you show me another photo of you in your garden", { kind: "selfie", subject: "in your garden" }],
    ["Take a selfie at the market", { kind: "selfie", subject: "at the market" }],
    ["draw me a picture of a red fox in the snow", { kind: "picture", subject: "a red fox in the snow" }],
    ["Send me a photo of your cat.", { kind: "picture", subject: "your cat" }],
    ["edit this photo to make the sky purple", { kind: "edit", subject: "make the sky purple" }],
    ["Change the picture so that I'm wearing a hat", { kind: "edit", subject: "I'm wearing a hat" }],
    [
      "turn this photo into a video of her waving",
      { kind: "video", subject: "her waving", fromPicture: true },
    ],
    ["Animate this picture", { kind: "video", subject: "", fromPicture: true }],
    ["make it into a video", { kind: "video", subject: "", fromPicture: true }],
    [
      "send me a video of you dancing",
      { kind: "video", subject: "dancing", fromPicture: false, ofPersona: true },
    ],
    ["send me a quick nude picture of you", { kind: "selfie", subject: "nude" }],
    ["send me a cute picture of a red panda", { kind: "picture", subject: "a red panda" }],
  ])("reads %j", (text, expected) => {
    expect(detectMediaRequest(text)).toEqual(expected);
  });

  it.each([
    "I took a picture of the sunset yesterday",
    "What a nice photo!",
    "Do you like taking pictures?",
    "Show me what you've got",
    "edit this photo",
    "I sent you a picture of my dog",
    "",
  ])("leaves %j alone", (text) => {
    expect(detectMediaRequest(text)).toBeUndefined();
  });
});
