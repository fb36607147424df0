// Creates a new embedded database folder, in a process of its own (see create-database.ts): initdb grows
// PGlite's memory to some 800 MB, which a WebAssembly instance never gives back. Plain JavaScript, run by node.
import { PGlite } from "@electric-sql/pglite";

const [dataDir] = process.argv.slice(2);
const pglite = new PGlite(dataDir);
await pglite.waitReady;
await pglite.close();
