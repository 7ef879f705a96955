import MailComposer from 'nodemailer/lib/mail-composer';
import { formatInrShort } from '../../../domain/pipeline/money';
import { catalogueReport } from '../../../domain/reports/catalogue';
import type { ReportColumn } from '../../../domain/reports/compile';
import type { SavedReport } from '../../../domain/reports/saved';
import type { ReportResult } from '../use-cases/reports';
import { reportCsv } from '../use-cases/reports';
import { barChartSvg, svgToPng } from './charts';

/**
 * A scheduled report's email (#16 item 4): what it is and the days it covers, a chart of its
 * first rows (a PNG inline by Content-ID, as the nightly email's), the first rows as a table with
 * staff named, what every number means (the report's definition), and the whole result as CSV
 * attached. An HTML part with inline styles and a plain-text part that says the same.
 */
export interface ReportEmailInput {
  tenantName: string;
  saved: Pick<SavedReport, 'id' | 'name' | 'description' | 'reportId' | 'schedule'>;
  recipient: { staffId: string; name: string; email: string };
  result: ReportResult;
  /** Staff and product names by id: the email's dimension cells show names (the CSV keeps the ids). */
  names: ReadonlyMap<string, string>;
  currency: string;
}

export interface RenderedReportEmail {
  subject: string;
  html: string;
  text: string;
  images: { cid: string; filename: string; png: Buffer }[];
  csv: { filename: string; content: string };
}

/** Rows shown in the email (the CSV has them all) and bars drawn. */
export const ROWS_SHOWN = 25;
const BARS_DRAWN = 20;
const CHART_WIDTH = 600;
const SERIES_COLORS = ['#4338ca', '#059669', '#d97706'];

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** `sum:dealValue` → "Sum of deal value"; `count` → "Count"; a ratio's own name as written. */
const LABELS: Record<string, string> = { staffId: 'Staff member', productId: 'Product', assignedTo: 'Assigned to', count: 'Count', 'uniq:opportunityId': 'Deals', 'uniq:clientId': 'Clients' };

export function columnLabel(name: string): string {
  if (Object.hasOwn(LABELS, name)) return LABELS[name]!;
  const words = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
  const m = /^([a-z0-9]+):(.+)$/.exec(name);
  const aggregate: Record<string, string> = { sum: 'Sum of', avg: 'Average', min: 'Earliest/least', max: 'Latest/most', uniq: 'Distinct', median: 'Median', p90: '90th percentile of' };
  if (m) return `${aggregate[m[1]!] ?? m[1]} ${words(m[2]!)}`;
  const w = words(name);
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/** A cell as a person reads it: staff named, money in ₹ (lakh/crore), ratios as percentages. */
function cellText(column: ReportColumn, value: unknown, names: ReadonlyMap<string, string>, currency: string): string {
  if (value === null || value === undefined) return '—';
  // Staff dimensions (staffId, assignedTo, team, leadOwner, …) hold staff ids.
  if (column.role === 'dimension' && typeof value === 'string' && names.has(value)) return names.get(value)!;
  if (column.type === 'money' && typeof value === 'number') return currency === 'INR' ? formatInrShort(value) : `${(value / 100).toLocaleString('en-IN')} ${currency}`;
  if (column.role === 'ratio' && typeof value === 'number') return `${Math.round(value * 1000) / 10} %`;
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-IN') : String(Math.round(value * 100) / 100);
  if (column.type === 'datetime' && typeof value === 'string') return value.slice(0, 16).replace('T', ' ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const periodText = (r: ReportResult) => (r.period ? (r.period.from === r.period.to ? r.period.from : `${r.period.from} to ${r.period.to}`) : `as of ${r.asOf.slice(0, 10)}`);

/** The chart's series: the report's y columns that are numbers of one kind (money in lakhs, ratios in %, counts). */
function chartOf(r: ReportResult, names: ReadonlyMap<string, string>, title: string) {
  if (!r.chart?.x || r.rows.length === 0) return undefined;
  const x = r.columns.findIndex((c) => c.name === r.chart!.x);
  if (x < 0) return undefined;
  const kind = (c: ReportColumn) => (c.role === 'ratio' ? 'ratio' : c.type === 'money' ? 'money' : c.type === 'int' || c.type === 'float' ? 'number' : undefined);
  const ys = r.chart.y.map((name) => r.columns.findIndex((c) => c.name === name)).filter((i) => i >= 0 && kind(r.columns[i]!) !== undefined);
  if (ys.length === 0) return undefined;
  const first = kind(r.columns[ys[0]!]!)!;
  const same = ys.filter((i) => kind(r.columns[i]!) === first).slice(0, SERIES_COLORS.length);
  const rows = r.rows.slice(0, BARS_DRAWN);
  const scale = (v: unknown) => (typeof v !== 'number' ? 0 : first === 'money' ? Math.round(v / 1e5) / 100 : first === 'ratio' ? Math.round(v * 1000) / 10 : v);
  return {
    title,
    categories: rows.map((row) => cellText(r.columns[x]!, row[x], names, 'INR').slice(0, 24)),
    series: same.map((i, n) => ({ name: columnLabel(r.columns[i]!.name), values: rows.map((row) => scale(row[i])), color: SERIES_COLORS[n]! })),
    unit: first === 'money' ? 'L' : first === 'ratio' ? ' %' : '',
    kind: r.chart.type === 'line' ? ('line' as const) : ('bar' as const),
  };
}

export async function renderReportEmail(input: ReportEmailInput): Promise<RenderedReportEmail> {
  const { result: r, saved, names, currency } = input;
  const definition = saved.reportId ? catalogueReport(saved.reportId)?.description : undefined;
  const period = periodText(r);
  const subject = `${input.tenantName}: ${saved.name} — ${period}`;
  const chart = chartOf(r, names, saved.name);
  const images = chart ? [{ cid: 'chart@crm', filename: 'chart.png', png: await svgToPng(barChartSvg(chart), CHART_WIDTH) }] : [];
  const shown = r.rows.slice(0, ROWS_SHOWN);
  const cell = 'padding:6px 8px;border-bottom:1px solid #e5e7eb;font-size:12px;vertical-align:top';
  const head = 'padding:6px 8px;border-bottom:2px solid #d1d5db;font-size:12px;text-align:left;color:#374151';
  const align = (c: ReportColumn) => (c.role === 'dimension' ? 'left' : 'right');
  const table = `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse">
<tr>${r.columns.map((c) => `<th style="${head};text-align:${align(c)}">${escape(columnLabel(c.name))}</th>`).join('')}</tr>
${shown.map((row) => `<tr>${r.columns.map((c, i) => `<td style="${cell};text-align:${align(c)}">${escape(cellText(c, row[i], names, currency))}</td>`).join('')}</tr>`).join('\n')}
${r.totals ? `<tr>${r.columns.map((c, i) => `<td style="${cell};font-weight:bold;text-align:${align(c)}">${i === 0 ? 'Total' : c.role === 'dimension' ? '' : escape(cellText(c, r.totals![i], names, currency))}</td>`).join('')}</tr>` : ''}
</table>`;
  const count = r.cursor
    ? `More than ${r.rows.length.toLocaleString('en-IN')} rows: the first ${ROWS_SHOWN} are shown and the first ${r.rows.length.toLocaleString('en-IN')} are in the attached CSV; run it in the CRM for the rest, or narrow it.`
    : `${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.rows.length > ROWS_SHOWN ? `; the first ${ROWS_SHOWN} are shown` : ''}; all of them are in the attached CSV.`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(subject)}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:16px">
<table role="presentation" width="680" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:6px;max-width:680px">
<tr><td style="padding:20px 24px 4px">
  <div style="font-size:12px;color:#6b7280">${escape(input.tenantName)} · ${escape(period)}</div>
  <h1 style="font-size:20px;margin:4px 0 8px">${escape(saved.name)}</h1>
  ${saved.description ? `<p style="font-size:13px;margin:0 0 8px;line-height:1.5">${escape(saved.description)}</p>` : ''}
  <p style="font-size:12px;margin:0 0 12px;color:#6b7280">Hello ${escape(input.recipient.name.split(' ')[0]!)}: this is the report as you see it in the CRM, over the records you may see.</p>
</td></tr>
${images.length ? `<tr><td style="padding:0 24px"><img src="cid:chart@crm" width="${CHART_WIDTH}" alt="${escape(`${saved.name}: ${chart!.series.map((s) => s.name).join(', ')} by ${columnLabel(r.chart!.x!)}`)}" style="display:block;width:100%;max-width:${CHART_WIDTH}px;height:auto;border:0"></td></tr>` : ''}
<tr><td style="padding:8px 24px 4px">${r.rows.length ? table : '<p style="font-size:13px;color:#6b7280">Nothing to report for this period.</p>'}</td></tr>
<tr><td style="padding:4px 24px 20px">
  <p style="font-size:11px;color:#6b7280;margin:8px 0 0">${escape(count)}</p>
  ${definition ? `<p style="font-size:11px;color:#6b7280;margin:8px 0 0;line-height:1.5">${escape(definition)}</p>` : ''}
  <p style="font-size:11px;color:#9ca3af;margin:8px 0 0">Scheduled ${escape(scheduleText(saved.schedule))}; its owner can change or stop it in the CRM.</p>
</td></tr>
</table></td></tr></table>
</body></html>`;
  const text = [
    `${input.tenantName} · ${period}`,
    saved.name,
    ...(saved.description ? [saved.description] : []),
    '',
    ...(r.rows.length
      ? [r.columns.map((c) => columnLabel(c.name)).join(' | '), ...shown.map((row) => r.columns.map((c, i) => cellText(c, row[i], names, currency)).join(' | ')), ...(r.totals ? [r.columns.map((c, i) => (i === 0 ? 'Total' : c.role === 'dimension' ? '' : cellText(c, r.totals![i], names, currency))).join(' | ')] : [])]
      : ['Nothing to report for this period.']),
    '',
    count,
    ...(definition ? ['', definition] : []),
    '',
    `Scheduled ${scheduleText(saved.schedule)}.`,
  ].join('\n');
  const slug = saved.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'report';
  return { subject, html, text, images, csv: { filename: `${slug}-${r.period?.from ?? r.asOf.slice(0, 10)}.csv`, content: reportCsv(r) } };
}

function scheduleText(s: SavedReport['schedule']): string {
  if (!s) return 'by hand';
  return s.frequency === 'daily' ? `daily at ${s.time}` : `every ${s.weekday!.charAt(0).toUpperCase()}${s.weekday!.slice(1)} at ${s.time}`;
}

/** The message as bytes: text and HTML (with the chart inline), the CSV attached. */
export async function composeReportEmail(rendered: RenderedReportEmail, to: { from: string; to: { name: string; email: string; staffId: string } }, savedId?: string): Promise<Buffer> {
  const mail = new MailComposer({
    from: to.from,
    to: { name: to.to.name, address: to.to.email },
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    attachments: [
      ...rendered.images.map((i) => ({ filename: i.filename, content: i.png, contentType: 'image/png', cid: i.cid, contentDisposition: 'inline' as const })),
      { filename: rendered.csv.filename, content: rendered.csv.content, contentType: 'text/csv; charset=utf-8' },
    ],
    headers: { 'X-CRM-Report': `scheduled ${savedId ?? ''} ${to.to.staffId}`.replace(/\s+/g, ' ').trim() },
  });
  return mail.compile().build();
}
