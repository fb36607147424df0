import type { AnyAction, CheckEnv } from "../actions/define-action.ts";
import type { CompiledStep } from "../pipeline/compiled-endpoint.ts";
import { compileCondition } from "../pipeline/condition.ts";
import { INPUT_ROOTS } from "../pipeline/scope.ts";
import { compileTemplate, escapeHtml, isConstant, type PathSegment, type Resolver, type TemplateEnv } from "../pipeline/template.ts";
import type { OptionsChecker } from "./compile-options.ts";
import { didYouMean } from "./suggest.ts";
import type { YamlSource } from "./yaml-source.ts";

const STEP_KEYS = new Set(["as", "when"]);
/** What `as:` may be: also the editor schema's pattern. */
export const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface StepsEnv {
  readonly actions: ReadonlyMap<string, AnyAction>;
  readonly options: OptionsChecker;
  readonly check: CheckEnv;
}

/**
 * Compiles `steps:`; returns the steps and the names they define, in order,
 * so the response can refer to them. Every problem is reported on `source`;
 * `use` is told the root of each reference (see TemplateEnv.use).
 */
export function compileSteps(
  raw: unknown,
  source: YamlSource,
  env: StepsEnv,
  use?: (root: string) => void,
  fields?: ReadonlyMap<string, ReadonlySet<string>>,
): { steps: CompiledStep[]; names: Set<string> } {
  const names = new Set<string>(INPUT_ROOTS);
  const steps: CompiledStep[] = [];
  if (raw === undefined) return { steps, names };
  if (!Array.isArray(raw)) {
    source.report(["steps"], "steps must be a list of actions");
    return { steps, names };
  }
  raw.forEach((item, index) => {
    const step = compileStep(item, ["steps", index], source, env, names, use, fields);
    if (step) steps.push(step);
  });
  return { steps, names };
}

function compileStep(
  item: unknown,
  path: PathSegment[],
  source: YamlSource,
  env: StepsEnv,
  names: Set<string>,
  use: ((root: string) => void) | undefined,
  fields?: ReadonlyMap<string, ReadonlySet<string>>,
): CompiledStep | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    source.report(path, "a step must be a map like `- db.insert: {…}` with optional `as:` and `when:`");
    return undefined;
  }
  const record = item as Record<string, unknown>;
  const actionKeys = Object.keys(record).filter((key) => !STEP_KEYS.has(key));
  if (actionKeys.length !== 1) {
    const message =
      actionKeys.length === 0
        ? "a step needs an action, like `- db.insert: {…}`"
        : `a step holds one action, found ${actionKeys.map((key) => `"${key}"`).join(", ")}`;
    source.report(actionKeys.length > 1 ? [...path, actionKeys[1] as string] : path, message, { atKey: actionKeys.length > 1 });
    return undefined;
  }
  const actionName = actionKeys[0] as string;
  const action = env.actions.get(actionName);
  const templateEnv: TemplateEnv = {
    roots: names,
    report: (at, message) => source.report(at, message),
    use,
    ...(fields ? { fields } : {}),
  };

  const when = record.when === undefined ? undefined : compileWhen(record.when, [...path, "when"], source, templateEnv);
  const as = compileName(record.as, [...path, "as"], source, names);

  if (!action) {
    source.report([...path, actionName], `unknown action "${actionName}"${didYouMean(actionName, env.actions.keys())}`, { atKey: true });
    if (as) names.add(as);
    return undefined;
  }

  const optionsPath = [...path, actionName];
  const written = record[actionName] ?? {};
  const problems = env.options.checkWritten(action, written);
  for (const problem of problems) source.report([...optionsPath, ...problem.at], `${actionName}: ${problem.message}`);
  if (problems.length === 0) {
    for (const issue of action.check?.(written, env.check) ?? []) {
      const at = typeof issue === "string" ? [] : issue.at;
      source.report([...optionsPath, ...at], `${actionName}: ${typeof issue === "string" ? issue : issue.message}`);
    }
  }
  const options = compileOptions(written, action, templateEnv, optionsPath);
  if (as) names.add(as);

  const { line, col } = source.position(path);
  return {
    action,
    options,
    recheck: isConstant(options) ? undefined : (resolved) => env.options.checkResolved(action, resolved),
    as,
    when,
    location: { file: source.file, line, col },
  };
}

function compileWhen(raw: unknown, path: PathSegment[], source: YamlSource, env: TemplateEnv) {
  if (typeof raw !== "string" && typeof raw !== "boolean") {
    source.report(path, 'when must be a reference like "${user}" or "${!user}", or a comparison like "${a} != ${b}"');
    return undefined;
  }
  return compileCondition(raw, env, path);
}

function compileName(raw: unknown, path: PathSegment[], source: YamlSource, names: Set<string>): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !STEP_NAME.test(raw)) {
    source.report(path, "as must be a name of letters, digits and _ (not starting with a digit)");
    return undefined;
  }
  if ((INPUT_ROOTS as readonly string[]).includes(raw)) {
    source.report(path, `"${raw}" is reserved for the request; choose another name`);
    return undefined;
  }
  if (names.has(raw)) {
    source.report(path, `a step named "${raw}" already comes earlier`);
    return undefined;
  }
  return raw;
}

/** Like compileTemplate, but the options the action lists under `html` interpolate HTML-escaped. */
function compileOptions(written: unknown, action: AnyAction, env: TemplateEnv, path: PathSegment[]): Resolver {
  const htmlKeys = action.html ?? [];
  if (htmlKeys.length === 0 || written === null || typeof written !== "object" || Array.isArray(written)) {
    return compileTemplate(written, env, path);
  }
  const escaped: TemplateEnv = { ...env, escape: escapeHtml };
  const entries = Object.entries(written).map(
    ([key, value]) => [key, compileTemplate(value, htmlKeys.includes(key) ? escaped : env, [...path, key])] as const,
  );
  if (entries.every(([, resolver]) => isConstant(resolver))) return compileTemplate(written, env, path);
  return (scope) => Object.fromEntries(entries.map(([key, resolver]) => [key, resolver(scope)]));
}
