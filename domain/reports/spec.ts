import { z } from 'zod';
import { IsoDate, IsoDateTime } from '../shared/schemas';
import { parseOrThrow } from '../validation';
import { aggregates, buckets, ops, sourceNames, sources, type Aggregate, type Bucket, type Field, type Source, type SourceName } from './sources';

/**
 * The custom report spec (DESIGN §13): a typed request checked against the allow-list of its
 * source (sources.ts) — every dimension, measure, filter, sort key and time column by name — with
 * each error at its exact path (`body.dimensions.2` unknown_dimension, `body.filters.0.op`
 * op_not_allowed). Nothing in a valid spec is SQL; the compiler maps names to expressions.
 *
 * Measures: `count`, or `<aggregate>:<field>` with the aggregates the field allows
 * (sum, avg, min, max, uniq, median, p90). On a boolean field `sum` counts the rows where it holds
 * and `avg` is the share of rows where it holds. Ratios divide one measure by another (a
 * conversion, a completion rate): null when the denominator is 0.
 */

export const MAX_LIMIT = 10_000;
export const DEFAULT_LIMIT = 1_000;
export const MAX_PERIOD_DAYS = 366;

const Scalar = z.union([z.string().max(200), z.number(), z.boolean()]);
export const ReportFilter = z.strictObject({
  field: z.string().min(1).max(64),
  op: z.enum(ops),
  value: z.union([Scalar, z.array(z.union([z.string().max(200), z.number()])).min(1).max(500)]),
});
export type ReportFilter = z.infer<typeof ReportFilter>;

export const ReportPeriod = z.strictObject({ from: IsoDate, to: IsoDate, on: z.string().max(64).optional() });
export type ReportPeriod = z.infer<typeof ReportPeriod>;

const Name = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, 'must be a name of letters, digits and _ (up to 40)');
export const ReportRatio = z.strictObject({ name: Name, numerator: z.string().max(80), denominator: z.string().max(80) });

const fields = {
  source: z.enum(sourceNames),
  dimensions: z.array(z.string().max(64)).max(4).default([]),
  measures: z.array(z.string().max(80)).min(1).max(12),
  ratios: z.array(ReportRatio).max(6).default([]),
  filters: z.array(ReportFilter).max(20).default([]),
  period: ReportPeriod.optional(),
  sort: z.array(z.strictObject({ by: z.string().max(80), dir: z.enum(['asc', 'desc']).default('asc') })).max(4).default([]),
  limit: z.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
};

export const ReportSpec = z.strictObject(fields).superRefine((spec, ctx) => {
  for (const issue of allowListIssues(spec)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { code: issue.code } });
});
export type ReportSpec = z.infer<typeof ReportSpec>;
export type ReportSpecInput = z.input<typeof ReportSpec>;

/** A catalogue report's spec: the period comes at run time (only which time column it is on is fixed). */
export type CatalogueSpec = Omit<ReportSpecInput, 'period'> & { periodOn?: string };

/** Parses a spec or throws a 422 listing every offending field under `where`. */
export const parseReportSpec = (input: unknown, where = 'body'): ReportSpec => parseOrThrow(ReportSpec, input, where);

// ── measures ──────────────────────────────────────────────────────────────────────────────────

export type Measure = { kind: 'count' } | { kind: 'aggregate'; aggregate: Aggregate; field: string };

/** `count` or `sum:dealValue` → its parts; undefined when it is not of that shape. */
export function parseMeasure(text: string): Measure | undefined {
  if (text === 'count') return { kind: 'count' };
  const m = /^([a-z0-9]+):([A-Za-z][A-Za-z0-9]*)$/.exec(text);
  if (!m || !(aggregates as readonly string[]).includes(m[1]!)) return undefined;
  return { kind: 'aggregate', aggregate: m[1] as Aggregate, field: m[2]! };
}

/** Whether a (valid) measure yields a number: all but the min and max of a time. */
export function isNumericMeasure(source: Source, text: string): boolean {
  const m = parseMeasure(text);
  if (!m || m.kind === 'count') return true;
  const type = fieldOf(source, m.field)?.type;
  return !((m.aggregate === 'min' || m.aggregate === 'max') && (type === 'datetime' || type === 'date'));
}

export const isBucket = (name: string): name is Bucket => (buckets as readonly string[]).includes(name);
export const fieldOf = (source: Source, name: string): Field | undefined => (Object.hasOwn(source.fields, name) ? source.fields[name] : undefined);

// ── the allow-list check ──────────────────────────────────────────────────────────────────────

interface Issue {
  path: (string | number)[];
  code: string;
  message: string;
}

const DAY_MS = 86_400_000;

function allowListIssues(spec: z.infer<z.ZodObject<typeof fields>>): Issue[] {
  const source: Source = sources[spec.source as SourceName];
  const issues: Issue[] = [];
  const issue = (path: (string | number)[], code: string, message: string) => issues.push({ path, code, message });
  const known = (names: string[]) => names.join(', ');

  const seen = new Set<string>();
  spec.dimensions.forEach((d, i) => {
    if (seen.has(d)) return issue(['dimensions', i], 'duplicate', `${d} is listed twice`);
    seen.add(d);
    if (isBucket(d)) return;
    const f = fieldOf(source, d);
    if (!f) return issue(['dimensions', i], 'unknown_dimension', `is not a dimension of ${spec.source}; one of ${known([...buckets, ...Object.keys(source.fields).filter((k) => source.fields[k]!.dimension)])}`);
    if (!f.dimension) issue(['dimensions', i], 'dimension_not_allowed', `${d} cannot be grouped by; filter or aggregate it instead`);
  });

  spec.measures.forEach((text, i) => {
    if (seen.has(text)) return issue(['measures', i], 'duplicate', `${text} is listed twice`);
    seen.add(text);
    const m = parseMeasure(text);
    if (!m) return issue(['measures', i], 'unknown_measure', `must be count or <aggregate>:<field> with an aggregate of ${known([...aggregates])}`);
    if (m.kind === 'count') return;
    const f = fieldOf(source, m.field);
    if (!f) return issue(['measures', i], 'unknown_measure', `${m.field} is not a field of ${spec.source}`);
    if (!f.aggregates.includes(m.aggregate)) {
      issue(['measures', i], 'aggregate_not_allowed', f.aggregates.length ? `${m.field} allows ${known([...f.aggregates])}` : `${m.field} cannot be aggregated`);
    }
  });

  spec.ratios.forEach((r, i) => {
    if (seen.has(r.name)) issue(['ratios', i, 'name'], 'duplicate', `${r.name} is already a column`);
    seen.add(r.name);
    for (const side of ['numerator', 'denominator'] as const) {
      if (!spec.measures.includes(r[side])) issue(['ratios', i, side], 'unknown_measure', 'must be one of the measures');
      else if (!isNumericMeasure(source, r[side])) issue(['ratios', i, side], 'not_a_number', 'must be a measure of numbers (not the earliest or latest of a time)');
    }
  });

  spec.filters.forEach((flt, i) => {
    const f = fieldOf(source, flt.field);
    if (!f) return issue(['filters', i, 'field'], 'unknown_field', `is not a field of ${spec.source}`);
    if (!f.ops.includes(flt.op)) return issue(['filters', i, 'op'], 'op_not_allowed', `${flt.field} allows ${known([...f.ops])}`);
    const problem = valueProblem(f, flt.op, flt.value);
    if (problem) issue(['filters', i, 'value'], problem.code, problem.message);
  });

  if (spec.period) {
    const { from, to, on } = spec.period;
    if (on !== undefined && !Object.hasOwn(source.time, on)) issue(['period', 'on'], 'unknown_time_column', `${spec.source} has the time columns ${known(Object.keys(source.time))}`);
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) issue(['period', 'to'], 'period_reversed', 'must not be before from');
    else if (days > MAX_PERIOD_DAYS) issue(['period', 'to'], 'period_too_long', `a period spans at most ${MAX_PERIOD_DAYS} days`);
  } else if (!source.periodOptional) {
    issue(['period'], 'period_required', `${spec.source} reports need a period`);
  }

  spec.sort.forEach((s, i) => {
    if (!seen.has(s.by)) issue(['sort', i, 'by'], 'unknown_sort', 'must be one of the dimensions, measures or ratios');
  });
  return issues;
}

const isInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
/** A number the stores carry exactly (the ClickHouse client and DynamoDB refuse unsafe magnitudes). */
const MAX_NUMBER = 1e15;
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_NUMBER;

/** Whether `value` fits the field's type and the op (a list for `in`, one value otherwise). */
function valueProblem(f: Field, op: ReportFilter['op'], value: ReportFilter['value']): { code: string; message: string } | undefined {
  const list = Array.isArray(value);
  if (op === 'in' && !list) return { code: 'invalid_type', message: 'in takes a list of values' };
  if (op !== 'in' && list) return { code: 'invalid_type', message: `${op} takes one value` };
  const values: unknown[] = list ? value : [value];
  const every = (ok: (v: unknown) => boolean, what: string) => (values.every(ok) ? undefined : { code: 'invalid_type', message: `must be ${what}` });
  switch (f.type) {
    case 'string':
    case 'strings': {
      const typed = every((v) => typeof v === 'string', list ? 'a list of strings' : 'a string');
      if (typed || !f.values) return typed;
      const bad = values.find((v) => !f.values!.includes(v as string));
      return bad === undefined ? undefined : { code: 'invalid_value', message: `must be one of ${f.values.map((v) => JSON.stringify(v)).join(', ')}` };
    }
    case 'int':
    case 'money':
      return every(isInt, list ? 'a list of whole numbers' : 'a whole number');
    case 'float':
      return every(isNumber, list ? 'a list of numbers between -1e15 and 1e15' : 'a number between -1e15 and 1e15');
    case 'boolean':
      return every((v) => typeof v === 'boolean', 'true or false');
    case 'date':
      return every((v) => IsoDate.safeParse(v).success, 'a date (YYYY-MM-DD)');
    case 'datetime':
      return every((v) => IsoDate.safeParse(v).success || IsoDateTime.safeParse(v).success, 'a date (YYYY-MM-DD) or an ISO-8601 date-time with a time zone');
  }
}
