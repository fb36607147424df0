import { renderSVG } from "uqr";

/** A QR code of `text` as an SVG data URL, ready for `<img src>`; medium error correction, as authenticator apps scan best. */
export function qrDataUrl(text: string): string {
  const svg = renderSVG(text, { ecc: "M", border: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}`;
}
