#!/usr/bin/env node
// trellis runs its TypeScript (and an app's own actions/*.ts) through tsx: no build step after npm install.
// Both hooks: an app folder without "type": "module" has its actions loaded as CommonJS.
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

register();
registerCommonJs();
await import("../src/cli/main.ts");
