import { ValidationError } from "../../errors/app-error.ts";

/*
 * SMS is offered in the United States and Canada only (as the reference's help centre lists), so a
 * number must be +1 and a real North American number (area code and exchange starting 2-9). The
 * +1 area codes of the other North American Numbering Plan countries (Jamaica, the Bahamas, the
 * Dominican Republic, ...) are refused; US territories are part of the United States and accepted.
 */

/** +1 area codes that belong to countries other than the United States and Canada. */
const OTHER_NANP_COUNTRY_AREA_CODES = new Set([
  "242", // Bahamas
  "246", // Barbados
  "264", // Anguilla
  "268", // Antigua and Barbuda
  "284", // British Virgin Islands
  "345", // Cayman Islands
  "441", // Bermuda
  "473", // Grenada
  "649", // Turks and Caicos Islands
  "658", // Jamaica
  "664", // Montserrat
  "721", // Sint Maarten
  "758", // Saint Lucia
  "767", // Dominica
  "784", // Saint Vincent and the Grenadines
  "809", // Dominican Republic
  "829", // Dominican Republic
  "849", // Dominican Republic
  "868", // Trinidad and Tobago
  "869", // Saint Kitts and Nevis
  "876", // Jamaica
]);

export const SMS_COUNTRIES = ["United States", "Canada"] as const;

const E164 = /^\+[1-9]\d{1,14}$/;
const NORTH_AMERICAN = /^\+1([2-9]\d{2})[2-9]\d{6}$/;

/** Why a number cannot be used for SMS, or undefined when it can. */
export function smsNumberProblem(phoneNumber: string): string | undefined {
  if (!E164.test(phoneNumber)) return "must be an E.164 phone number such as +14155550100";
  const match = NORTH_AMERICAN.exec(phoneNumber);
  const areaCode = match?.[1];
  if (!areaCode || areaCode.endsWith("11") || OTHER_NANP_COUNTRY_AREA_CODES.has(areaCode)) {
    return `SMS is only available for ${SMS_COUNTRIES.join(" and ")} numbers (+1 and 10 digits)`;
  }
  return undefined;
}

/**
 * The number in E.164 form, ready to store and compare; spaces, dashes, dots and brackets people
 * type are dropped. 422 naming `field` when it is not a United States or Canada number.
 *
 * @example parseSmsNumber("+1 (415) 555-0100", "phone_number"); // "+14155550100"
 */
export function parseSmsNumber(input: string, field: string): string {
  const phoneNumber = input.replace(/[\s\-.()]/g, "");
  const problem = smsNumberProblem(phoneNumber);
  if (problem) throw new ValidationError([{ field, message: problem }]);
  return phoneNumber;
}

/** True when an inbound sender or recipient can take part in SMS. */
export function isSmsNumber(phoneNumber: string): boolean {
  return smsNumberProblem(phoneNumber) === undefined;
}
