/** Reads a V8 .cpuprofile (node --cpu-prof) and sums self time by function and by module. */
import fs from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly percent: number;
}

const META = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/** node_modules/<package>, src/<folder>/<file>, node:<module>, or the frame's own label. */
function moduleOf(url: string, name: string): string {
  if (!url) return META.has(name) ? name : "(native)";
  const path = url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1] as string;
  const own = /\/(src|bench|actions)\/(.+)$/.exec(path);
  if (own) return `${own[1]}/${own[2]}`;
  if (path.startsWith("node:")) return path;
  return path.split("/").slice(-2).join("/");
}

/**
 * `window` keeps only the samples taken between `fromEndS` and `toEndS`
 * seconds before the profile ends (the process's exit): the load, without
 * the start-up (module loading, PGlite's start) that --cpu-prof also records.
 */
export function summarise(
  file: string,
  top = 20,
  window?: { readonly fromEndS: number; readonly toEndS: number },
): { functions: SelfTime[]; modules: SelfTime[]; idlePercent: number; samples: number } {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const hits = new Map<number, number>();
  const samples = profile.samples ?? [];
  let at = profile.startTime;
  const from = window ? profile.endTime - window.fromEndS * 1e6 : Number.NEGATIVE_INFINITY;
  const to = window ? profile.endTime - window.toEndS * 1e6 : Number.POSITIVE_INFINITY;
  samples.forEach((id, i) => {
    at += profile.timeDeltas?.[i] ?? 0;
    if (at >= from && at <= to) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  const byFunction = new Map<string, { name: string; where: string; hits: number }>();
  const byModule = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const count = samples.length ? (hits.get(node.id) ?? 0) : (node.hitCount ?? 0);
    if (count === 0) continue;
    total += count;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += count;
      continue;
    }
    const name = functionName || "(anonymous)";
    const module = moduleOf(url, name);
    const where = url ? `${module}:${lineNumber + 1}` : module;
    const key = `${name}@${where}`;
    const entry = byFunction.get(key) ?? { name, where, hits: 0 };
    entry.hits += count;
    byFunction.set(key, entry);
    byModule.set(module, (byModule.get(module) ?? 0) + count);
  }
  const percent = (n: number) => Math.round((n / Math.max(1, total)) * 1000) / 10;
  return {
    functions: [...byFunction.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, percent: percent(f.hits) })),
    modules: [...byModule.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => ({ name, where: "", percent: percent(n) })),
    idlePercent: percent(idle),
    samples: total,
  };
}
