// TypeScript → JavaScript for an app's action files, on Node's module-hooks thread (engine-module-hook.mjs).
// Plain JavaScript, loaded before any TypeScript support exists. It runs esbuild's binary for each file rather
// than load esbuild's JavaScript API, which would stay in the process (some 14 MB) for a few small files.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function binaryPath() {
  const name = process.platform === "win32" ? "esbuild.exe" : "bin/esbuild";
  try {
    return require.resolve(`@esbuild/${process.platform}-${process.arch}/${name}`);
  } catch {
    return undefined;
  }
}

const binary = binaryPath();

/** The file's code with its types removed, as an ES module, with an inline source map naming `file`. */
export function stripTypes(source, file) {
  const args = ["--loader=ts", "--format=esm", "--sourcemap=inline", `--sourcefile=${file}`, "--log-level=error"];
  if (binary) return execFileSync(binary, args, { input: source, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return require("esbuild").transformSync(source, { loader: "ts", format: "esm", sourcemap: "inline", sourcefile: file }).code;
}
