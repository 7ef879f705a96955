import type { CatalogueReport } from './types';

export const clientReports: CatalogueReport[] = [
  {
    id: 'client-growth',
    title: 'Client growth: new buying clients',
    area: 'clients',
    description:
      'New clients per month (newClients): the number of clients whose first won deal (their first credit record) falls in the month, in the tenant time zone. For a staff scope, the first win credited to that scope.',
    special: 'new_clients',
    defaultPeriod: 'this_year',
    chart: { type: 'line', x: 'month', y: ['newClients'] },
  },
  {
    id: 'active-buying-clients',
    title: 'Buying clients, month by month',
    area: 'clients',
    description: 'The number of distinct clients with a deal won in each month (clients), and the credited revenue of those deals (the sum of their credit records).',
    spec: { source: 'credits', dimensions: ['month'], measures: ['uniq:clientId', 'sum:amount'] },
    defaultPeriod: 'this_year',
    chart: { type: 'line', x: 'month', y: ['uniq:clientId'] },
  },
  {
    id: 'cross-sell-uptake',
    title: 'Cross-sell uptake',
    area: 'clients',
    description:
      'Deals won each month (dealsWon), and of them the cross-sell deals: won from a client who had already won another product earlier (crossSellDeals); the share is cross-sell ÷ won. A client’s earlier wins count across the tenant, whoever sold them.',
    special: 'cross_sell_uptake',
    defaultPeriod: 'this_year',
    chart: { type: 'bar', x: 'month', y: ['dealsWon', 'crossSellDeals'] },
  },
  {
    id: 'top-clients',
    title: 'Top clients by revenue',
    area: 'clients',
    description: 'The 50 clients with the most credited revenue (the sum of the credit records of their deals won in the period), with the number of distinct products they bought.',
    spec: { source: 'credits', dimensions: ['clientId'], measures: ['sum:amount', 'uniq:productId'], sort: [{ by: 'sum:amount', dir: 'desc' }], limit: 50 },
    defaultPeriod: 'this_year',
    chart: { type: 'bar', x: 'clientId', y: ['sum:amount'] },
  },
  {
    id: 'clients-by-products-owned',
    title: 'Products per client',
    area: 'clients',
    description: 'Per product, the number of distinct clients who won a deal for it in the period (clients) and the credited revenue — the base the cross-sell suggestions rank from.',
    spec: { source: 'credits', dimensions: ['productId'], measures: ['uniq:clientId', 'sum:amount'] },
    defaultPeriod: 'this_year',
    chart: { type: 'bar', x: 'productId', y: ['uniq:clientId'] },
  },
];
