#!/usr/bin/env node
// trellis runs from dist/, the engine bundled by scripts/build.mjs: npm install builds it, and so does this
// script whenever src/ or admin-ui/ (the admin page) has changed since, so there is no build step to remember.
import { build, isCurrent } from "../scripts/build.mjs";

if (!isCurrent()) await build();
await import("../dist/cli.js");
