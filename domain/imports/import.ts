import { z } from 'zod';
import type { FieldError } from '../errors';
import { text } from '../shared/schemas';
import type { ContactPoint } from '../clients/contacts';
import { externalRef } from '../clients/contacts';

/**
 * Bulk imports (DESIGN §10): what a caller asks for, the job that carries it out, and how one row
 * of a file becomes the input of the same use case the API calls. Pure: reading the file, the
 * store and the queue are the adapters' (functions/lib/imports).
 */

export const ImportEntity = z.enum(['clients', 'opportunities', 'events']);
export type ImportEntity = z.infer<typeof ImportEntity>;
export const DataFormat = z.enum(['csv', 'json', 'xml']);
export type DataFormat = z.infer<typeof DataFormat>;

/** 200 MiB: a million client rows. The upload URL signs the size, so S3 refuses a larger body. */
export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;

/** How a row names a client: by a unique contact point (`externalRefs.tally` is its id in Tally). */
export const ClientKey = z.union([z.enum(['mobile', 'email', 'gstin']), z.string().regex(/^externalRefs\.[a-z][a-z0-9_-]{0,31}$/, 'must be mobile, email, gstin or externalRefs.<system>')]);
export type ClientKey = z.infer<typeof ClientKey>;

/** The fields a row may carry for each entity (dotted paths are nested fields). */
const clientFields = ['companyName', 'ownerName', 'mobile', 'whatsapp', 'email', 'address', 'landmark', 'geo.lat', 'geo.lng', 'city', 'pincode', 'gstin'] as const;
const clientRefFields = ['clientId', 'client.mobile', 'client.email', 'client.gstin'] as const;
const opportunityFields = [...clientRefFields, 'product', 'dealValue', 'closingProbability', 'stage', 'assignedTo', 'expectedCloseDate', 'coSalespersons', 'warriors', 'partnerCompanyId'] as const;
const eventFields = [...clientRefFields, 'opportunityId', 'product', 'type', 'scheduledAt', 'status', 'assignee', 'remarks', 'notes'] as const;

export const importFields: Record<ImportEntity, readonly string[]> = { clients: clientFields, opportunities: opportunityFields, events: eventFields };
/** Open-ended families of fields: a client's ids in other systems, an event's feedback. */
const fieldFamilies: Record<ImportEntity, readonly RegExp[]> = {
  clients: [/^externalRefs\.[a-z][a-z0-9_-]{0,31}$/],
  opportunities: [/^client\.externalRefs\.[a-z][a-z0-9_-]{0,31}$/],
  events: [/^client\.externalRefs\.[a-z][a-z0-9_-]{0,31}$/, /^feedback\.[a-zA-Z]{1,40}$/],
};
export const isImportField = (entity: ImportEntity, field: string) =>
  importFields[entity].includes(field) || (fieldFamilies[entity].some((f) => f.test(field)) && !(field.slice(field.lastIndexOf('.') + 1) in Object.prototype));

/** Fields a text cell holds as a number or a `;`-separated list (CSV and XML cells are all text). */
const numeric = new Set(['geo.lat', 'geo.lng', 'dealValue', 'closingProbability']);
const lists = new Set(['coSalespersons', 'warriors']);

export const ImportRequest = z
  .strictObject({
    entity: ImportEntity,
    format: DataFormat,
    /** `insert` refuses a row whose client exists; `upsert` updates it (found by `matchOn`). */
    mode: z.enum(['insert', 'upsert']).default('insert'),
    /** Clients: the natural keys an upsert finds the client by, tried in order (default: mobile, email, gstin). */
    matchOn: z.array(ClientKey).min(1).max(4).optional(),
    /** A column of the file → the field it fills; `null` ignores the column. Unmapped columns must be field names. */
    mapping: z
      .unknown()
      .superRefine((raw, ctx) => {
        // JSON.parse keeps "__proto__" as an own key, which a record would silently drop: refuse it.
        if (raw !== null && typeof raw === 'object' && Object.hasOwn(raw, '__proto__')) ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'is a reserved name' });
      })
      .pipe(z.record(text({ max: 200 }), z.string().max(80).nullable()).refine((m) => Object.keys(m).length <= 200, { message: 'must map at most 200 columns' }))
      .optional(),
    /** Read and check every row, resolve every relation, report what would happen; write nothing. */
    dryRun: z.boolean().default(false),
    /** The file's size in bytes: the upload URL accepts exactly this many. */
    size: z.int().min(1).max(MAX_IMPORT_BYTES, `must be at most ${MAX_IMPORT_BYTES} bytes (200 MiB)`),
    fileName: text({ max: 200 }).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.matchOn && r.entity !== 'clients') ctx.addIssue({ code: 'custom', path: ['matchOn'], message: 'applies to clients only: opportunities match on their client and product, events are only inserted' });
    if (r.mode === 'upsert' && r.entity === 'events') ctx.addIssue({ code: 'custom', path: ['mode'], message: 'events are only inserted' });
    for (const [column, field] of Object.entries(r.mapping ?? {})) {
      if (field !== null && !isImportField(r.entity, field)) ctx.addIssue({ code: 'custom', path: ['mapping', column], message: `is not a field of ${r.entity}: one of ${importFields[r.entity].join(', ')}` });
    }
  });
export type ImportRequest = z.infer<typeof ImportRequest>;

export type ImportStatus = 'awaiting_upload' | 'queued' | 'running' | 'completed' | 'failed';

export interface ImportCounts {
  /** Rows in the file (known once the file has been read through). */
  total?: number;
  processed: number;
  created: number;
  updated: number;
  /** Upserts that found the record already as the row has it. */
  skipped: number;
  failed: number;
}

export interface ImportJob extends ImportCounts, ImportRequest {
  id: string;
  status: ImportStatus;
  /** The checkpoint: the first row not yet applied. A chunk starts here and moves it on with its counts, in one conditional write. */
  nextRow: number;
  /** Why the whole import stopped (a file that cannot be read): nothing of it was applied. */
  failure?: { code: string; message: string; row?: number };
  /** Rows that failed, repeated with their reasons (written when the import completes). */
  errorFileKey?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  version: number;
}

export const newImport = (request: ImportRequest, at: { id: string; staffId: string; now: Date }): ImportJob => ({
  ...request,
  id: at.id,
  status: 'awaiting_upload',
  nextRow: 1,
  processed: 0,
  created: 0,
  updated: 0,
  skipped: 0,
  failed: 0,
  createdBy: at.staffId,
  createdAt: at.now.toISOString(),
  updatedAt: at.now.toISOString(),
  version: 1,
});

/** What one row did (or, in a dry run, would do). */
export type RowOutcome = { outcome: 'created' | 'updated' | 'skipped'; id: string } | { outcome: 'failed'; errors: FieldError[] };

/** Adds a chunk's outcomes to the counts. */
export function tally(counts: ImportCounts, outcomes: readonly RowOutcome[]): ImportCounts {
  const next = { ...counts, processed: counts.processed + outcomes.length };
  for (const o of outcomes) next[o.outcome] += 1;
  return next;
}

/** A row, mapped: the fields it fills (nested at the dots) and, for errors, which column each came from. */
export interface MappedRow {
  fields: Record<string, unknown>;
  columnOf: (field: string) => string;
  errors: FieldError[];
}

/**
 * A row of the file as the fields of the entity: columns renamed by the mapping, blank cells
 * dropped (a blank cell is an absent field, as in the API), numbers and lists read from text, and
 * dotted names nested (`geo.lat`, `externalRefs.tally`). A column that is no field is an error
 * on the row naming the column, never silently lost.
 */
export function mapRow(entity: ImportEntity, record: Record<string, unknown>, mapping: Record<string, string | null> = {}): MappedRow {
  const fields: Record<string, unknown> = {};
  const columns = new Map<string, string>();
  const errors: FieldError[] = [];
  for (const [column, raw] of Object.entries(flatten(record))) {
    const field = Object.hasOwn(mapping, column) ? mapping[column] : column;
    if (field === null || field === undefined) continue;
    if (!isImportField(entity, field)) {
      errors.push({ field: column, code: 'unknown_field', message: `is not a field of ${entity} (map it to one, or to null to ignore it)` });
      continue;
    }
    // Known even when blank: "ownerName is required" is named by the column the file left empty.
    columns.set(field, column);
    const value = cell(field, raw);
    if (value === undefined) continue;
    setPath(fields, field, value);
  }
  return { fields, errors, columnOf: (field) => columns.get(field) ?? [...columns.entries()].find(([f]) => field.startsWith(`${f}.`) || f.startsWith(`${field}.`))?.[1] ?? field };
}

function cell(field: string, raw: unknown): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw !== 'string') return raw;
  if (raw.trim() === '') return undefined;
  if (numeric.has(field)) {
    const n = Number(raw.trim());
    return Number.isFinite(n) ? n : raw;
  }
  if (lists.has(field)) return raw.split(';').map((s) => s.trim()).filter(Boolean);
  return raw;
}

/** A JSON record's nested objects as dotted names, so `{"geo": {"lat": 1}}` and a `geo.lat` column are one field. */
function flatten(record: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && prefix.split('.').length < 3) Object.assign(out, flatten(value as Record<string, unknown>, name));
    else out[name] = value;
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) {
    if (!Object.hasOwn(at, part) || typeof at[part] !== 'object' || at[part] === null) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts.at(-1)!] = value;
}

/** How a row names its client, taken out of its fields: an id, or a unique contact point. */
export type ClientRef = { id: string } | { contact: ContactPoint; field: string };

export function clientRefOf(fields: Record<string, unknown>): { ref?: ClientRef; rest: Record<string, unknown>; error?: FieldError } {
  const { clientId, client, ...rest } = fields;
  const refs: ClientRef[] = [];
  if (typeof clientId === 'string') refs.push({ id: clientId });
  const named = (client ?? {}) as Record<string, unknown>;
  for (const on of ['mobile', 'email', 'gstin'] as const) if (typeof named[on] === 'string') refs.push({ contact: { on, value: named[on] }, field: `client.${on}` });
  for (const [system, id] of Object.entries((named.externalRefs ?? {}) as Record<string, unknown>)) {
    if (typeof id === 'string') refs.push({ contact: { on: 'externalRef', value: externalRef(system, id) }, field: `client.externalRefs.${system}` });
  }
  if (refs.length === 0) return { rest, error: { field: 'client', code: 'required', message: 'name the client: clientId, client.mobile, client.email, client.gstin or client.externalRefs.<system>' } };
  return { ref: refs[0]!, rest };
}

/** A client's natural key (`matchOn`) as the contact point a row's client holds, when it has it. */
export function contactOf(key: ClientKey, client: { mobile: string; email?: string | undefined; gstin?: string | undefined; externalRefs?: Record<string, string> | undefined }): ContactPoint | undefined {
  if (key === 'mobile') return { on: 'mobile', value: client.mobile };
  if (key === 'email') return client.email ? { on: 'email', value: client.email } : undefined;
  if (key === 'gstin') return client.gstin ? { on: 'gstin', value: client.gstin } : undefined;
  const system = key.slice('externalRefs.'.length);
  const id = client.externalRefs?.[system];
  return id ? { on: 'externalRef', value: externalRef(system, id) } : undefined;
}

export const DEFAULT_MATCH_ON: readonly ClientKey[] = ['mobile', 'email', 'gstin'];
