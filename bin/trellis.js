#!/usr/bin/env node
// trellis runs its TypeScript (and an app's own actions/*.ts) through tsx: no build step after npm install.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
