import { describe, expect, it } from "vitest";
import { DEFAULT_DEVICE_NAME, nameDevice } from "./device-name.ts";

describe("nameDevice", () => {
  it("names the browser and the system of common User-Agents", () => {
    const cases: [string, string][] = [
      ["Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0", "Firefox on Android"],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Safari on iPhone",
      ],
      [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
        "Edge on Windows",
      ],
      [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "Chrome on macOS",
      ],
      [
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
        "Samsung Internet on Android",
      ],
      ["Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on Linux"],
    ];
    for (const [userAgent, name] of cases) expect(nameDevice(userAgent), userAgent).toBe(name);
  });

  it("falls back to a plain name", () => {
    expect(nameDevice(undefined)).toBe(DEFAULT_DEVICE_NAME);
    expect(nameDevice("curl/8.5.0")).toBe("This device");
  });
});
