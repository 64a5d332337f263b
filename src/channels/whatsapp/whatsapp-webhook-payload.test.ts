import { describe, expect, it } from "vitest";
import { readLinkCode } from "./whatsapp-links.ts";
import type { WhatsAppPayloadError } from "./whatsapp-webhook-payload.ts";
import { readInboundMessages } from "./whatsapp-webhook-payload.ts";

function webhook(value: unknown, field = "messages") {
  return { object: "whatsapp_business_account", entry: [{ id: "WABA", changes: [{ field, value }] }] };
}

const METADATA = { display_phone_number: "15550100", phone_number_id: "106540352242922" };

describe("reading Meta's webhook", () => {
  it("reads text and other messages with the business number and the sender's profile name", () => {
    const messages = readInboundMessages(
      webhook({
        messaging_product: "whatsapp",
        metadata: METADATA,
        contacts: [{ wa_id: "14155550111", profile: { name: "Ana" } }],
        messages: [
          { from: "14155550111", id: "wamid.1", timestamp: "1", type: "text", text: { body: "Hi" } },
          {
            from: "14155550111",
            id: "wamid.2",
            timestamp: "2",
            type: "image",
            image: { id: "x", mime_type: "image/jpeg", sha256: "y", caption: "At the beach" },
          },
          { from: "14155550111", id: "wamid.4", timestamp: "4", type: "sticker", sticker: { id: "s" } },
          {
            from: "14155550111",
            id: "wamid.3",
            timestamp: "3",
            type: "audio",
            audio: { id: "1234", mime_type: "audio/ogg; codecs=opus", sha256: "x", voice: true },
          },
        ],
      }),
    );
    expect(messages).toEqual([
      {
        id: "wamid.1",
        from: "14155550111",
        phoneNumberId: "106540352242922",
        type: "text",
        text: "Hi",
        profileName: "Ana",
        audio: null,
        image: null,
      },
      {
        id: "wamid.2",
        from: "14155550111",
        phoneNumberId: "106540352242922",
        type: "image",
        text: null,
        profileName: "Ana",
        audio: null,
        image: { mediaId: "x", mimeType: "image/jpeg", caption: "At the beach" },
      },
      {
        id: "wamid.4",
        from: "14155550111",
        phoneNumberId: "106540352242922",
        type: "sticker",
        text: null,
        profileName: "Ana",
        audio: null,
        image: null,
      },
      {
        id: "wamid.3",
        from: "14155550111",
        phoneNumberId: "106540352242922",
        type: "audio",
        text: null,
        profileName: "Ana",
        audio: { mediaId: "1234", mimeType: "audio/ogg; codecs=opus", voice: true },
        image: null,
      },
    ]);
  });

  it("finds nothing in status updates, other fields and other products", () => {
    expect(
      readInboundMessages(webhook({ metadata: METADATA, statuses: [{ id: "wamid.9", status: "read" }] })),
    ).toEqual([]);
    expect(readInboundMessages(webhook({ anything: true }, "account_update"))).toEqual([]);
    expect(readInboundMessages({ object: "page", entry: [] })).toEqual([]);
  });

  it("names the field that is not what Meta sends", () => {
    const failure = (json: unknown) => {
      try {
        readInboundMessages(json);
      } catch (error) {
        return error as WhatsAppPayloadError;
      }
      throw new Error("expected a WhatsAppPayloadError");
    };
    expect(failure({ entry: [] }).field).toBe("object");
    expect(failure(webhook({ messages: [] })).field).toBe("entry.0.changes.0.value.metadata");
    expect(failure(webhook({ metadata: METADATA, messages: [{ from: "1", type: "text" }] })).field).toBe(
      "entry.0.changes.0.value.messages.0.id",
    );
  });
});

describe("link codes in messages", () => {
  it("reads a code however it was typed, and never an ordinary word", () => {
    expect(readLinkCode("7KQ2-9MXD")).toBe("7KQ2-9MXD");
    expect(readLinkCode(" link 7kq2 9mxd ")).toBe("7KQ2-9MXD");
    expect(readLinkCode("Link: 7KQ29MXD")).toBe("7KQ2-9MXD");
    expect(readLinkCode("7KQ2-9MXO")).toBe("7KQ2-9MX0"); // O read as zero, I and L as one
    expect(readLinkCode("birthday")).toBeUndefined();
    expect(readLinkCode("my code is 7KQ2-9MXD")).toBeUndefined();
    expect(readLinkCode("7KQ2-9MX")).toBeUndefined();
  });
});
