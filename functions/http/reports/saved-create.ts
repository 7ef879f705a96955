import { httpRoute } from '../../lib/http/route';
import { createSavedReport, getSavedReport } from '../../lib/use-cases/saved-reports';
import { SavedReport, SavedReportBody } from './saved-schemas';

/** POST /v1/reports/saved */
export const handler = httpRoute(
  {
    summary: 'Save a report',
    description:
      'Anyone who runs reports. A prebuilt report (`reportId`, with `filters` added to its own and `groupBy` replacing its dimensions) or a custom spec (`spec`, DESIGN §13, without a period), and a `period`: relative — `today`, `yesterday`, `this_week`, `last_week`, `this_month`, `last_month`, `this_quarter`, `last_quarter`, `last_30_days`, `last_90_days`, `this_year`, `next_3_months`, `none` (a snapshot of now) — or fixed `{from, to}`; default the prebuilt report’s own, `last_30_days` for a custom spec. Checked as a run would check it (422 naming the field: `body.reportId` `unknown_report`, `body.groupBy.0` `unknown_dimension`, `body.spec.measures.1` `unknown_measure`). `shared: true` lets everyone in the tenant who runs reports list, read and run it — each over their own scope. `schedule` `{frequency: daily|weekly, weekday (weekly), time: HH:MM on the quarter hour (tenant time zone), recipients: staff ids}` emails it, CSV attached and a chart inline, to each recipient as they would see it; recipients are staff the caller may see (a seller: themselves), active, who run reports (422 at `body.schedule.recipients.N`). At most 200 a tenant (SAVED_REPORTS_PER_TENANT; 409 `too_many_saved_reports`). Idempotency-Key honoured.',
    body: SavedReportBody,
    idempotent: true,
    onReplay: (ctx, stored) => getSavedReport(ctx, stored.id),
    response: { status: 201, schema: SavedReport },
  },
  async ({ ctx, body }) => {
    const saved = await createSavedReport(ctx, body);
    return { body: saved, version: saved.version, headers: { location: `/v1/reports/saved/${saved.id}` } };
  },
);
