import type { CatalogueReport } from './types';

const LEADS = 'Leads = opportunities a lead source (an integration: WhatsApp, IndiaMART, a web form…) brought in the period, each counted once under the staff member it was assigned to on arrival';
const RESPONSE =
  'A lead has responded once its first follow-up of any type is completed (only a person completes one); response time = that completion − the arrival, in minutes; within the SLA = responded within the tenant’s first-response time (default 15 minutes).';
const RESPONSE_MEASURES = ['count', 'sum:responded', 'median:responseMinutes', 'p90:responseMinutes', 'avg:withinSla'];

export const leadReports: CatalogueReport[] = [
  {
    id: 'lead-sources',
    title: 'Lead sources',
    area: 'leads',
    description: `${LEADS}: the number of leads (count) per channel.`,
    spec: { source: 'leads', dimensions: ['channel'], measures: ['count'], sort: [{ by: 'count', dir: 'desc' }] },
    defaultPeriod: 'this_month',
    chart: { type: 'pie', x: 'channel', y: ['count'] },
  },
  {
    id: 'lead-sources-weekly',
    title: 'Lead sources, week by week',
    area: 'leads',
    description: `${LEADS}: the number of leads (count) per week and channel.`,
    spec: { source: 'leads', dimensions: ['week', 'channel'], measures: ['count'] },
    defaultPeriod: 'last_90_days',
    chart: { type: 'line', x: 'week', y: ['count'] },
  },
  {
    id: 'lead-sources-by-connection',
    title: 'Leads by connection',
    area: 'leads',
    description: `${LEADS}: the number of leads (count) per inbound connection and the number of distinct products they asked for.`,
    spec: { source: 'leads', dimensions: ['channel', 'connectionId'], measures: ['count', 'uniq:productId'] },
    defaultPeriod: 'this_month',
    chart: { type: 'table', x: 'connectionId', y: ['count'] },
  },
  {
    id: 'lead-products',
    title: 'Products leads ask for',
    area: 'leads',
    description: `${LEADS}: the number of leads (count) per product.`,
    spec: { source: 'leads', dimensions: ['productId'], measures: ['count'], sort: [{ by: 'count', dir: 'desc' }] },
    defaultPeriod: 'this_month',
    chart: { type: 'bar', x: 'productId', y: ['count'] },
  },
  {
    id: 'lead-response-by-staff',
    title: 'Lead response time by staff member',
    area: 'leads',
    description: `${LEADS}. ${RESPONSE} Per assignee: leads (count), how many responded, the median and 90th percentile response time of those that did, and the share within the SLA.`,
    spec: { source: 'leads', dimensions: ['assignedTo'], measures: RESPONSE_MEASURES },
    defaultPeriod: 'this_month',
    chart: { type: 'bar', x: 'assignedTo', y: ['median:responseMinutes'] },
  },
  {
    id: 'lead-response-by-channel',
    title: 'Lead response time by channel',
    area: 'leads',
    description: `${LEADS}. ${RESPONSE} Per channel: leads (count), how many responded, the median and 90th percentile response time, and the share within the SLA.`,
    spec: { source: 'leads', dimensions: ['channel'], measures: RESPONSE_MEASURES },
    defaultPeriod: 'this_month',
    chart: { type: 'bar', x: 'channel', y: ['median:responseMinutes'] },
  },
  {
    id: 'lead-response-weekly',
    title: 'Lead response time, week by week',
    area: 'leads',
    description: `${LEADS}. ${RESPONSE} Per week: leads (count), how many responded, the median and 90th percentile response time, and the share within the SLA.`,
    spec: { source: 'leads', dimensions: ['week'], measures: RESPONSE_MEASURES },
    defaultPeriod: 'last_90_days',
    chart: { type: 'line', x: 'week', y: ['median:responseMinutes', 'avg:withinSla'] },
  },
  {
    id: 'unanswered-leads',
    title: 'Unanswered leads',
    area: 'leads',
    description: `${LEADS}, that have not responded yet (no completed follow-up): the number of them (count) per assignee.`,
    spec: { source: 'leads', dimensions: ['assignedTo'], measures: ['count'], filters: [{ field: 'responded', op: 'eq', value: false }], sort: [{ by: 'count', dir: 'desc' }] },
    defaultPeriod: 'this_week',
    chart: { type: 'bar', x: 'assignedTo', y: ['count'] },
  },
  {
    id: 'assignment-fairness',
    title: 'Lead assignment fairness',
    area: 'leads',
    description: `${LEADS}: the number of leads (count) each staff member was assigned and the number of channels they came from; a member's share is their count ÷ the total, to compare with an even split.`,
    spec: { source: 'leads', dimensions: ['assignedTo'], measures: ['count', 'uniq:channel'], sort: [{ by: 'count', dir: 'desc' }] },
    defaultPeriod: 'this_month',
    chart: { type: 'bar', x: 'assignedTo', y: ['count'] },
  },
  {
    id: 'assignment-fairness-by-team',
    title: 'Lead assignment by team',
    area: 'leads',
    description: `${LEADS}: the number of leads (count) per team (the assignees' direct managers) and the number of members who received them (assignee).`,
    spec: { source: 'leads', dimensions: ['team'], measures: ['count', 'uniq:assignedTo'] },
    defaultPeriod: 'this_month',
    chart: { type: 'bar', x: 'team', y: ['count'] },
  },
];
