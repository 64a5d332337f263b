import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockWhatsApp, type MockWhatsApp } from "../../../test/mock-whatsapp.ts";
import { WhatsAppClient, WhatsAppMediaTooLargeError } from "./whatsapp-client.ts";

describe("WhatsApp media through the Graph API", () => {
  let meta: MockWhatsApp;
  let client: WhatsAppClient;

  beforeAll(async () => {
    meta = await startMockWhatsApp();
    client = new WhatsAppClient(meta.settings);
  });
  afterAll(async () => meta?.close());

  it("downloads a user's media by its id, with its type", async () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5]);
    const media = await client.downloadMedia(meta.addMedia(bytes, "audio/ogg; codecs=opus"), {
      maxBytes: 16,
    });
    expect(media).toEqual({ bytes, contentType: "audio/ogg; codecs=opus" });
  });

  it("refuses media larger than the limit before downloading it", async () => {
    const id = meta.addMedia(new Uint8Array(100), "audio/ogg");
    const downloads = meta.downloads.length;
    await expect(client.downloadMedia(id, { maxBytes: 99 })).rejects.toThrow(WhatsAppMediaTooLargeError);
    expect(meta.downloads.length).toBe(downloads);
  });

  it("sends the access token to no host but Meta's", async () => {
    const fetched: string[] = [];
    const elsewhere = new WhatsAppClient({
      ...meta.settings,
      http: {
        ...meta.settings.http,
        fetch: async (input) => {
          fetched.push(String(input));
          return Response.json({ url: "https://media.example.com/x", mime_type: "audio/ogg", file_size: 3 });
        },
      },
    });
    await expect(elsewhere.downloadMedia("123", { maxBytes: 10 })).rejects.toThrow(/not one of Meta's hosts/);
    expect(fetched).toHaveLength(1); // the lookup only
  });

  it("uploads a file as multipart and sends it as an audio message", async () => {
    const file = {
      bytes: Uint8Array.from([0xff, 0xf3, 0x44, 0xc4]),
      contentType: "audio/mpeg",
      filename: "a.mp3",
    };
    const uploaded = await client.uploadMedia("106540352242922", file);
    expect(meta.uploads.at(-1)).toEqual({
      id: uploaded.id,
      phoneNumberId: "106540352242922",
      type: "audio/mpeg",
      contentType: "audio/mpeg",
      bytes: file.bytes,
    });
    const sent = await client.sendMedia({
      phoneNumberId: "106540352242922",
      to: "14155550111",
      type: "audio",
      mediaId: uploaded.id,
    });
    expect(meta.messages.at(-1)).toMatchObject({ id: sent.id, type: "audio", audioId: uploaded.id });
  });
});
