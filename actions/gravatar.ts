import { createHash } from "node:crypto";
import { defineAction } from "trellis";

interface GravatarOptions {
  email: string;
  size?: number;
}

/**
 * An example of an app's own action: a file in actions/ whose default export
 * is a defineAction, named like the file. Used by endpoints/auth/me.get.yaml.
 */
export default defineAction<GravatarOptions, string>({
  name: "gravatar",
  description: "Returns the Gravatar image URL for an email address (SHA-256 of the trimmed, lower-cased address).",
  pure: true,
  options: {
    type: "object",
    properties: {
      email: { type: "string", maxLength: 254 },
      size: { type: "integer", minimum: 1, maximum: 2048 },
    },
    required: ["email"],
    additionalProperties: false,
  },
  run(_ctx, { email, size = 80 }) {
    const hash = createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
    return `https://gravatar.com/avatar/${hash}?s=${size}&d=identicon`;
  },
});
