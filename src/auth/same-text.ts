import { timingSafeEqual } from "node:crypto";

/** Whether two texts are equal, compared in constant time: for secrets a guesser must not learn by timing. */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
