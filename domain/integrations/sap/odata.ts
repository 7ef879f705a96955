/**
 * OData V2 as S/4HANA's APIs write it (JSON format): dates as `/Date(<ms since epoch>)/`
 * (Edm.DateTime, a calendar date at UTC midnight) or `/Date(<ms>+0000)/` (Edm.DateTimeOffset),
 * times of day as ISO-8601 durations (`PT14H27M30S`, Edm.Time), decimals as strings. Pure.
 */

/** `/Date(1714608000000)/`, `/Date(1714731020000+0000)/` or an ISO string → the instant, ISO-8601 in UTC. */
export function odataInstant(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const ms = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  // The milliseconds are UTC whatever the offset says: the offset only tells the zone it was written in.
  const t = ms ? Number(ms[1]) : Date.parse(value);
  return Number.isFinite(t) && !Number.isNaN(t) ? new Date(t).toISOString() : undefined;
}

/** An Edm.DateTime date → `YYYY-MM-DD` (SAP writes the calendar date at UTC midnight). */
export const odataDate = (value: string | null | undefined) => odataInstant(value)?.slice(0, 10);

/** An Edm.Time `PT14H27M30S` → milliseconds since midnight. */
export function odataTime(value: string | null | undefined): number | undefined {
  const m = value ? /^PT(?:(\d{1,2})H)?(?:(\d{1,2})M)?(?:(\d{1,2})(?:\.\d+)?S)?$/.exec(value) : null;
  if (!m || value === 'PT') return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** A date and a time of day (LastChangeDate + LastChangeTime) → one instant. */
export function odataDateTime(date: string | null | undefined, time: string | null | undefined): string | undefined {
  const day = odataInstant(date);
  if (!day) return undefined;
  return new Date(Date.parse(day) + (odataTime(time) ?? 0)).toISOString();
}

/**
 * A key as an OData string literal, URL-encoded for the path: single quotes doubled (the OData
 * escape), then percent-encoded, so a key holding `'`, `/`, `?`, `#` or `&` can neither end the
 * literal nor the path segment.
 */
export const odataKey = (key: string) => encodeURIComponent(`'${key.replace(/'/g, "''")}'`);
