import { randomInt } from "node:crypto";
import { defineAction } from "trellis";

/**
 * "How to train your dragon" → "how-to-train-your-dragon-k3x9f2": lower-case words
 * (accents dropped) joined by "-", plus a random suffix so that articles with the
 * same title get different slugs.
 */
export default defineAction<{ text: string }, string>({
  name: "slugify",
  description: "Turns a title into a URL slug: lower-case words joined by '-', with a random suffix.",
  pure: true,
  options: { type: "object", properties: { text: { type: "string" } }, required: ["text"], additionalProperties: false },
  run(_ctx, { text }) {
    const plain = text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
    const words = plain.match(/[\p{L}\p{N}]+/gu) ?? [];
    const suffix = `00000${randomInt(36 ** 6).toString(36)}`.slice(-6);
    const base = words.join("-").slice(0, 80).replace(/-$/, "");
    return base ? `${base}-${suffix}` : suffix;
  },
});
