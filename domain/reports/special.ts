import { boundSettings, contextParams, periodInstants, scopePredicate, settingsClause, TENANT_PREDICATE, type CompileContext, type CompiledReport, type ReportColumn, type ReportParams } from './compile';
import type { ReportPeriod } from './spec';
import { sources } from './sources';

/**
 * The few prebuilt reports the custom spec cannot express, because each first reduces the facts to
 * one row per client (a client's first win) and then counts those. Written once here, with the
 * compiler's guarantees: tenant predicate first, the caller's scope injected, values as
 * parameters, the same settings. Both read revenue_credits (so a staff scope is the credited staff
 * member, as for the credits source).
 */
export const specialNames = ['new_clients', 'cross_sell_uptake'] as const;
export type SpecialName = (typeof specialNames)[number];

const DATETIME = "DateTime64(3, 'UTC')";

export function compileSpecial(name: SpecialName, period: Pick<ReportPeriod, 'from' | 'to'>, ctx: CompileContext, limit = 1_000): CompiledReport {
  const params: ReportParams = { tenant: ctx.tenantId, ...periodInstants(period.from, period.to, ctx.timeZone), limit };
  const scope = scopePredicate(sources.credits, ctx.scope, 'credits');
  if (scope) params.scope = scope.values;
  const scoped = [TENANT_PREDICATE, ...(scope ? [scope.sql] : [])].join(' AND ');
  const settings = boundSettings(ctx, false);
  const month = (c: string) => `toStartOfMonth(${c}, {tz:String})`;
  let sql: string;
  let columns: ReportColumn[];
  switch (name) {
    case 'new_clients':
      sql = `SELECT ${month('first_won')} AS d0, count() AS m0
FROM (SELECT client_id, min(won_at) AS first_won FROM revenue_credits FINAL
      WHERE ${scoped}
      GROUP BY client_id)
WHERE first_won >= {start:${DATETIME}} AND first_won < {end:${DATETIME}}
GROUP BY d0
ORDER BY d0 ASC
LIMIT {limit:UInt32}
${settingsClause(settings)}`;
      columns = [
        { name: 'month', type: 'date', role: 'dimension' },
        { name: 'newClients', type: 'int', role: 'measure' },
      ];
      break;
    case 'cross_sell_uptake':
      // A client's earlier wins are read across the tenant: a deal of the team is cross-sell whoever
      // sold the client its first product (only that yes/no leaves the scope, never the other deal).
      sql = `WITH won AS (
       SELECT opportunity_id, any(client_id) AS client_id, any(product_id) AS product_id, min(won_at) AS won_at
       FROM revenue_credits FINAL
       WHERE ${scoped}
       GROUP BY opportunity_id),
     firsts AS (
       SELECT client_id, product_id, min(won_at) AS first_won
       FROM revenue_credits FINAL
       WHERE ${TENANT_PREDICATE}
       GROUP BY client_id, product_id)
SELECT ${month('w.won_at')} AS d0,
       uniqExact(w.opportunity_id) AS m0,
       uniqExactIf(w.opportunity_id, f.product_id != w.product_id AND f.first_won < w.won_at) AS m1,
       if(m0 = 0, NULL, m1 / m0) AS r0
FROM won AS w LEFT JOIN firsts AS f ON f.client_id = w.client_id
WHERE w.won_at >= {start:${DATETIME}} AND w.won_at < {end:${DATETIME}}
GROUP BY d0
ORDER BY d0 ASC
LIMIT {limit:UInt32}
${settingsClause(settings)}`;
      columns = [
        { name: 'month', type: 'date', role: 'dimension' },
        { name: 'dealsWon', type: 'int', role: 'measure' },
        { name: 'crossSellDeals', type: 'int', role: 'measure' },
        { name: 'crossSellShare', type: 'float', role: 'ratio' },
      ];
      break;
  }
  return { sql, params: { ...params, ...contextParams(sql, ctx) }, settings, columns };
}
