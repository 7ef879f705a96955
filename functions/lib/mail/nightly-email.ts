import MailComposer from 'nodemailer/lib/mail-composer';
import type { Alert } from '../../../domain/alerts/alert';
import type { Diagnosis } from '../../../domain/gap/gap-analysis';
import { formatInrShort } from '../../../domain/pipeline/money';
import type { Stage } from '../../../domain/pipeline/stages';
import { barChartSvg, chartColors, svgToPng } from './charts';

/**
 * The nightly email to a manager (spec §14, issue #10): for each member of the team, target
 * against achieved, pipeline coverage, the week's diagnoses and open alerts; two charts (the
 * team's coverage by stage, revenue target against achieved) as PNGs attached inline by
 * Content-ID; an HTML part with inline styles (mail clients drop <style> and scripts) and a plain
 * text part saying the same.
 */
export interface NightlyMember {
  staffId: string;
  name: string;
  role: string;
  revenue: { target: number | null; achieved: number };
  activity: { metric: string; target: number | null; achieved: number }[];
  /** The stage they plan with the lowest coverage (their bottleneck). */
  coverage: { stage: Stage; coverage: number } | null;
  diagnoses: Diagnosis[];
  alerts: Pick<Alert, 'id' | 'kind' | 'message' | 'status' | 'createdAt'>[];
}

export interface NightlyReport {
  tenantName: string;
  manager: { staffId: string; name: string; email: string };
  /** The day it reports on, and its week (tenant time zone). */
  date: string;
  week: string;
  currency: string;
  team: { stages: { stage: Stage; required: number; actual: number; coverage: number }[]; members: NightlyMember[] };
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  images: { cid: string; filename: string; png: Buffer }[];
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (ratio: number) => `${Math.round(ratio * 100)} %`;
const money = (paise: number | null) => (paise === null ? '—' : formatInrShort(paise));
const CHART_WIDTH = 600;
/** Alerts listed per member (the newest first); the rest are counted. */
const ALERTS_SHOWN = 4;

const codeWords: Record<Diagnosis['code'], string> = { lead_generation: 'Lead generation', poor_filtering: 'Poor filtering', conversion: 'Conversion' };
const alertWords: Record<string, string> = {
  missed_follow_up: 'Missed follow-up',
  target_gap: 'Target gap',
  low_conversion: 'Low conversion',
  product_mix: 'Product mix',
  lead_response: 'Lead response',
  escalation: 'Escalation',
};

async function charts(r: NightlyReport): Promise<RenderedEmail['images']> {
  const coverage = barChartSvg({
    title: 'Team pipeline coverage by stage',
    unit: ' %',
    goal: 100,
    goalLabel: 'required',
    categories: r.team.stages.map((s) => s.stage),
    series: [{ name: 'Actual ÷ required', values: r.team.stages.map((s) => Math.round(s.coverage * 100)), color: chartColors.actual }],
  });
  const thousands = (paise: number | null) => Math.round((paise ?? 0) / 100_000);
  const revenue = barChartSvg({
    title: 'Revenue this week: target vs achieved (₹ thousand)',
    unit: 'k',
    categories: r.team.members.map((m) => m.name.split(' ')[0]!),
    series: [
      { name: 'Target', values: r.team.members.map((m) => thousands(m.revenue.target)), color: chartColors.target },
      { name: 'Achieved', values: r.team.members.map((m) => thousands(m.revenue.achieved)), color: chartColors.achieved },
    ],
  });
  return [
    { cid: 'coverage@crm', filename: 'coverage.png', png: await svgToPng(coverage, CHART_WIDTH) },
    { cid: 'revenue@crm', filename: 'revenue.png', png: await svgToPng(revenue, CHART_WIDTH) },
  ];
}

const cell = 'padding:6px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top;font-size:13px;';
const head = 'padding:6px 8px;border-bottom:2px solid #111827;text-align:left;font-size:12px;color:#374151;';

function memberHtml(m: NightlyMember): string {
  const activity = m.activity
    .filter((a) => a.target !== null)
    .map((a) => `${escape(a.metric)} ${a.achieved}/${Math.round(a.target!)}`)
    .join(', ');
  const revenueRatio = m.revenue.target ? m.revenue.achieved / m.revenue.target : null;
  const colour = revenueRatio === null ? '#111827' : revenueRatio >= 0.7 ? '#059669' : '#dc2626';
  const diagnoses = m.diagnoses.length
    ? m.diagnoses.map((d) => `<div style="margin:0 0 6px"><b>${codeWords[d.code]}.</b> ${escape(d.message)}</div>`).join('')
    : '<span style="color:#059669">On every assumption</span>';
  const shown = m.alerts.slice(0, ALERTS_SHOWN);
  const more = m.alerts.length - shown.length;
  const alerts = m.alerts.length
    ? `<ul style="margin:0;padding-left:16px">${shown.map((a) => `<li style="margin:0 0 4px">${alertWords[a.kind] ?? a.kind}: ${escape(a.message)}</li>`).join('')}${more > 0 ? `<li style="color:#6b7280">and ${more} more</li>` : ''}</ul>`
    : '<span style="color:#6b7280">None</span>';
  return `<tr>
  <td style="${cell}width:130px"><b>${escape(m.name)}</b><br><span style="color:#6b7280">${escape(m.role.replace('_', ' '))}</span></td>
  <td style="${cell}width:150px"><span style="color:${colour};font-weight:bold">${money(m.revenue.achieved)}</span> of ${money(m.revenue.target)}<br><span style="color:#6b7280">${activity || 'no activity targets'}</span><br>${m.coverage ? `Lowest coverage <b>${pct(m.coverage.coverage)}</b> at ${m.coverage.stage}` : ''}</td>
  <td style="${cell}">${diagnoses}</td>
  <td style="${cell}">${alerts}</td>
</tr>`;
}

export async function renderNightly(r: NightlyReport): Promise<RenderedEmail> {
  const images = await charts(r);
  const diagnosed = r.team.members.filter((m) => m.diagnoses.length > 0).length;
  const openAlerts = r.team.members.reduce((n, m) => n + m.alerts.length, 0);
  const subject = `${r.tenantName}: your team on ${r.date} — ${diagnosed} of ${r.team.members.length} need attention, ${openAlerts} open alert${openAlerts === 1 ? '' : 's'}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(subject)}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:16px">
<table role="presentation" width="680" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:6px;max-width:680px">
<tr><td style="padding:20px 24px 4px">
  <div style="font-size:12px;color:#6b7280">${escape(r.tenantName)} · week ${escape(r.week)} · ${escape(r.date)}</div>
  <h1 style="font-size:20px;margin:4px 0 8px">Good evening, ${escape(r.manager.name.split(' ')[0]!)}</h1>
  <p style="font-size:14px;margin:0 0 12px;line-height:1.5">${diagnosed === 0 ? 'Everyone on your team is on every assumption this week.' : `${diagnosed} of your ${r.team.members.length} people have a root cause to act on this week`}; ${openAlerts} alert${openAlerts === 1 ? ' is' : 's are'} open.</p>
</td></tr>
<tr><td style="padding:0 24px"><img src="cid:coverage@crm" width="${CHART_WIDTH}" alt="Team pipeline coverage by stage: ${r.team.stages.map((s) => `${s.stage} ${pct(s.coverage)}`).join(', ')}" style="display:block;width:100%;max-width:${CHART_WIDTH}px;height:auto;border:0"></td></tr>
<tr><td style="padding:8px 24px"><img src="cid:revenue@crm" width="${CHART_WIDTH}" alt="Revenue this week, target against achieved, per member" style="display:block;width:100%;max-width:${CHART_WIDTH}px;height:auto;border:0"></td></tr>
<tr><td style="padding:8px 24px 20px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse">
<tr><th style="${head}">Member</th><th style="${head}">This week</th><th style="${head}">Root cause</th><th style="${head}">Open alerts</th></tr>
${r.team.members.map(memberHtml).join('\n')}
</table>
<p style="font-size:11px;color:#6b7280;margin:16px 0 0">Figures are this week’s so far, credited as the dashboards credit them. Coverage is the open pipeline at a stage over what the weekly revenue target requires there.</p>
</td></tr>
</table></td></tr></table>
</body></html>`;

  const text = [
    `${r.tenantName} · week ${r.week} · ${r.date}`,
    '',
    `Team pipeline coverage: ${r.team.stages.map((s) => `${s.stage} ${pct(s.coverage)}`).join(', ')}`,
    '',
    ...r.team.members.flatMap((m) => [
      `${m.name} (${m.role})`,
      `  Revenue ${money(m.revenue.achieved)} of ${money(m.revenue.target)}; ${m.activity.filter((a) => a.target !== null).map((a) => `${a.metric} ${a.achieved}/${Math.round(a.target!)}`).join(', ') || 'no activity targets'}`,
      `  Lowest coverage: ${m.coverage ? `${pct(m.coverage.coverage)} at ${m.coverage.stage}` : '—'}`,
      ...(m.diagnoses.length ? m.diagnoses.map((d) => `  ${codeWords[d.code]}: ${d.message}`) : ['  On every assumption']),
      ...(m.alerts.length ? m.alerts.slice(0, ALERTS_SHOWN).map((a) => `  Alert (${alertWords[a.kind] ?? a.kind}): ${a.message}`) : ['  No open alerts']),
      ...(m.alerts.length > ALERTS_SHOWN ? [`  … and ${m.alerts.length - ALERTS_SHOWN} more open alerts`] : []),
      '',
    ]),
  ].join('\n');
  return { subject, html, text, images };
}

/** The message as bytes: multipart/alternative (text, then HTML with its inline images). */
export async function composeNightly(r: NightlyReport, rendered: RenderedEmail, from: string): Promise<Buffer> {
  const mail = new MailComposer({
    from,
    to: `${r.manager.name} <${r.manager.email}>`,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    attachments: rendered.images.map((i) => ({ filename: i.filename, content: i.png, contentType: 'image/png', cid: i.cid, contentDisposition: 'inline' })),
    headers: { 'X-CRM-Report': `nightly ${r.date} ${r.manager.staffId}` },
  });
  return mail.compile().build();
}
