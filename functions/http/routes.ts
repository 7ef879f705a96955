/**
 * Every HTTP route, declared once. The CDK api stack makes one Lambda per entry and the local
 * server dispatches to the same handler files, so the two cannot drift.
 * `entry` is relative to the repository root; each module exports `handler`.
 */
export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  path: string;
  entry: string;
  /** Stable CDK construct id for the route's function. */
  name: string;
  public?: boolean;
  /** Creates or disables Cognito sign-in accounts: only these functions get a user-pool admin grant, of the actions that step calls. */
  signInAccounts?: 'create' | 'disable';
  /** Reads or writes nothing in the tables (health, the OpenAPI document): no table grant at all. */
  noTable?: true;
  /** Signs URLs for client images: `write` may sign uploads, `read` downloads. */
  media?: 'read' | 'write';
  /**
   * Imports and exports (#12): `import` signs upload URLs and queues steps, `export` queues runs,
   * `read` signs downloads of error files and exports. Only these reach the data bucket prefixes and the data queue.
   */
  files?: 'import' | 'export' | 'read';
  /** Reads the reporting facts: only these functions get ClickHouse's address and credentials. */
  analytics?: boolean;
  /**
   * Inbound integrations (#13): `hook` stores deliveries (raw payloads over 256 KB to the data
   * bucket's hooks/ prefix) and queues them; `manage` reads and writes connections' secrets and
   * raw payloads and queues replays. Only these reach the secrets and the inbound queue.
   */
  inbound?: 'hook' | 'manage';
  /** Sends email (SES) and WhatsApp (#14): only this reaches SES and the cursor key it derives thread addresses from. */
  messages?: 'send';
  /** Email attachments in the media bucket's messages/ prefix (#14): `upload` signs PUTs, `read` reads them (the send) or signs GETs (the download). */
  attachments?: 'upload' | 'read';
  /**
   * Outbound webhooks (#15): `secrets` writes subscriptions' signing secrets (create, rotate,
   * delete: under the integration secrets' prefix, by the webhook's id); `queue` queues deliveries
   * to the sender (pings, redeliveries). Only these reach either.
   */
  webhooks?: 'secrets' | 'queue';
  /** Requests per second (steady, burst) this route takes, below the stage's default: set for the costly ones. */
  throttle?: { rate: number; burst: number };
}

/** Dashboards read ClickHouse over many facts (a query can take a second): fewer at once than the stage's 100/s. */
const REPORT_THROTTLE = { rate: 20, burst: 40 };
/** Creating and disabling sign-in accounts calls Cognito's admin API, which allows a few per second. */
const ACCOUNT_THROTTLE = { rate: 5, burst: 10 };

/** Providers post in bursts (a batch of Tally vouchers, Meta's retries): their own limit, above forms'. */
const HOOK_THROTTLE = { rate: 50, burst: 100 };
/** Web forms are public: per-form and per-address limits in the route, and this ceiling at the gateway. */
const FORM_THROTTLE = { rate: 20, burst: 40 };

const r = (method: RouteDefinition['method'], path: string, entry: string, name: string, extra: Partial<RouteDefinition> = {}): RouteDefinition => ({
  method,
  path,
  entry: `functions/http/${entry}.ts`,
  name,
  ...extra,
});

export const routes: readonly RouteDefinition[] = [
  r('GET', '/health', 'health', 'Health', { public: true, noTable: true }),
  r('GET', '/v1/openapi.json', 'openapi', 'OpenApi', { public: true, noTable: true }),
  r('POST', '/v1/clients', 'clients/create', 'CreateClient'),
  r('GET', '/v1/clients', 'clients/search', 'SearchClients'),
  r('GET', '/v1/clients/duplicates', 'clients/duplicates', 'ListDuplicateClients'),
  r('GET', '/v1/clients/{id}', 'clients/get', 'GetClient'),
  r('PATCH', '/v1/clients/{id}', 'clients/update', 'UpdateClient'),
  r('GET', '/v1/clients/{id}/profile', 'clients/profile', 'GetClientProfile', { analytics: true }),
  r('GET', '/v1/clients/{id}/audit', 'clients/audit', 'GetClientAudit'),
  r('POST', '/v1/clients/{id}/image', 'clients/image-upload', 'RequestClientImageUpload', { media: 'write' }),
  r('GET', '/v1/clients/{id}/image', 'clients/image-get', 'GetClientImage', { media: 'read' }),
  r('POST', '/v1/clients/{id}/merge', 'clients/merge', 'MergeClients'),
  r('POST', '/v1/clients/{id}/messages', 'messages/send', 'SendMessage', { messages: 'send', attachments: 'read' }),
  r('GET', '/v1/clients/{id}/messages', 'messages/list', 'ListMessages'),
  r('POST', '/v1/clients/{id}/messages/read', 'messages/read', 'MarkThreadRead'),
  r('GET', '/v1/clients/{id}/timeline', 'clients/timeline', 'GetClientTimeline'),
  r('GET', '/v1/messages/unread', 'messages/unread', 'ListUnreadMessages'),
  r('POST', '/v1/clients/{id}/attachments', 'clients/attachment-upload', 'RequestAttachmentUpload', { attachments: 'upload' }),
  r('GET', '/v1/clients/{id}/messages/{messageId}/attachments/{n}', 'messages/attachment-get', 'GetMessageAttachment', { attachments: 'read' }),
  r('POST', '/v1/clients/{id}/opportunities', 'opportunities/create', 'CreateOpportunity'),
  r('GET', '/v1/opportunities', 'opportunities/list', 'ListOpportunities'),
  r('GET', '/v1/opportunities/{id}', 'opportunities/get', 'GetOpportunity'),
  r('PATCH', '/v1/opportunities/{id}', 'opportunities/update', 'UpdateOpportunity'),
  r('POST', '/v1/opportunities/{id}/stage', 'opportunities/stage', 'ChangeOpportunityStage'),
  r('GET', '/v1/opportunities/{id}/history', 'opportunities/history', 'GetOpportunityHistory'),
  r('GET', '/v1/opportunities/{id}/audit', 'opportunities/audit', 'GetOpportunityAudit'),
  r('POST', '/v1/opportunities/{id}/events', 'events/create', 'CreateEvent'),
  r('GET', '/v1/events', 'events/list', 'ListEvents'),
  r('GET', '/v1/events/{id}', 'events/get', 'GetEvent'),
  r('POST', '/v1/events/{id}/complete', 'events/complete', 'CompleteEvent'),
  r('GET', '/v1/config/products', 'config/get-products', 'GetProducts'),
  r('PUT', '/v1/config/products', 'config/put-products', 'PutProducts'),
  r('GET', '/v1/config/stages', 'config/get-stages', 'GetStages'),
  r('PUT', '/v1/config/stages', 'config/put-stages', 'PutStages'),
  r('GET', '/v1/config/dedup', 'config/get-dedup', 'GetDedupRules'),
  r('PUT', '/v1/config/dedup', 'config/put-dedup', 'PutDedupRules'),
  r('GET', '/v1/config/targets', 'targets/get', 'GetTargets'),
  r('PUT', '/v1/config/targets', 'targets/put', 'PutTargets'),
  r('POST', '/v1/staff', 'staff/create', 'CreateStaff', { signInAccounts: 'create', throttle: ACCOUNT_THROTTLE }),
  r('GET', '/v1/staff', 'staff/list', 'ListStaff'),
  r('GET', '/v1/staff/{staffId}', 'staff/get', 'GetStaff'),
  r('PUT', '/v1/staff/{staffId}/manager', 'staff/set-manager', 'SetStaffManager'),
  r('POST', '/v1/staff/{staffId}/deactivate', 'staff/deactivate', 'DeactivateStaff', { signInAccounts: 'disable', throttle: ACCOUNT_THROTTLE }),
  r('GET', '/v1/staff/{staffId}/targets', 'targets/get-staff', 'GetStaffTargets'),
  r('PUT', '/v1/staff/{staffId}/targets', 'targets/put-staff', 'PutStaffTargets'),
  r('GET', '/v1/pipeline/{staffId}', 'dashboards/pipeline', 'GetPipeline', { analytics: true, throttle: REPORT_THROTTLE }),
  r('GET', '/v1/dashboards/staff/{staffId}', 'dashboards/staff', 'GetStaffDashboard', { analytics: true, throttle: REPORT_THROTTLE }),
  r('GET', '/v1/dashboards/manager/{staffId}', 'dashboards/manager', 'GetManagerDashboard', { analytics: true, throttle: REPORT_THROTTLE }),
  r('GET', '/v1/dashboards/events', 'dashboards/events', 'GetEventsDashboard', { analytics: true, throttle: REPORT_THROTTLE }),
  r('GET', '/v1/dashboards/tenant', 'dashboards/tenant', 'GetTenantDashboard', { analytics: true, throttle: REPORT_THROTTLE }),
  r('GET', '/v1/gap-analysis/{staffId}', 'gap-analysis/get', 'GetGapAnalysis', { analytics: true, throttle: REPORT_THROTTLE }),
  r('GET', '/v1/tasks', 'tasks/list', 'ListTasks', { analytics: true }),
  r('GET', '/v1/alerts', 'alerts/list', 'ListAlerts'),
  r('GET', '/v1/alerts/{id}', 'alerts/get', 'GetAlert'),
  r('POST', '/v1/alerts/{id}/acknowledge', 'alerts/acknowledge', 'AcknowledgeAlert'),
  r('POST', '/v1/alerts/{id}/resolve', 'alerts/resolve', 'ResolveAlert'),
  r('POST', '/v1/imports', 'imports/create', 'CreateImport', { files: 'import' }),
  r('GET', '/v1/imports', 'imports/list', 'ListImports', { files: 'read' }),
  r('GET', '/v1/imports/{id}', 'imports/get', 'GetImport', { files: 'read' }),
  r('POST', '/v1/imports/{id}/start', 'imports/start', 'StartImport', { files: 'import' }),
  r('POST', '/v1/exports', 'exports/create', 'CreateExport', { files: 'export' }),
  r('GET', '/v1/exports', 'exports/list', 'ListExports', { files: 'read' }),
  r('GET', '/v1/exports/{id}', 'exports/get', 'GetExport', { files: 'read' }),
  r('GET', '/v1/config/assignment', 'config/get-assignment', 'GetAssignmentRules'),
  r('PUT', '/v1/config/assignment', 'config/put-assignment', 'PutAssignmentRules'),
  r('GET', '/v1/config/templates', 'config/get-templates', 'GetMessageTemplates'),
  r('PUT', '/v1/config/templates', 'config/put-templates', 'PutMessageTemplates'),
  r('POST', '/v1/config/templates/preview', 'config/preview-template', 'PreviewMessageTemplate'),
  r('POST', '/v1/integrations', 'integrations/create', 'CreateConnection', { inbound: 'manage' }),
  r('GET', '/v1/integrations', 'integrations/list', 'ListConnections'),
  r('GET', '/v1/integrations/{id}', 'integrations/get', 'GetConnection'),
  r('PATCH', '/v1/integrations/{id}', 'integrations/update', 'UpdateConnection', { inbound: 'manage' }),
  r('DELETE', '/v1/integrations/{id}', 'integrations/delete', 'DeleteConnection', { inbound: 'manage' }),
  r('POST', '/v1/integrations/{id}/reconcile', 'integrations/reconcile', 'ReconcileConnection', { inbound: 'manage' }),
  r('POST', '/v1/integrations/{id}/rotate-secret', 'integrations/rotate', 'RotateConnectionSecret', { inbound: 'manage' }),
  r('GET', '/v1/integrations/{id}/deliveries', 'integrations/deliveries', 'ListDeliveries'),
  r('GET', '/v1/integrations/{id}/deliveries/{deliveryId}', 'integrations/delivery', 'GetDelivery'),
  r('GET', '/v1/integrations/{id}/deliveries/{deliveryId}/payload', 'integrations/payload', 'GetDeliveryPayload', { inbound: 'manage' }),
  r('POST', '/v1/integrations/{id}/deliveries/{deliveryId}/replay', 'integrations/replay', 'ReplayDelivery', { inbound: 'manage' }),
  r('GET', '/v1/inbox', 'inbox/list', 'ListInbox'),
  r('GET', '/v1/inbox/{id}', 'inbox/get', 'GetInboxMail'),
  r('POST', '/v1/inbox/{id}/attach', 'inbox/attach', 'AttachInboxMail'),
  r('POST', '/v1/webhooks', 'webhooks/create', 'CreateWebhook', { webhooks: 'secrets' }),
  r('GET', '/v1/webhooks', 'webhooks/list', 'ListWebhooks'),
  r('GET', '/v1/webhooks/{id}', 'webhooks/get', 'GetWebhook'),
  r('PATCH', '/v1/webhooks/{id}', 'webhooks/update', 'UpdateWebhook'),
  r('DELETE', '/v1/webhooks/{id}', 'webhooks/delete', 'DeleteWebhook', { webhooks: 'secrets' }),
  r('POST', '/v1/webhooks/{id}/rotate-secret', 'webhooks/rotate', 'RotateWebhookSecret', { webhooks: 'secrets' }),
  r('POST', '/v1/webhooks/{id}/ping', 'webhooks/ping', 'PingWebhook', { webhooks: 'queue' }),
  r('POST', '/v1/webhooks/{id}/redeliver', 'webhooks/redeliver-since', 'RedeliverWebhookFailures', { webhooks: 'queue' }),
  r('GET', '/v1/webhooks/{id}/deliveries', 'webhooks/deliveries', 'ListWebhookDeliveries'),
  r('GET', '/v1/webhooks/{id}/deliveries/{deliveryId}', 'webhooks/delivery', 'GetWebhookDelivery'),
  r('POST', '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', 'webhooks/redeliver', 'RedeliverWebhookDelivery', { webhooks: 'queue' }),
  r('GET', '/v1/reports', 'reports/list', 'ListReports'),
  r('GET', '/v1/reports/{id}', 'reports/get', 'GetReport'),
  r('POST', '/v1/reports/{id}/run', 'reports/run', 'RunReport', { analytics: true, throttle: REPORT_THROTTLE }),
  r('POST', '/v1/reports/custom/run', 'reports/custom', 'RunCustomReport', { analytics: true, throttle: REPORT_THROTTLE }),
  r('GET', '/v1/reports/saved', 'reports/saved-list', 'ListSavedReports'),
  r('POST', '/v1/reports/saved', 'reports/saved-create', 'CreateSavedReport'),
  r('GET', '/v1/reports/saved/{savedId}', 'reports/saved-get', 'GetSavedReport'),
  r('PATCH', '/v1/reports/saved/{savedId}', 'reports/saved-update', 'UpdateSavedReport'),
  r('DELETE', '/v1/reports/saved/{savedId}', 'reports/saved-delete', 'DeleteSavedReport'),
  r('POST', '/v1/reports/saved/{savedId}/run', 'reports/saved-run', 'RunSavedReport', { analytics: true, throttle: REPORT_THROTTLE }),
  r('POST', '/hooks/{tenantId}/{connectionId}', 'hooks/receive', 'ReceiveHook', { public: true, inbound: 'hook', throttle: HOOK_THROTTLE }),
  r('GET', '/hooks/{tenantId}/{connectionId}', 'hooks/handshake', 'HookHandshake', { public: true, inbound: 'hook', throttle: HOOK_THROTTLE }),
  r('POST', '/forms/{formKey}', 'forms/submit', 'SubmitForm', { public: true, inbound: 'hook', throttle: FORM_THROTTLE }),
  r('OPTIONS', '/forms/{formKey}', 'forms/preflight', 'FormPreflight', { public: true, throttle: FORM_THROTTLE }),
];

export const routeKey = (r: Pick<RouteDefinition, 'method' | 'path'>) => `${r.method} ${r.path}`;

/**
 * The stacks the API's routes are deployed in (infra/stacks/api-routes.ts), by the first segment
 * of the path: about 7 CloudFormation resources a route, so a group of up to ~50 routes fits a
 * stack. A route whose first segment no group names fails the stack tests: give it a group.
 */
export const routeGroups = {
  Meta: ['health', 'openapi.json'],
  // A staff member's unread messages (/v1/messages/unread, #14) are about clients: beside their threads.
  Clients: ['clients', 'messages'],
  Opportunities: ['opportunities'],
  Events: ['events'],
  Config: ['config'],
  Staff: ['staff'],
  Insights: ['pipeline', 'dashboards', 'gap-analysis'],
  Work: ['tasks', 'alerts'],
  Data: ['imports', 'exports'],
  Integrations: ['integrations', 'hooks', 'forms'],
  // The unassigned inbox of inbound email (#14).
  Inbox: ['inbox'],
  // Outbound webhooks (#15): subscriptions, their delivery log and redeliveries.
  Webhooks: ['webhooks'],
  // Reports (#16): the catalogue, prebuilt and custom runs over ClickHouse.
  Reports: ['reports'],
} as const satisfies Record<string, readonly string[]>;

export type RouteGroup = keyof typeof routeGroups;

export function groupOf(route: Pick<RouteDefinition, 'path'>): RouteGroup {
  const segment = route.path.replace(/^\/v1\//, '/').split('/')[1] ?? '';
  const group = (Object.keys(routeGroups) as RouteGroup[]).find((g) => (routeGroups[g] as readonly string[]).includes(segment));
  if (!group) throw new Error(`${routeKey({ method: 'GET', path: route.path }).slice(4)}: no route group names "${segment}" (functions/http/routes.ts routeGroups)`);
  return group;
}
