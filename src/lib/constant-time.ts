import { timingSafeEqual } from "node:crypto";

/**
 * Whether two secrets (signatures, tokens) are equal, compared in constant time so that a forger learns
 * nothing from how long a wrong guess took; texts of different lengths are unequal, in the same time.
 *
 * @example equalInConstantTime(expectedSignature, request.header("x-hub-signature-256") ?? "")
 */
export function equalInConstantTime(expected: string, presented: string): boolean {
  const expectedBytes = Buffer.from(expected, "utf8");
  const presentedBytes = Buffer.from(presented, "utf8");
  const sameLength = expectedBytes.length === presentedBytes.length;
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time the same either way.
  return timingSafeEqual(expectedBytes, sameLength ? presentedBytes : expectedBytes) && sameLength;
}
