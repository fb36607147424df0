#!/usr/bin/env node
// trellis runs its TypeScript (and an app's own actions/*.ts) through tsx: no build step after npm install.
// The CommonJS hook too, for a .cts file an app requires; actions themselves are always ES modules (src/loader/engine-module.ts).
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

register();
registerCommonJs();
await import("../src/cli/main.ts");
