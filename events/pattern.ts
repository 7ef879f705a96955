/**
 * EventBridge event-pattern matching, for the local bus to evaluate the same rule patterns CDK
 * deploys (events/rules.ts). Semantics follow the EventBridge documentation ("Event patterns",
 * "Content filtering"):
 *
 * - a pattern is an object; every key must match; nested objects descend into the event;
 * - a leaf is an array of matchers, any of which may match (OR);
 * - an array in the event matches when any of its elements matches;
 * - a field missing from the event matches only `{ exists: false }`;
 * - matchers: exact values (string, number compared numerically, boolean, null), `prefix`,
 *   `suffix` (both also with `equals-ignore-case`), `equals-ignore-case`, `anything-but` (a value,
 *   a list, or prefix/suffix/equals-ignore-case/wildcard), `exists`, `numeric`, `wildcard`, and `$or`.
 *
 * Anything else (e.g. `cidr`) throws, so a rule the local bus cannot evaluate fails loudly at
 * start rather than silently matching nothing.
 */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function matchesPattern(pattern: object, event: unknown): boolean {
  return matchObject(pattern as Record<string, unknown>, event);
}

/** Throws UnsupportedPatternError for a pattern (or part of one) this matcher does not implement. */
export function assertSupportedPattern(pattern: object): void {
  // Matching against an event with every field missing visits every matcher once.
  walk(pattern as Record<string, unknown>);
  function walk(p: Record<string, unknown>) {
    for (const [key, value] of Object.entries(p)) {
      if (key === '$or') {
        if (!Array.isArray(value) || value.length < 2) throw new UnsupportedPatternError('$or needs an array of at least two patterns');
        value.forEach((sub) => walk(sub as Record<string, unknown>));
      } else if (Array.isArray(value)) {
        if (value.length === 0) throw new UnsupportedPatternError(`empty matcher list at ${key}`);
        value.forEach((m) => isObject(m) && checkMatcher(m));
      } else if (isObject(value)) walk(value);
      else throw new UnsupportedPatternError(`pattern value at ${key} must be an array or an object`);
    }
  }
}

function matchObject(pattern: Record<string, unknown>, event: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(expected as Record<string, unknown>[]).some((alt) => matchObject(alt, event))) return false;
      continue;
    }
    const actual = isObject(event) ? event[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchLeaf(expected, actual)) return false;
    } else if (isObject(expected)) {
      // Descending into an array matches when any element matches the sub-pattern.
      const candidates = Array.isArray(actual) ? actual : [actual];
      if (!candidates.some((c) => matchObject(expected, isObject(c) ? c : undefined))) return false;
    } else {
      throw new UnsupportedPatternError(`pattern value at ${key} must be an array or an object`);
    }
  }
  return true;
}

function matchLeaf(matchers: readonly unknown[], actual: unknown): boolean {
  const present = actual !== undefined;
  const values = Array.isArray(actual) ? actual : [actual];
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) {
      checkMatcher(m);
      // Exists matches leaves only: an object is an intermediate node, not a value.
      const leafPresent = present && !isObject(actual);
      return m.exists === leafPresent;
    }
    if (!present) return false;
    return values.some((v) => matchValue(m, v));
  });
}

function matchValue(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) return exactEquals(matcher, value);
  checkMatcher(matcher);
  const [kind, arg] = Object.entries(matcher)[0]!;
  switch (kind) {
    case 'prefix':
      return typeof value === 'string' && affix(arg, value, (s, a) => s.startsWith(a));
    case 'suffix':
      return typeof value === 'string' && affix(arg, value, (s, a) => s.endsWith(a));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (arg as string).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcard(arg as string).test(value);
    case 'numeric':
      return typeof value === 'number' && numeric(arg as unknown[], value);
    case 'anything-but':
      return anythingBut(arg, value);
    default:
      throw new UnsupportedPatternError(`unsupported matcher ${kind}`);
  }
}

const SUPPORTED = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'numeric', 'anything-but', 'exists']);

function checkMatcher(matcher: Record<string, unknown>): void {
  const keys = Object.keys(matcher);
  if (keys.length !== 1 || !SUPPORTED.has(keys[0]!)) throw new UnsupportedPatternError(`unsupported matcher ${JSON.stringify(matcher)}`);
  const [kind, arg] = [keys[0]!, matcher[keys[0]!]];
  if (kind === 'exists' && typeof arg !== 'boolean') throw new UnsupportedPatternError('exists takes true or false');
  if (kind === 'numeric') numericClauses(arg);
  if ((kind === 'prefix' || kind === 'suffix') && typeof arg !== 'string' && !(isObject(arg) && typeof arg['equals-ignore-case'] === 'string')) {
    throw new UnsupportedPatternError(`${kind} takes a string or { "equals-ignore-case": string }`);
  }
  if ((kind === 'equals-ignore-case' || kind === 'wildcard') && typeof arg !== 'string') throw new UnsupportedPatternError(`${kind} takes a string`);
  if (kind === 'anything-but') checkAnythingBut(arg);
}

const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number';

function checkAnythingBut(arg: unknown): void {
  if (scalar(arg) || (Array.isArray(arg) && arg.length > 0 && arg.every(scalar))) return;
  if (isObject(arg)) {
    const entries = Object.entries(arg);
    const [kind, inner] = entries[0] ?? [];
    const strings = typeof inner === 'string' || (Array.isArray(inner) && inner.length > 0 && inner.every((s) => typeof s === 'string'));
    if (entries.length === 1 && strings && (kind === 'equals-ignore-case' || kind === 'wildcard')) return;
    if (entries.length === 1 && typeof inner === 'string' && (kind === 'prefix' || kind === 'suffix')) return;
  }
  throw new UnsupportedPatternError(`unsupported anything-but ${JSON.stringify(arg)}`);
}

function exactEquals(expected: unknown, value: unknown): boolean {
  if (typeof expected === 'number' && typeof value === 'number') return expected === value;
  return expected === value;
}

function affix(arg: unknown, value: string, test: (s: string, a: string) => boolean): boolean {
  if (typeof arg === 'string') return test(value, arg);
  const ci = (arg as { 'equals-ignore-case': string })['equals-ignore-case'];
  return test(value.toLowerCase(), ci.toLowerCase());
}

function wildcard(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '\\' && glob[i + 1] === '*') {
      source += '\\*';
      i++;
    } else if (ch === '*') source += '.*';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

const OPS = {
  '=': (a: number, b: number) => a === b,
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
} as const;

function numericClauses(arg: unknown): [keyof typeof OPS, number][] {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) throw new UnsupportedPatternError('numeric takes one or two [operator, number] pairs');
  const clauses: [keyof typeof OPS, number][] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    if (typeof op !== 'string' || !(op in OPS) || typeof n !== 'number') throw new UnsupportedPatternError(`bad numeric clause ${JSON.stringify([op, n])}`);
    clauses.push([op as keyof typeof OPS, n]);
  }
  return clauses;
}

function numeric(arg: unknown[], value: number): boolean {
  return numericClauses(arg).every(([op, n]) => OPS[op](value, n));
}

function anythingBut(arg: unknown, value: unknown): boolean {
  if (Array.isArray(arg)) return !arg.some((a) => exactEquals(a, value));
  if (!isObject(arg)) return !exactEquals(arg, value);
  const [kind, inner] = Object.entries(arg)[0]!;
  // The string forms say nothing about a number or boolean, which is therefore "anything but" them.
  if (typeof value !== 'string') return true;
  switch (kind) {
    case 'prefix':
      return !value.startsWith(inner as string);
    case 'suffix':
      return !value.endsWith(inner as string);
    case 'equals-ignore-case': {
      const list = (Array.isArray(inner) ? inner : [inner]) as string[];
      return !list.some((s) => s.toLowerCase() === value.toLowerCase());
    }
    case 'wildcard': {
      const list = (Array.isArray(inner) ? inner : [inner]) as string[];
      return !list.some((s) => wildcard(s).test(value));
    }
    default:
      throw new UnsupportedPatternError(`unsupported anything-but ${JSON.stringify(arg)}`);
  }
}
