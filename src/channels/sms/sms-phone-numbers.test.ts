import { describe, expect, it } from "vitest";
import { ValidationError } from "../../errors/app-error.ts";
import { readSmsKeyword } from "./sms-keywords.ts";
import { isSmsNumber, parseSmsNumber } from "./sms-phone-numbers.ts";

describe("SMS phone numbers", () => {
  it("accepts United States and Canada numbers and normalises what people type", () => {
    expect(parseSmsNumber("+14155550100", "phone_number")).toBe("+14155550100");
    expect(parseSmsNumber("+1 (416) 555-0199", "phone_number")).toBe("+14165550199"); // Toronto
    expect(parseSmsNumber("+1.604.555.0123", "phone_number")).toBe("+16045550123"); // Vancouver
    expect(isSmsNumber("+17875550100")).toBe(true); // Puerto Rico is part of the United States
    expect(isSmsNumber("+18005551212")).toBe(true); // toll free
  });

  it.each([
    ["+442071838750", "only available for United States and Canada"], // United Kingdom
    ["+4915112345678", "only available for United States and Canada"], // Germany
    ["+18765550100", "only available for United States and Canada"], // Jamaica shares +1
    ["+12425550100", "only available for United States and Canada"], // the Bahamas
    ["+18095550100", "only available for United States and Canada"], // Dominican Republic
    ["+14115550100", "only available for United States and Canada"], // 411 is not an area code
    ["+11155550100", "only available for United States and Canada"], // area codes start 2-9
    ["+14151550100", "only available for United States and Canada"], // exchanges start 2-9
    ["+1415555010", "only available for United States and Canada"], // 9 digits
    ["4155550100", "E.164"],
    ["+1 415 555 0100 ext 2", "E.164"],
    ["", "E.164"],
  ])("refuses %s with a 422 naming the field", (input, message) => {
    let error: unknown;
    try {
      parseSmsNumber(input, "phone_number");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(422);
    expect((error as ValidationError).errors[0]?.field).toBe("phone_number");
    expect((error as ValidationError).errors[0]?.message).toContain(message);
  });
});

describe("SMS keywords", () => {
  it.each([
    ["STOP", "stop"],
    [" stop ", "stop"],
    ["StopAll", "stop"],
    ["unsubscribe", "stop"],
    ["CANCEL", "stop"],
    ["end\n", "stop"],
    ["Quit", "stop"],
    ["START", "start"],
    ["yes", "start"],
    ["Unstop", "start"],
    ["help", "help"],
    ["HELP ", "help"],
  ])("reads %j as %s", (body, keyword) => {
    expect(readSmsKeyword(body)).toBe(keyword);
  });

  it.each(["please stop", "stop it", "STOP!", "helpful", "", "yes please"])("reads %j as words", (body) => {
    expect(readSmsKeyword(body)).toBeUndefined();
  });
});
