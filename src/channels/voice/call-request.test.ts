import { describe, expect, it } from "vitest";
import { asksForCall } from "./call-request.ts";
import { mediaStreamUrl, sayAndHangUpTwiml, streamTwiml } from "./twiml.ts";

describe("asksForCall", () => {
  it.each(["call me", "Can you call me?", "CALL ME please", "give me a call when you can", "Ring me!"])(
    "hears a request in %j",
    (text) => expect(asksForCall(text)).toBe(true),
  );

  it.each(["I'll call my mom later", "what do you call this?", "recall meetings", "ringing in my ears", ""])(
    "hears none in %j",
    (text) => expect(asksForCall(text)).toBe(false),
  );
});

describe("TwiML", () => {
  it("connects a stream with parameters, escaped, and no query string in its url", () => {
    const url = mediaStreamUrl("https://chat.example.com/");
    expect(url).toBe("wss://chat.example.com/v1/twilio/media-stream");
    expect(mediaStreamUrl("http://127.0.0.1:8080")).toBe("ws://127.0.0.1:8080/v1/twilio/media-stream");
    expect(streamTwiml({ url, parameters: { call_id: "cal_1", token: 'a"<b' } })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>' +
        '<Stream url="wss://chat.example.com/v1/twilio/media-stream">' +
        '<Parameter name="call_id" value="cal_1"/><Parameter name="token" value="a&quot;&lt;b"/>' +
        "</Stream></Connect></Response>",
    );
  });

  it("says and hangs up", () => {
    expect(sayAndHangUpTwiml("Tom & Jerry")).toContain("<Say>Tom &amp; Jerry</Say><Hangup/>");
  });
});
