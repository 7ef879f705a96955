import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { roles, type Principal, type Role } from '../domain/access/roles';
import { routeKey, routes } from '../functions/http/routes';
import { signJwt } from '../scripts/local/issuer';
import { useLocalStack, type ApiResponse } from './stack';

/**
 * Attack matrix (DESIGN §4, OWASP API1/API3/API5): every route of the manifest × every role ×
 * three objects — one the role is linked to (in scope), one of the same tenant outside its scope,
 * one of the other tenant — with the exact status written below, and, for every refused write,
 * proof that nothing changed. Then forged tokens on every route, and a tenant that was never
 * provisioned on the routes that read tenant configuration.
 *
 * A route added to functions/http/routes.ts without an entry in `matrix` fails this suite.
 */
// The event pipeline runs, so the dashboards' answers hold the fixtures' facts and their bodies can be checked.
// Report runs are limited per tenant (REPORTS_PER_MINUTE, 30): the matrix runs more than that in demo within a minute.
process.env.REPORTS_PER_MINUTE ??= '1000';
// A tenant has at most 25 webhooks (WEBHOOKS_PER_TENANT): the matrix makes a fresh one for each of ~300 cases.
process.env.WEBHOOKS_PER_TENANT ??= '1000';
const api = useLocalStack({ pipeline: true });

// ───────────────────────────── who ─────────────────────────────

type Tenant = 'demo' | 'acme';
const cases = ['in-scope', 'out-of-scope', 'other-tenant'] as const;
type Case = (typeof cases)[number];

/** Staff beyond the seed (admin, manager, so-1, tse-1, tse-2), created in both tenants by their admin. */
const extraStaff: { staffId: string; role: Role; managerId?: string; partnerCompanyId?: string }[] = [
  { staffId: 'am-1', role: 'asst_manager', managerId: 'manager' },
  { staffId: 'tse-3', role: 'tse', managerId: 'am-1' },
  { staffId: 'w-1', role: 'warrior', managerId: 'manager' },
  { staffId: 'w-2', role: 'warrior', managerId: 'manager' },
  { staffId: 'p-1', role: 'partner', partnerCompanyId: 'kochi-agents' },
  { staffId: 'p-2', role: 'partner', partnerCompanyId: 'other-agents' },
  { staffId: 'an-1', role: 'analyst' },
  // A second manager with a report of their own: outside the first manager's subtree.
  { staffId: 'm-2', role: 'manager', managerId: 'admin' },
  { staffId: 'tse-9', role: 'tse', managerId: 'm-2' },
];
/** Exists only in acme: the other-tenant target of the staff routes (the ids above exist in both). */
const ACME_ONLY_STAFF = 'ao-1';
/** Only acme's catalogue lists it; only acme's Lead multiplier is 60 (set up in beforeAll). */
const ACME_ONLY_PRODUCT = 'acme-only';
/** Only acme has a message template of this name (set up in beforeAll). */
const ACME_ONLY_TEMPLATE = 'matrix-acme-only';

const roleOf: Record<string, Role> = {
  admin: 'tenant_admin',
  manager: 'manager',
  'so-1': 'sales_officer',
  'tse-1': 'tse',
  'tse-2': 'tse',
  [ACME_ONLY_STAFF]: 'tse',
  ...Object.fromEntries(extraStaff.map((s) => [s.staffId, s.role])),
};
const person = (tenant: Tenant, staffId: string): Principal => ({ tenantId: tenant, staffId, role: roleOf[staffId] ?? 'tse' });
const adminOf = (tenant: Tenant) => person(tenant, 'admin');

/** The caller of each role: all in tenant demo. platform_admin has no staff record; its token is minted directly. */
const principals: Record<Role, Principal> = {
  platform_admin: { tenantId: 'demo', staffId: 'root', role: 'platform_admin' },
  tenant_admin: person('demo', 'admin'),
  manager: person('demo', 'manager'),
  asst_manager: person('demo', 'am-1'),
  sales_officer: person('demo', 'so-1'),
  tse: person('demo', 'tse-1'),
  warrior: person('demo', 'w-1'),
  partner: person('demo', 'p-1'),
  analyst: person('demo', 'an-1'),
};

/**
 * How an object is linked: who created it (client, and an opportunity on it), which warrior it is
 * handed to (named on creation by its owner), which partner company a manager handed it to (PATCH partnerCompanyId
 * by the manager), and who created its event (`actor`, default owner). With `formerly`, the
 * opportunity was first handed to that warrior / company (whose user logged the event then) and
 * afterwards re-handed to `warrior` / `partner`: access that was taken back.
 * The list routes ask for the `actor ?? owner` subject.
 */
interface Link {
  owner: string;
  warrior?: string;
  partner?: string;
  formerly?: string;
  actor?: string;
}
const subjectOf = (l: Link) => l.actor ?? l.owner;
const linkKey = (l: Link) => [l.owner, l.warrior, l.partner, l.formerly && `formerly ${l.formerly}`, l.actor].filter(Boolean).join(' ');

/** The object each role is linked to. tenant-scope roles (and platform_admin): any demo object. */
const inLink: Record<Role, Link> = {
  platform_admin: { owner: 'tse-1' },
  tenant_admin: { owner: 'tse-1' },
  manager: { owner: 'tse-1' }, // a report
  asst_manager: { owner: 'tse-3' }, // a report
  sales_officer: { owner: 'so-1' },
  tse: { owner: 'tse-1' },
  warrior: { owner: 'tse-1', warrior: 'w-1', actor: 'w-1' },
  partner: { owner: 'tse-1', partner: 'kochi-agents', actor: 'p-1' },
  analyst: { owner: 'tse-1' },
};
/**
 * Same tenant, outside the role's scope. tenant-scope roles have no such object: tse-9's, expecting
 * the in-scope result. Warriors and partners get the sharper case: a lead that was theirs (their user
 * logged a Call on it) and was then re-handed to another warrior / company — DESIGN §4 "only", spec
 * §9 "Warriors need access to specific leads only", "Partner company isolation".
 */
const outLink: Record<Role, Link> = {
  platform_admin: { owner: 'tse-9' },
  tenant_admin: { owner: 'tse-9' },
  manager: { owner: 'tse-9' }, // m-2's report
  asst_manager: { owner: 'tse-1' }, // the manager's report, not am-1's
  sales_officer: { owner: 'tse-1' },
  tse: { owner: 'tse-2' },
  warrior: { owner: 'tse-1', warrior: 'w-2', formerly: 'w-1', actor: 'w-1' }, // re-handed from w-1 to w-2
  partner: { owner: 'tse-1', partner: 'other-agents', formerly: 'kochi-agents', actor: 'p-1' }, // taken back, handed to another company
  analyst: { owner: 'tse-9' },
};
/** The staff routes' targets: a report or oneself (in), someone outside the role's scope (out). */
const staffIn: Record<Role, string> = {
  platform_admin: 'tse-1', tenant_admin: 'tse-1', manager: 'tse-1', asst_manager: 'tse-3', sales_officer: 'so-1', tse: 'tse-1', warrior: 'w-1', partner: 'p-1', analyst: 'tse-1',
};
const staffOut: Record<Role, string> = {
  platform_admin: 'tse-9', tenant_admin: 'tse-9', manager: 'tse-9', asst_manager: 'tse-1', sales_officer: 'tse-1', tse: 'tse-2', warrior: 'w-2', partner: 'p-2', analyst: 'tse-9',
};

/** What a row of the matrix acts on: the link of its object and the tenant it lives in (other-tenant: acme, same link). */
interface Spec {
  role: Role;
  kase: Case;
  tenant: Tenant;
  link: Link;
  /** Staff routes: an existing staff member in/out of the role's scope, or one that exists only in acme. */
  staffTarget: string;
  /** Staff fixtures: the manager a fresh staff member is created under. */
  staffHome: string;
}
function specOf(role: Role, kase: Case): Spec {
  const link = kase === 'out-of-scope' ? outLink[role] : inLink[role];
  const tenant: Tenant = kase === 'other-tenant' ? 'acme' : 'demo';
  const staffTarget = kase === 'other-tenant' ? ACME_ONLY_STAFF : kase === 'out-of-scope' ? staffOut[role] : staffIn[role];
  const inHome = role === 'asst_manager' ? 'am-1' : 'manager';
  const outHome = role === 'asst_manager' ? 'manager' : 'm-2';
  return { role, kase, tenant, link, staffTarget, staffHome: kase === 'out-of-scope' ? outHome : inHome };
}

// ─────────────────────────── fixtures ───────────────────────────

interface ApiClient {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
}
const as = (who: Principal): ApiClient => api.as(who);

function must(res: ApiResponse, status: number, what: string): ApiResponse {
  if (res.status !== status) throw new Error(`fixture ${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

let counter = 0;
const next = () => ++counter;
let phone = 9746000000;
const nextMobile = () => String(++phone);

/** Shared objects (read-only routes) sit at stage Visit with an event at SHARED_AT; per-row ones at Lead / ROW_AT, so lists can tell them apart. */
const SHARED_AT = '2027-03-03T09:00:00.000Z';
const ROW_AT = '2027-05-05T09:00:00.000Z';

interface Fx {
  tenant: Tenant;
  clientId?: string;
  opportunityId?: string;
  eventId?: string;
  staffId?: string;
  name?: string;
  mobile?: string;
  /** Ids the role must not be shown in a 200 answer (a client's other, un-handed lead and its event). */
  hiddenIds?: string[];
  alertId?: string;
  importId?: string;
  exportId?: string;
  /** The client a merge row merges into `clientId`. */
  mergedId?: string;
  /** Integrations (#13): a connection, its signing secret, a delivery to it, a web form's key. */
  connectionId?: string;
  secret?: string;
  deliveryId?: string;
  formKey?: string;
  /** Inbound email (#14): a mail waiting in the tenant's unassigned inbox. */
  inboxId?: string;
  /** A message of the client's thread (#14): one with an attachment. */
  messageId?: string;
  /** Outbound webhooks (#15): a subscription and a delivery in its log. */
  webhookId?: string;
  webhookDeliveryId?: string;
  /** Saved reports (#16). */
  savedReportId?: string;
}

async function createClient(tenant: Tenant, by: string, name: string, mobile = nextMobile()): Promise<{ id: string; mobile: string }> {
  const res = must(await as(person(tenant, by)).call('POST', '/v1/clients', { companyName: name, ownerName: 'Matrix Owner', mobile }), 201, `client of ${tenant}/${by}`);
  return { id: res.body.id, mobile };
}

/** An opportunity linked as `link`, with an event by the link's actor when `eventAt` is given (logged before any re-hand-over). */
async function createOpportunity(tenant: Tenant, link: Link, clientId: string, stage: 'Lead' | 'Visit', eventAt?: string): Promise<{ opportunityId: string; eventId?: string }> {
  const firstWarrior = link.warrior && (link.formerly ?? link.warrior);
  const created = must(
    await as(person(tenant, link.owner)).call('POST', `/v1/clients/${clientId}/opportunities`, { productId: 'website', stage, ...(firstWarrior && { warriors: [firstWarrior] }) }),
    201,
    `opportunity of ${tenant}/${linkKey(link)}`,
  );
  const opportunityId: string = created.body.id;
  // Logging an event leaves the opportunity's version alone: the last answer's version is current.
  let version: number = created.body.version;
  const handOver = async (by: string, patch: Record<string, unknown>) => {
    const res = must(await as(person(tenant, by)).call('PATCH', `/v1/opportunities/${opportunityId}`, patch, { 'if-match': `"${version}"` }), 200, `hand-over ${JSON.stringify(patch)} of ${tenant}/${linkKey(link)}`);
    version = res.body.version;
  };
  // Handing a lead to a partner company is a manager's decision (policy fieldWriters).
  if (link.partner) await handOver('manager', { partnerCompanyId: link.formerly ?? link.partner });
  const eventId = eventAt ? await createEvent(tenant, subjectOf(link), opportunityId, eventAt) : undefined;
  if (link.formerly && link.warrior) await handOver(link.owner, { warriors: [link.warrior] });
  if (link.formerly && link.partner) await handOver('manager', { partnerCompanyId: link.partner });
  return { opportunityId, ...(eventId && { eventId }) };
}

async function createEvent(tenant: Tenant, by: string, opportunityId: string, scheduledAt: string): Promise<string> {
  const res = must(await as(person(tenant, by)).call('POST', `/v1/opportunities/${opportunityId}/events`, { type: 'Call', scheduledAt }), 201, `event of ${tenant}/${by}`);
  return res.body.id;
}

/** A fresh client linked as `link` (through an opportunity when a warrior or partner must see it). */
async function clientFx(s: Spec): Promise<Fx> {
  const client = await createClient(s.tenant, s.link.owner, `Row ${next()} [${linkKey(s.link)}]`);
  const linked = s.link.warrior || s.link.partner ? await createOpportunity(s.tenant, s.link, client.id, 'Lead') : undefined;
  return { tenant: s.tenant, clientId: client.id, ...linked };
}

/** Two look-alike clients (the same name in the same city) of `by`: a duplicate pair; the first one's id. */
async function lookalikePair(tenant: Tenant, by: string): Promise<string> {
  const name = `Aaa Lookalike ${next()}`;
  const first = must(await as(person(tenant, by)).call('POST', '/v1/clients', { companyName: `${name} Pvt Ltd`, ownerName: 'Matrix Owner', mobile: nextMobile(), city: 'Kochi' }), 201, 'look-alike');
  must(await as(person(tenant, by)).call('POST', '/v1/clients', { companyName: name, ownerName: 'Matrix Twin', mobile: nextMobile(), city: 'Kochi' }), 201, 'look-alike twin');
  return first.body.id;
}
/** acme blocks look-alikes (see the setup): its pair is made before the rule is set. */
let acmeLookalike = '';

/** A fresh look-alike pair of the case's link owner (other-tenant: acme's, made in the setup). */
async function duplicatePairFx(s: Spec): Promise<Fx> {
  return { tenant: s.tenant, clientId: s.tenant === 'acme' ? acmeLookalike : await lookalikePair(s.tenant, s.link.owner) };
}

async function opportunityFx(s: Spec): Promise<Fx> {
  const client = await createClient(s.tenant, s.link.owner, `Row ${next()} [${linkKey(s.link)}]`);
  return { tenant: s.tenant, clientId: client.id, ...(await createOpportunity(s.tenant, s.link, client.id, 'Lead')) };
}

async function eventFx(s: Spec): Promise<Fx> {
  const client = await createClient(s.tenant, s.link.owner, `Row ${next()} [${linkKey(s.link)}]`);
  return { tenant: s.tenant, clientId: client.id, ...(await createOpportunity(s.tenant, s.link, client.id, 'Lead', ROW_AT)) };
}

async function staffFx(s: Spec): Promise<Fx> {
  const staffId = `f-${next()}`;
  const create = () => as(adminOf(s.tenant)).call('POST', '/v1/staff', { staffId, name: 'Matrix Fixture', email: `${staffId}@${s.tenant}.matrix.example`, role: 'tse', managerId: s.staffHome });
  // Fixtures are made side by side, and two staff created under one manager at once race on the
  // hierarchy: the loser gets 409 concurrent_update with Retry-After, and retries as a client would
  // (at once: the other request is done by the time the answer arrives).
  let res = await create();
  for (let attempt = 1; attempt < 5 && res.status === 409 && res.body?.code === 'concurrent_update'; attempt++) res = await create();
  must(res, 201, `staff ${s.tenant}/${staffId}`);
  return { tenant: s.tenant, staffId };
}

/**
 * One client + opportunity (stage Visit) + event (SHARED_AT) + image per (tenant, link), shared by the
 * read-only routes. A lead handed to a warrior or partner sits on a client with another, un-handed
 * opportunity and its event (`hiddenIds`): what the warrior or partner must not be shown.
 */
const bundles = new Map<string, Promise<Fx & { name: string }>>();
function sharedFx(s: Spec): Promise<Fx> {
  const key = `${s.tenant}|${linkKey(s.link)}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = (async () => {
      // The same name in both tenants: a search in demo must find demo's client and never acme's.
      const name = `Shared [${linkKey(s.link)}]`;
      const client = await createClient(s.tenant, s.link.owner, name);
      // For GET /v1/clients/{id}/image (only while the manifest has the upload route, so a change there fails its own rows, not the set-up).
      if (routes.some((r) => routeKey(r) === 'POST /v1/clients/{id}/image')) {
        must(await as(person(s.tenant, s.link.owner)).call('POST', `/v1/clients/${client.id}/image`, { contentType: 'image/png', contentLength: 1000 }), 201, `image of ${key}`);
      }
      const { opportunityId, eventId } = await createOpportunity(s.tenant, s.link, client.id, 'Visit', SHARED_AT);
      const hiddenIds: string[] = [];
      if ((s.link.warrior || s.link.partner) && !s.link.formerly) {
        const sibling = must(await as(person(s.tenant, s.link.owner)).call('POST', `/v1/clients/${client.id}/opportunities`, { productId: 'kml' }), 201, `sibling of ${key}`);
        hiddenIds.push(sibling.body.id, await createEvent(s.tenant, s.link.owner, sibling.body.id, ROW_AT));
      }
      if (!s.link.formerly) hiddenIds.push(...(await peerLead(s.tenant, client.id, key)));
      return { tenant: s.tenant, clientId: client.id, opportunityId, eventId: eventId!, name, hiddenIds };
    })();
    bundles.set(key, bundle);
  }
  return bundle;
}

/**
 * A peer's lead on the same client: opened by the admin for tse-9 (m-2's report, outside every
 * linked and subtree role's scope), with a demo completed with feedback on it — the hidden deal
 * value and feedback that no audit, profile or list of those roles may show (issue #7, A1).
 */
async function peerLead(tenant: Tenant, clientId: string, key: string): Promise<string[]> {
  const admin = as(adminOf(tenant));
  const lead = must(await admin.call('POST', `/v1/clients/${clientId}/opportunities`, { productId: 'chitty', assignedTo: 'tse-9', dealValue: 7_777_700 }), 201, `peer lead of ${key}`);
  const demo = must(await admin.call('POST', `/v1/opportunities/${lead.body.id}/events`, { type: 'DemoScheduled', scheduledAt: ROW_AT, assignee: 'tse-9' }), 201, `peer demo of ${key}`);
  const done = must(await admin.call('POST', `/v1/events/${demo.body.id}/complete`, { feedback: PEER_FEEDBACK }), 200, `peer demo feedback of ${key}`);
  return [lead.body.id, demo.body.id, done.body.created.id];
}
const PEER_FEEDBACK = {
  customerFeedback: 'peer-only feedback',
  requirementDetails: 'peer-only requirements',
  suggestions: 'none',
  budget: 4_242_400,
  expectedClosingTimeline: '2027-06-30',
  competitorInfo: 'peer-only competitor',
  staffRemarks: 'none',
  customerCommitments: 'none',
};

const noFx = async (s: Spec): Promise<Fx> => ({ tenant: s.tenant });

/** A fresh alert about the case's staff member, in the tenant they belong to (other-tenant: ao-1, in acme), raised as the jobs raise them. */
async function alertFx(s: Spec): Promise<Fx> {
  const [{ getServices }, { raise }] = await Promise.all([import('../functions/lib/services'), import('../domain/alerts/alert')]);
  const alert = raise({ kind: 'target_gap', staffId: s.staffTarget, period: `matrix-${next()}`, message: 'Behind the target due by now.', evidence: {} }, new Date(), 24);
  await getServices().alerts.raise(s.tenant, alert);
  return { tenant: s.tenant, alertId: alert.id };
}
const alertState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/alerts/${fx.alertId}`);

/**
 * A fresh import or export by someone the case makes: the role itself when it may make one
 * (in-scope), m-2 (out-of-scope: another manager's), acme's manager (other-tenant). Jobs are their
 * creator's; a tenant admin sees every job of the tenant.
 */
const dataJobMaker: Partial<Record<Role, string>> = { tenant_admin: 'admin', manager: 'manager', asst_manager: 'am-1', analyst: 'an-1' };
async function dataJobFx(kind: 'import' | 'export', s: Spec): Promise<Fx> {
  const maker = s.kase === 'other-tenant' ? 'manager' : s.kase === 'out-of-scope' ? 'm-2' : kind === 'import' && s.role === 'analyst' ? 'manager' : (dataJobMaker[s.role] ?? 'manager');
  const name = `matrix-${next()}.csv`;
  if (kind === 'import') {
    const res = must(await as(person(s.tenant, maker)).call('POST', '/v1/imports', { entity: 'clients', format: 'csv', size: 10, fileName: name }), 201, `import of ${s.tenant}/${maker}`);
    return { tenant: s.tenant, importId: res.body.id, name };
  }
  const res = must(await as(person(s.tenant, maker)).call('POST', '/v1/exports', { entity: 'clients', format: 'csv', filter: { city: name } }), 202, `export of ${s.tenant}/${maker}`);
  return { tenant: s.tenant, exportId: res.body.id, name };
}
const importFx = (s: Spec) => dataJobFx('import', s);
const exportFx = (s: Spec) => dataJobFx('export', s);
/** What a refused create must not have made: the tenant's jobs carrying the row's unique name. */
const jobsNamed = async (tenant: Tenant, kind: 'imports' | 'exports', name: string): Promise<Snap> => {
  const all = await snap(adminOf(tenant), `/v1/${kind}?limit=100`);
  const items = (all.body as { items: { fileName?: string; filter?: { city?: string } }[] }).items;
  return { ...all, body: items.filter((j) => j.fileName === name || j.filter?.city === name) };
};

/** A fresh connection of the case's tenant, made by its admin (connections are the tenant admin's, tenant-wide). */
async function connectionFx(s: Spec, provider = 'generic', extra: Record<string, unknown> = {}): Promise<Fx> {
  const name = `matrix-${next()}`;
  const res = must(await as(adminOf(s.tenant)).call('POST', '/v1/integrations', { provider, name, ...extra }), 201, `connection of ${s.tenant}`);
  return { tenant: s.tenant, connectionId: res.body.id, name, ...(res.body.secret && { secret: res.body.secret }), ...(res.body.formUrl && { formKey: new URL(res.body.formUrl).pathname.split('/')[2] }) };
}
/** Standard Webhooks headers, signed here with node:crypto from the specification. */
function signedDelivery(fx: Fx, body: string): Req {
  const id = `matrix-${next()}`;
  const at = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', Buffer.from(fx.secret!.slice(6), 'base64')).update(`${id}.${at}.${body}`).digest('base64');
  return { method: 'POST', path: `/hooks/${fx.tenant}/${fx.connectionId}`, body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': `v1,${signature}` } };
}
/** A connection with one delivery processed (a customer record), or failed (`garbage`): the delivery routes' object. */
async function deliveryFx(s: Spec, garbage = false): Promise<Fx> {
  const fx = await connectionFx(s);
  const req = signedDelivery(fx, garbage ? 'garbage' : JSON.stringify({ type: 'customer.upserted', externalId: `M-${next()}`, data: { companyName: `Matrix ERP ${next()}`, mobile: nextMobile(), updatedAt: '2026-11-30T10:00:00Z' } }));
  const res = must(await api.anonymous().call(req.method, req.path, req.body, req.headers), 202, `delivery to ${s.tenant}`);
  await api.stack().inboundQueue.idle();
  return { ...fx, deliveryId: res.body.deliveryId };
}
/**
 * A fresh client linked as the case says (through a lead for a warrior or partner), with an unread
 * count for the role's caller — in the case's tenant, about the lead when there is one — written
 * as an inbound message counts it (#14).
 */
async function unreadFx(s: Spec): Promise<Fx> {
  const fx = await clientFx(s);
  const [{ getServices }, { ids }] = await Promise.all([import('../functions/lib/services'), import('../functions/lib/ids')]);
  const message = { id: ids.message(fx.clientId!), clientId: fx.clientId!, ...(fx.opportunityId && { opportunityId: fx.opportunityId }), createdAt: new Date().toISOString() };
  await getServices().unread.note(s.tenant, message, [principals[s.role].staffId], new Date());
  return fx;
}
/**
 * A client linked as the case says, with a deal (handed to the link's warrior or partner) and an
 * email about it carrying one attachment, sent by the tenant's admin (#14); shared per (tenant,
 * link). A lead handed to a warrior or partner sits beside the client's other deal, never handed,
 * with an attachment of its own: its message and key are what they must not be shown.
 */
const attachmentBundles = new Map<string, Promise<Fx>>();
function attachmentFx(s: Spec): Promise<Fx> {
  const key = `${s.tenant}|${linkKey(s.link)}`;
  let bundle = attachmentBundles.get(key);
  if (!bundle) {
    bundle = (async () => {
      const client = await createClient(s.tenant, s.link.owner, `Attached [${linkKey(s.link)}]`);
      const { opportunityId } = await createOpportunity(s.tenant, s.link, client.id, 'Lead');
      const sent = await emailWithAttachment(s.tenant, client.id, opportunityId);
      const hiddenIds: string[] = [];
      if ((s.link.warrior || s.link.partner) && !s.link.formerly) {
        const sibling = must(await as(person(s.tenant, s.link.owner)).call('POST', `/v1/clients/${client.id}/opportunities`, { productId: 'kml' }), 201, `sibling of attachment ${key}`);
        const other = await emailWithAttachment(s.tenant, client.id, sibling.body.id);
        hiddenIds.push(other.messageId, other.key);
      }
      return { tenant: s.tenant, clientId: client.id, opportunityId, messageId: sent.messageId, hiddenIds };
    })();
    attachmentBundles.set(key, bundle);
  }
  return bundle;
}
async function emailWithAttachment(tenant: Tenant, clientId: string, opportunityId: string): Promise<{ messageId: string; key: string }> {
  const admin = as(adminOf(tenant));
  const bytes = Buffer.from('%PDF-1.7 matrix\n');
  const upload = must(await admin.call('POST', `/v1/clients/${clientId}/attachments`, { filename: 'matrix.pdf', contentType: 'application/pdf', size: bytes.length }), 201, `attachment upload of ${tenant}`);
  const put = await fetch(upload.body.uploadUrl, { method: 'PUT', headers: upload.body.headers, body: bytes });
  if (put.status !== 200) throw new Error(`fixture attachment PUT of ${tenant}: ${put.status} ${await put.text()}`);
  const body = { channel: 'email', opportunityId, to: 'matrix@example.com', subject: 'Matrix', text: 'Attached', attachments: [upload.body.key] };
  const sent = must(await admin.call('POST', `/v1/clients/${clientId}/messages`, body), 201, `email with attachment of ${tenant}`);
  return { messageId: sent.body.id, key: upload.body.key };
}
/** The caller's count for the fixture's client, as stored (whoever may see it). */
async function unreadState(fx: Fx, s: Spec): Promise<Snap> {
  const { getServices } = await import('../functions/lib/services');
  const counts = await getServices().unread.list(fx.tenant, principals[s.role].staffId);
  return { status: 200, etag: null, body: counts.filter((c) => c.clientId === fx.clientId) };
}
const connectionState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/integrations/${fx.connectionId}`);
const deliveryState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/integrations/${fx.connectionId}/deliveries/${fx.deliveryId}`);
/** What a refused create must not have made: the tenant's connections with the row's unique name. */
const connectionsNamed = async (tenant: Tenant, name: string): Promise<Snap> => {
  const all = await snap(adminOf(tenant), '/v1/integrations?limit=100');
  return { ...all, body: (all.body as { items: { name: string }[] }).items.filter((c) => c.name === name) };
};
const FORM_ORIGIN = 'https://www.matrix-traders.in';

/**
 * A fresh webhook of the case's tenant, made by its admin (webhooks are the tenant admin's,
 * tenant-wide). It takes message.status_changed only, which no matrix row publishes: the fan-out
 * sends it nothing of the matrix's own writes.
 */
async function webhookFx(s: Spec): Promise<Fx> {
  const name = `matrix-${next()}`;
  const res = must(await as(adminOf(s.tenant)).call('POST', '/v1/webhooks', { url: `https://hooks.example.com/${name}`, events: ['message.status_changed'], description: name }), 201, `webhook of ${s.tenant}`);
  return { tenant: s.tenant, webhookId: res.body.id, secret: res.body.secret, name };
}
/** A fresh webhook with one failed delivery in its log, written as the sender leaves one (nothing queues it). */
async function webhookDeliveryFx(s: Spec): Promise<Fx> {
  const fx = await webhookFx(s);
  const [{ getServices }, { ids }] = await Promise.all([import('../functions/lib/services'), import('../functions/lib/ids')]);
  const at = new Date().toISOString();
  const id = ids.webhookDelivery();
  await getServices().webhooks.createDelivery(s.tenant, {
    id,
    webhookId: fx.webhookId!,
    eventId: `matrix-evt-${next()}`,
    eventType: 'message.status_changed',
    messageId: `msg_matrix${next()}`,
    body: '{"type":"message.status_changed"}',
    status: 'failed',
    attempts: [{ n: 1, at, durationMs: 12, outcome: 'failed', status: 400, excerpt: { text: 'no', truncated: false } }],
    attemptCount: 1,
    createdAt: at,
    updatedAt: at,
    version: 2,
  });
  return { ...fx, webhookDeliveryId: id };
}
const webhookState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/webhooks/${fx.webhookId}`);
const webhookDeliveriesState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/webhooks/${fx.webhookId}/deliveries`);
const webhookDeliveryState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/webhooks/${fx.webhookId}/deliveries/${fx.webhookDeliveryId}`);
/**
 * A saved report (#16) of every opportunity by id: in-scope the caller's own (private), out-of-scope
 * a private one of tse-9's, other-tenant one of acme's admin, shared with acme. Written through the
 * store as the create route writes it (any role may own one).
 */
const SAVED_SPEC = { source: 'opportunities', dimensions: ['opportunityId'], measures: ['count', 'sum:dealValue'], limit: 10_000 };
async function savedReportFx(s: Spec): Promise<Fx> {
  const [{ getServices }, { ids }, { newSavedReport, parseSavedReportInput }] = await Promise.all([import('../functions/lib/services'), import('../functions/lib/ids'), import('../domain/reports/saved')]);
  const owner = s.kase === 'in-scope' ? (s.role === 'platform_admin' ? 'tse-1' : principals[s.role].staffId) : s.kase === 'out-of-scope' ? 'tse-9' : 'admin';
  const name = `matrix-${next()}`;
  const saved = newSavedReport(parseSavedReportInput({ name, spec: SAVED_SPEC, shared: s.kase === 'other-tenant' }), { id: ids.savedReport(), owner, now: new Date(), timeZone: 'Asia/Kolkata' });
  await getServices().savedReports.create(s.tenant, saved, Number.MAX_SAFE_INTEGER);
  return { tenant: s.tenant, savedReportId: saved.id, name };
}
const savedReportState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/reports/saved/${fx.savedReportId}`);
/** What a refused create must not have made: the tenant's saved reports with the row's unique name. */
const savedReportsNamed = async (tenant: Tenant, name: string): Promise<Snap> => {
  const all = await snap(adminOf(tenant), '/v1/reports/saved?limit=100');
  return { ...all, body: (all.body as { items: { name: string }[] }).items.filter((r) => r.name === name) };
};

/** What a refused create must not have made: the tenant's webhooks with the row's unique description. */
const webhooksNamed = async (tenant: Tenant, name: string): Promise<Snap> => {
  const all = await snap(adminOf(tenant), '/v1/webhooks?limit=100');
  return { ...all, body: (all.body as { items: { description: string }[] }).items.filter((w) => w.description === name) };
};

/** A fresh mail in the case's tenant's unassigned inbox (other-tenant: acme's), delivered as the SMTP listener delivers it. */
async function inboxFx(s: Spec): Promise<Fx> {
  const [{ inboundMailDeps }, { receiveMail }] = await Promise.all([import('../functions/mail/inbound-deps'), import('../functions/lib/use-cases/inbound-email')]);
  const n = next();
  const to = `inbox+${s.tenant}@${api.stack().smtp.replyDomain}`;
  const raw = Buffer.from(`From: Stranger <stranger-${n}@unknown.example>\r\nTo: ${to}\r\nSubject: Matrix ${n}\r\nMessage-ID: <matrix-${n}@unknown.example>\r\n\r\nPlease call me.\r\n`);
  const got = await receiveMail(await inboundMailDeps(new Date()), raw, { recipients: [to] });
  const delivered = got.deliveries[0];
  if (delivered?.outcome !== 'unassigned') throw new Error(`fixture inbox mail of ${s.tenant}: ${JSON.stringify(got)}`);
  return { tenant: s.tenant, inboxId: delivered.inboxId };
}
/** One waiting mail per tenant for the read routes (nothing attaches it). */
const sharedInbox: Partial<Record<Tenant, Promise<Fx>>> = {};
const sharedInboxFx = (s: Spec) => (sharedInbox[s.tenant] ??= inboxFx(s));
/** A fresh mail and the case's client to attach it to (other-tenant: both acme's). */
const inboxAttachFx = async (s: Spec): Promise<Fx> => ({ ...(await clientFx(s)), inboxId: (await inboxFx(s)).inboxId });

// ───────────────────────── expectations ─────────────────────────

const ROLE_ORDER = 'platform_admin tenant_admin manager asst_manager sales_officer tse warrior partner analyst';
if (roles.join(' ') !== ROLE_ORDER) throw new Error(`the matrix columns assume roles in the order: ${ROLE_ORDER}`);

/**
 * Nine statuses, one per role, in the column order
 *      plat adm  mgr  asm  so   tse  war  par  ana
 * (platform_admin tenant_admin manager asst_manager sales_officer tse warrior partner analyst).
 */
function st(row: string): Record<Role, number> {
  const cells = row.trim().split(/\s+/).map(Number);
  if (cells.length !== roles.length || cells.some((c) => !Number.isInteger(c) || c < 100 || c > 599)) throw new Error(`bad status row: ${row}`);
  return Object.fromEntries(roles.map((r, i) => [r, cells[i]!])) as Record<Role, number>;
}
const all = (status: number) => st(roles.map(() => status).join(' '));
/** Lists: y = the case's target is in the answer, n = it must not be, - = no 200 to look into. Same columns. */
function sees(row: string): Record<Role, boolean | undefined> {
  const cells = row.trim().split(/\s+/);
  if (cells.length !== roles.length || cells.some((c) => !['y', 'n', '-'].includes(c))) throw new Error(`bad sees row: ${row}`);
  return Object.fromEntries(roles.map((r, i) => [r, cells[i] === '-' ? undefined : cells[i] === 'y'])) as Record<Role, boolean | undefined>;
}

interface Req {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Snap {
  status: number;
  etag: string | null;
  body: unknown;
}
/** What a read shows, minus the per-request id of a problem. */
async function snap(who: Principal, path: string): Promise<Snap> {
  const res = await as(who).call('GET', path);
  const body = res.body && typeof res.body === 'object' ? { ...res.body } : res.body;
  if (body && typeof body === 'object' && 'requestId' in body) delete (body as { requestId?: unknown }).requestId;
  return { status: res.status, etag: res.headers.get('etag'), body };
}
const ifMatch = (before: Snap | undefined): Record<string, string> => (before?.etag ? { 'if-match': before.etag } : {});

interface Entry {
  /** What each case sends; for a route without an object id, what varies between the three cases. */
  variant: string;
  public?: true;
  /** A public route's answer whatever token comes with it (default 200). */
  publicStatus?: number;
  expect: Record<Case, Record<Role, number>>;
  /** How a row gets its object: shared (read-only routes) or a fresh one per row (mutating routes). */
  fixture: (s: Spec) => Promise<Fx>;
  request: (fx: Fx, s: Spec, before: Snap | undefined) => Req;
  /** Which roles, per case, must not be shown the fixture's `hiddenIds` anywhere in a 200 answer. */
  hides?: Partial<Record<Case, Role[]>>;
  /** Lists: which id to look for in a 200 answer, and whether it must be there. */
  list?: { items: (body: any) => string[]; target: (fx: Fx, s: Spec) => string; sees: Record<Case, Record<Role, boolean | undefined>> };
  /**
   * Mutating routes: `state` is what a refused request must leave exactly as it was (read by the
   * admin of the object's tenant, before and after); `foreign` is the other tenant's data, which
   * must never change whatever the status.
   */
  mutates?: { state: (fx: Fx, s: Spec) => Promise<Snap>; foreign?: (fx: Fx, s: Spec) => Promise<Snap> | undefined };
}

const get = (path: string): Req => ({ method: 'GET', path });
const clientState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/clients/${fx.clientId}`);
const profileState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/clients/${fx.clientId}/profile`);
const opportunityState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/opportunities/${fx.opportunityId}`);
const eventState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/events/${fx.eventId}`);
const staffState = (fx: Fx) => snap(adminOf(fx.tenant), `/v1/staff/${fx.staffId}`);
const sharedWindow = `from=${encodeURIComponent(SHARED_AT)}&to=${encodeURIComponent(SHARED_AT)}`;

//                                plat adm  mgr  asm  so   tse  war  par  ana
const readAnyLinked = {
  'in-scope': /*           */ st('404 200  200  200  200  200  200  200  200'),
  'out-of-scope': /*       */ st('404 200  404  404  404  404  404  404  200'),
  'other-tenant': all(404),
};

const matrix: Record<string, Entry> = {
  'GET /health': {
    variant: 'public, no object: the same request in every case, with the role’s token',
    public: true,
    expect: { 'in-scope': all(200), 'out-of-scope': all(200), 'other-tenant': all(200) },
    fixture: noFx,
    request: () => get('/health'),
  },
  'GET /v1/openapi.json': {
    variant: 'public, no object: the same request in every case, with the role’s token',
    public: true,
    expect: { 'in-scope': all(200), 'out-of-scope': all(200), 'other-tenant': all(200) },
    fixture: noFx,
    request: () => get('/v1/openapi.json'),
  },

  // ── clients ──
  'POST /v1/clients': {
    variant:
      'creation has no scope: in-scope and out-of-scope are the same request (fresh name and mobile); ' +
      'other-tenant reuses the mobile of an acme client (uniqueness is per tenant) and that acme client must not change',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  201  201  201  201  403  403  403'),
      'out-of-scope': /*     */ st('403 201  201  201  201  201  403  403  403'),
      'other-tenant': /*     */ st('403 201  201  201  201  201  403  403  403'),
    },
    fixture: async (s) => {
      const name = `New ${next()} ${s.role}`;
      if (s.kase !== 'other-tenant') return { tenant: 'demo', name, mobile: nextMobile() };
      const acme = await createClient('acme', 'tse-1', `Acme ${next()}`);
      return { tenant: 'demo', name, mobile: acme.mobile, clientId: acme.id };
    },
    request: (fx) => ({ method: 'POST', path: '/v1/clients', body: { companyName: fx.name, ownerName: 'Matrix Owner', mobile: fx.mobile } }),
    mutates: {
      state: (fx) => snap(adminOf('demo'), `/v1/clients?q=${encodeURIComponent(fx.name!)}`),
      foreign: (fx, s) => (s.kase === 'other-tenant' ? snap(adminOf('acme'), `/v1/clients/${fx.clientId}`) : undefined),
    },
  },
  'GET /v1/clients': {
    variant: 'q = the company name of the case’s client (other-tenant: the acme client named like the in-scope demo one); sees = that client is in the items',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: sharedFx,
    request: (fx) => get(`/v1/clients?q=${encodeURIComponent((fx as { name: string }).name)}`),
    list: {
      items: (body) => body.items.map((c: { id: string }) => c.id),
      target: (fx) => fx.clientId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   n   n   n  n   n   n   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'GET /v1/clients/duplicates': {
    variant: 'a fresh look-alike pair (same name, same city) of the case’s link owner; sees = its first client is in a pair',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  200  200  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  200  200  403  403  403  403  403'),
    },
    fixture: duplicatePairFx,
    request: () => get('/v1/clients/duplicates?limit=100'),
    list: {
      items: (body) => body.pairs.flatMap((p: { a: { id: string }; b: { id: string } }) => [p.a.id, p.b.id]),
      target: (fx) => fx.clientId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   -  -   -   -   -'),
        'out-of-scope': /*   */ sees('-   y   n   n   -  -   -   -   -'),
        'other-tenant': /*   */ sees('-   n   n   n   -  -   -   -   -'),
      },
    },
  },
  'POST /v1/clients/{id}/merge': {
    variant: 'two fresh clients of the case’s link owner (other-tenant: in acme): the first survives, the second is merged; a refused merge leaves the second as it was',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  404  404  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  404  403  403  403  403  403'),
    },
    fixture: async (s) => {
      const survivor = await createClient(s.tenant, s.link.owner, `Survivor ${next()}`);
      const merged = await createClient(s.tenant, s.link.owner, `Merged ${next()}`);
      return { tenant: s.tenant, clientId: survivor.id, mergedId: merged.id };
    },
    request: (fx) => ({ method: 'POST', path: `/v1/clients/${fx.clientId}/merge`, body: { from: [fx.mergedId] } }),
    mutates: { state: (fx) => snap(adminOf(fx.tenant), `/v1/clients/${fx.mergedId}`) },
  },
  'GET /v1/clients/{id}': {
    variant: 'the case’s client',
    expect: readAnyLinked,
    fixture: sharedFx,
    request: (fx) => get(`/v1/clients/${fx.clientId}`),
  },
  'PATCH /v1/clients/{id}': {
    variant: 'a fresh client per row; If-Match = its current version; body {landmark}',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 200  200  200  200  200  403  403  403'),
      'out-of-scope': /*     */ st('404 200  404  404  404  404  404  404  403'),
      'other-tenant': all(404),
    },
    fixture: clientFx,
    request: (fx, _s, before) => ({ method: 'PATCH', path: `/v1/clients/${fx.clientId}`, body: { landmark: `Matrix landmark ${next()}` }, headers: ifMatch(before) }),
    mutates: { state: clientState },
  },
  'GET /v1/clients/{id}/profile': {
    variant:
      'the case’s client (the role check comes before the lookup: platform_admin 403); a warrior’s or partner’s 360 view must not show ' +
      'the client’s other lead, never handed to them, nor its event',
    hides: { 'in-scope': ['manager', 'asst_manager', 'sales_officer', 'tse', 'warrior', 'partner'] },
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  404  404  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  404  404'),
    },
    fixture: sharedFx,
    request: (fx) => get(`/v1/clients/${fx.clientId}/profile`),
  },
  'GET /v1/clients/{id}/audit': {
    variant: 'the case’s client; a seller’s or manager’s trail must not show the peer lead on the same client (its value, its demo feedback)',
    hides: { 'in-scope': ['manager', 'asst_manager', 'sales_officer', 'tse'] },
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('404 200  404  404  404  404  404  404  200'),
      'other-tenant': all(404),
    },
    fixture: sharedFx,
    request: (fx) => get(`/v1/clients/${fx.clientId}/audit`),
  },
  'POST /v1/clients/{id}/image': {
    variant: 'a fresh client per row; body {contentType: image/png, contentLength: 1000}; it moves the client’s imageKey and version',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 201  201  201  201  201  403  403  403'),
      'out-of-scope': /*     */ st('404 201  404  404  404  404  404  404  403'),
      'other-tenant': all(404),
    },
    fixture: clientFx,
    request: (fx) => ({ method: 'POST', path: `/v1/clients/${fx.clientId}/image`, body: { contentType: 'image/png', contentLength: 1000 } }),
    mutates: { state: clientState },
  },
  'GET /v1/clients/{id}/image': {
    variant: 'the case’s client, which has an image key',
    expect: readAnyLinked,
    fixture: sharedFx,
    request: (fx) => get(`/v1/clients/${fx.clientId}/image`),
  },
  'POST /v1/clients/{id}/opportunities': {
    variant: 'a fresh client per row; body {productId: jewellery} — the tenant admin, who does not sell, names the link owner as assignee (the role check comes before the lookup)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  201  201  201  201  403  403  403'),
      'out-of-scope': /*     */ st('403 201  404  404  404  404  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  403'),
    },
    fixture: clientFx,
    request: (fx, s) => ({ method: 'POST', path: `/v1/clients/${fx.clientId}/opportunities`, body: { productId: 'jewellery', ...(s.role === 'tenant_admin' && { assignedTo: s.link.owner }) } }),
    mutates: { state: profileState },
  },

  // ── opportunities ──
  'GET /v1/opportunities': {
    variant:
      '?stage=Visit&assignee= the subject of the case’s opportunity (its owner; a warrior: itself); other-tenant asks the in-scope ' +
      'subject and looks for the acme opportunity of the same-named staff. partner: never an assignee (its company’s list). ' +
      'Out of scope, a warrior / partner asks for its own list, which must not show the lead re-handed away from it',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: sharedFx,
    request: (_fx, s) => get(`/v1/opportunities?stage=Visit&limit=100${s.role === 'partner' ? '' : `&assignee=${subjectOf(s.link)}`}`),
    list: {
      items: (body) => body.items.map((o: { id: string }) => o.id),
      target: (fx) => fx.opportunityId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   n   n   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'GET /v1/opportunities/{id}': {
    variant: 'the case’s opportunity',
    expect: readAnyLinked,
    fixture: sharedFx,
    request: (fx) => get(`/v1/opportunities/${fx.opportunityId}`),
  },
  'PATCH /v1/opportunities/{id}': {
    variant: 'a fresh opportunity per row; If-Match = its current version; body {dealValue}',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 200  200  200  200  200  403  403  403'),
      'out-of-scope': /*     */ st('404 200  404  404  404  404  404  404  403'),
      'other-tenant': all(404),
    },
    fixture: opportunityFx,
    request: (fx, _s, before) => ({ method: 'PATCH', path: `/v1/opportunities/${fx.opportunityId}`, body: { dealValue: 1_234_500 }, headers: ifMatch(before) }),
    mutates: { state: opportunityState },
  },
  'POST /v1/opportunities/{id}/stage': {
    variant: 'a fresh opportunity (Lead) per row; body {stage: Qualified}; If-Match = its current version',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 200  200  200  200  200  200  403  403'),
      'out-of-scope': /*     */ st('404 200  404  404  404  404  404  404  403'),
      'other-tenant': all(404),
    },
    fixture: opportunityFx,
    request: (fx, _s, before) => ({ method: 'POST', path: `/v1/opportunities/${fx.opportunityId}/stage`, body: { stage: 'Qualified' }, headers: ifMatch(before) }),
    mutates: { state: opportunityState },
  },
  'GET /v1/opportunities/{id}/history': {
    variant: 'the case’s opportunity',
    expect: readAnyLinked,
    fixture: sharedFx,
    request: (fx) => get(`/v1/opportunities/${fx.opportunityId}/history`),
  },
  'GET /v1/opportunities/{id}/audit': {
    variant: 'the case’s opportunity',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('404 200  404  404  404  404  404  404  200'),
      'other-tenant': all(404),
    },
    fixture: sharedFx,
    request: (fx) => get(`/v1/opportunities/${fx.opportunityId}/audit`),
  },
  'POST /v1/opportunities/{id}/events': {
    variant: 'a fresh opportunity per row; body {type: Call, scheduledAt}; the client’s profile (events included) must not change when refused',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 201  201  201  201  201  201  201  403'),
      'out-of-scope': /*     */ st('404 201  404  404  404  404  404  404  403'),
      'other-tenant': all(404),
    },
    fixture: opportunityFx,
    request: (fx) => ({ method: 'POST', path: `/v1/opportunities/${fx.opportunityId}/events`, body: { type: 'Call', scheduledAt: ROW_AT } }),
    mutates: { state: profileState },
  },

  // ── events ──
  'GET /v1/events': {
    variant:
      '?assignee= the assignee of the case’s event (its creator) in the shared time window; other-tenant asks the in-scope subject and looks ' +
      'for the acme event of the same-named staff. partner: no assignee (its own events). Out of scope, a warrior / partner asks for its own ' +
      'events, which must not show the one it logged on a lead since re-handed away from it (GET /v1/events/{id} answers it 404)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: sharedFx,
    request: (_fx, s) => {
      const assignee = s.role === 'partner' ? undefined : subjectOf(s.link);
      return get(`/v1/events?${sharedWindow}&limit=100${assignee ? `&assignee=${assignee}` : ''}`);
    },
    list: {
      items: (body) => body.items.map((e: { id: string }) => e.id),
      target: (fx) => fx.eventId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   n   n   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'GET /v1/events/{id}': {
    variant: 'the case’s event',
    expect: readAnyLinked,
    fixture: sharedFx,
    request: (fx) => get(`/v1/events/${fx.eventId}`),
  },
  'POST /v1/events/{id}/complete': {
    variant: 'a fresh Pending Call event per row; body {remarks}; If-Match = its current version',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 200  200  200  200  200  200  200  403'),
      'out-of-scope': /*     */ st('404 200  404  404  404  404  404  404  403'),
      'other-tenant': all(404),
    },
    fixture: eventFx,
    request: (fx, _s, before) => ({ method: 'POST', path: `/v1/events/${fx.eventId}/complete`, body: { remarks: 'matrix' }, headers: ifMatch(before) }),
    mutates: { state: eventState },
  },

  // ── configuration ── (no object: the tenant comes from the token; acme's catalogue has an extra product, its Lead multiplier is 60)
  'GET /v1/config/products': {
    variant: 'the same request in every case; sees = website is listed (in/out), acme’s extra product is not (other-tenant)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => get('/v1/config/products'),
    list: {
      items: (body) => body.products.map((p: { id: string }) => p.id),
      target: (_fx, s) => (s.kase === 'other-tenant' ? ACME_ONLY_PRODUCT : 'website'),
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   y   y   y  y   y   y   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'PUT /v1/config/products': {
    variant: 'the same request in every case: demo’s current catalogue, If-Match its version; acme’s catalogue must never change',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  403'),
    },
    fixture: noFx,
    request: (_fx, _s, before) => ({ method: 'PUT', path: '/v1/config/products', body: { products: (before!.body as { products: unknown[] }).products }, headers: ifMatch(before) }),
    mutates: { state: () => snap(adminOf('demo'), '/v1/config/products'), foreign: () => snap(adminOf('acme'), '/v1/config/products') },
  },
  'GET /v1/config/stages': {
    variant: 'the same request in every case; sees = Lead:50 (demo) in/out, never Lead:60 (acme) for other-tenant',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => get('/v1/config/stages'),
    list: {
      items: (body) => body.stages.map((s: { stage: string; multiplier: number }) => `${s.stage}:${s.multiplier}`),
      target: (_fx, s) => (s.kase === 'other-tenant' ? 'Lead:60' : 'Lead:50'),
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   y   y   y  y   y   y   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'PUT /v1/config/stages': {
    variant: 'the same request in every case: demo’s current stages, If-Match their version; acme’s stages must never change',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  403'),
    },
    fixture: noFx,
    request: (_fx, _s, before) => ({ method: 'PUT', path: '/v1/config/stages', body: { stages: (before!.body as { stages: unknown[] }).stages }, headers: ifMatch(before) }),
    mutates: { state: () => snap(adminOf('demo'), '/v1/config/stages'), foreign: () => snap(adminOf('acme'), '/v1/config/stages') },
  },

  'GET /v1/config/dedup': {
    variant: 'the same request in every case; sees = fuzzy:warn (demo) in/out, never fuzzy:block (acme) for other-tenant',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => get('/v1/config/dedup'),
    list: {
      items: (body) => [`fuzzy:${body.dedup.fuzzy}`],
      target: (_fx, s) => (s.kase === 'other-tenant' ? 'fuzzy:block' : 'fuzzy:warn'),
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   y   y   y  y   y   y   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'PUT /v1/config/dedup': {
    variant: 'the same request in every case: demo’s current rules, If-Match their version; acme’s rules must never change',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  403'),
    },
    fixture: noFx,
    request: (_fx, _s, before) => ({ method: 'PUT', path: '/v1/config/dedup', body: { dedup: (before!.body as { dedup: unknown }).dedup }, headers: ifMatch(before) }),
    mutates: { state: () => snap(adminOf('demo'), '/v1/config/dedup'), foreign: () => snap(adminOf('acme'), '/v1/config/dedup') },
  },

  // ── message templates (#14): each tenant has its own (set up in beforeAll), previewed for a client the caller may message ──
  'GET /v1/config/templates': {
    variant: 'the same request in every case; sees = demo’s matrix-note (in/out), never acme’s matrix-acme-only (other-tenant)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => get('/v1/config/templates'),
    list: {
      items: (body) => body.templates.map((t: { name: string }) => t.name),
      target: (_fx, s) => (s.kase === 'other-tenant' ? ACME_ONLY_TEMPLATE : 'matrix-note'),
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   y   y   y  y   y   y   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'PUT /v1/config/templates': {
    variant: 'the same request in every case: demo’s current templates, If-Match their version; acme’s templates must never change',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  403'),
    },
    fixture: noFx,
    request: (_fx, _s, before) => ({ method: 'PUT', path: '/v1/config/templates', body: { templates: (before!.body as { templates: unknown[] }).templates }, headers: ifMatch(before) }),
    mutates: { state: () => snap(adminOf('demo'), '/v1/config/templates'), foreign: () => snap(adminOf('acme'), '/v1/config/templates') },
  },
  'POST /v1/config/templates/preview': {
    variant: 'the case’s client and deal (shared), demo’s matrix-note rendered for them: as a send would, only for what the caller may message',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  403'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  404  404  403'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  404  403'),
    },
    fixture: sharedFx,
    request: (fx) => ({ method: 'POST', path: '/v1/config/templates/preview', body: { template: 'matrix-note', clientId: fx.clientId, opportunityId: fx.opportunityId } }),
  },

  // ── staff ──
  'POST /v1/staff': {
    variant:
      'a new tse with a fresh id under a manager in (manager / am-1) or out (m-2 / manager) of the role’s scope; other-tenant takes an id that ' +
      'exists only in acme, whose record must not change',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 201  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 201  403  403  403  403  403  403  403'),
    },
    fixture: async (s) => {
      if (s.kase !== 'other-tenant') return { tenant: 'demo', staffId: `n-${next()}` };
      const acme = await staffFx({ ...s, staffHome: 'manager' });
      return { tenant: 'demo', staffId: acme.staffId! };
    },
    request: (fx, s) => ({
      method: 'POST',
      path: '/v1/staff',
      body: { staffId: fx.staffId, name: 'Matrix New', email: `${fx.staffId}@demo.matrix.example`, role: 'tse', managerId: s.kase === 'other-tenant' ? 'manager' : s.staffHome },
    }),
    mutates: {
      state: (fx) => snap(adminOf('demo'), `/v1/staff/${fx.staffId}`),
      foreign: (fx, s) => (s.kase === 'other-tenant' ? snap(adminOf('acme'), `/v1/staff/${fx.staffId}`) : undefined),
    },
  },
  'GET /v1/staff': {
    variant: 'the same request (?limit=100) in every case; sees = the case’s staff member (in: a report or oneself; out: someone else’s report; other-tenant: acme-only ao-1)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  403  403  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  403  403  200'),
    },
    fixture: noFx,
    request: () => get('/v1/staff?limit=100'),
    list: {
      items: (body) => body.items.map((s: { staffId: string }) => s.staffId),
      target: (_fx, s) => s.staffTarget,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   -   -   y'),
        'out-of-scope': /*   */ sees('-   y   n   n   n  n   -   -   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   -   -   n'),
      },
    },
  },
  'GET /v1/staff/{staffId}': {
    variant: 'the case’s staff member (in: a report or oneself; out: someone else’s report; other-tenant: ao-1, only in acme)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  404'),
    },
    fixture: noFx,
    request: (_fx, s) => get(`/v1/staff/${s.staffTarget}`),
  },
  'PUT /v1/staff/{staffId}/manager': {
    variant: 'a fresh tse per row under a manager in or out of the role’s scope (other-tenant: in acme), moved to m-2 (or manager); If-Match its version',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: staffFx,
    request: (fx, s, before) => ({ method: 'PUT', path: `/v1/staff/${fx.staffId}/manager`, body: { managerId: s.staffHome === 'm-2' ? 'manager' : 'm-2' }, headers: ifMatch(before) }),
    mutates: { state: staffState },
  },
  'POST /v1/staff/{staffId}/deactivate': {
    variant: 'a fresh tse per row under a manager in or out of the role’s scope (other-tenant: in acme)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: staffFx,
    request: (fx) => ({ method: 'POST', path: `/v1/staff/${fx.staffId}/deactivate` }),
    mutates: { state: staffState },
  },

  // ── targets ──
  'GET /v1/config/targets': {
    variant: 'the same request in every case; sees = demo’s TSE call target (60) in/out, never acme’s (61) for other-tenant',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => get('/v1/config/targets'),
    list: {
      items: (body) => body.versions.map((v: { roles: { tse: { activity: { calls: number } } } }) => String(v.roles.tse.activity.calls)),
      target: (_fx, s) => (s.kase === 'other-tenant' ? '61' : '60'),
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   y   y   y  y   y   y   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'PUT /v1/config/targets': {
    variant: 'the same request in every case: demo’s targets in force, from today, If-Match their version; acme’s targets must never change',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  403'),
    },
    fixture: noFx,
    request: (_fx, _s, before) => {
      const current = (before!.body as { current: { roles: unknown; workingDays: unknown } }).current;
      return { method: 'PUT', path: '/v1/config/targets', body: { roles: current.roles, workingDays: current.workingDays }, headers: ifMatch(before) };
    },
    mutates: { state: () => snap(adminOf('demo'), '/v1/config/targets'), foreign: () => snap(adminOf('acme'), '/v1/config/targets') },
  },
  'GET /v1/staff/{staffId}/targets': {
    variant: 'the case’s staff member (in: a report or oneself; out: someone else’s report; other-tenant: ao-1, only in acme)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  404'),
    },
    fixture: noFx,
    request: (_fx, s) => get(`/v1/staff/${s.staffTarget}/targets`),
  },
  'PUT /v1/staff/{staffId}/targets': {
    variant: 'a fresh tse per row under a manager in or out of the role’s scope (other-tenant: in acme), given 70 calls a day; If-Match its version (0)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  404  404  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  404  403  403  403  403  403'),
    },
    fixture: staffFx,
    request: (fx, _s, before) => ({ method: 'PUT', path: `/v1/staff/${fx.staffId}/targets`, body: { activity: { calls: 70 } }, headers: ifMatch(before) }),
    mutates: { state: (fx) => snap(adminOf(fx.tenant), `/v1/staff/${fx.staffId}/targets`) },
  },

  // ── pipeline and dashboards ──
  'GET /v1/pipeline/{staffId}': {
    variant: 'the case’s staff member (in: a report or oneself; out: someone else’s report; other-tenant: ao-1, only in acme)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  404'),
    },
    fixture: noFx,
    request: (_fx, s) => get(`/v1/pipeline/${s.staffTarget}`),
  },
  'GET /v1/tasks': {
    variant: '?staffId= the case’s staff member (in: a report or oneself; out: someone else’s report; other-tenant: ao-1, only in acme) and a fixed day',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  404  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  403  404'),
    },
    fixture: noFx,
    request: (_fx, s) => get(`/v1/tasks?staffId=${s.staffTarget}&date=2026-12-01`),
  },
  'GET /v1/alerts': {
    variant: 'a fresh alert about the case’s staff member; in-scope asks ?staffId= them, out-of-scope and other-tenant list everything the caller sees (the alert must not be in it)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  403  403  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  403  403  200'),
    },
    fixture: alertFx,
    request: (_fx, s) => get(`/v1/alerts?limit=100${s.kase === 'in-scope' ? `&staffId=${s.staffTarget}` : ''}`),
    list: {
      items: (body) => body.alerts.map((a: { id: string }) => a.id),
      target: (fx) => fx.alertId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   -   -   y'),
        'out-of-scope': /*   */ sees('-   y   n   n   n  n   -   -   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   -   -   n'),
      },
    },
  },
  'GET /v1/alerts/{id}': {
    variant: 'a fresh alert about the case’s staff member (other-tenant: about ao-1, in acme)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  404'),
    },
    fixture: alertFx,
    request: (fx) => get(`/v1/alerts/${fx.alertId}`),
  },
  'POST /v1/alerts/{id}/acknowledge': {
    variant: 'a fresh open alert about the case’s staff member per row; body {note}',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  403'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  403'),
    },
    fixture: alertFx,
    request: (fx) => ({ method: 'POST', path: `/v1/alerts/${fx.alertId}/acknowledge`, body: { note: 'matrix' } }),
    mutates: { state: alertState },
  },
  'POST /v1/alerts/{id}/resolve': {
    variant: 'a fresh open alert about the case’s staff member per row (a report of the manager; sellers may not resolve)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  404  404  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  404  403  403  403  403  403'),
    },
    fixture: alertFx,
    request: (fx) => ({ method: 'POST', path: `/v1/alerts/${fx.alertId}/resolve`, body: {} }),
    mutates: { state: alertState },
  },
  'GET /v1/gap-analysis/{staffId}': {
    variant: 'the case’s staff member (in: a report or oneself; out: someone else’s report; other-tenant: ao-1, only in acme)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  404'),
    },
    fixture: noFx,
    request: (_fx, s) => get(`/v1/gap-analysis/${s.staffTarget}`),
  },
  'GET /v1/dashboards/staff/{staffId}': {
    variant: 'the case’s staff member, with explain=1 (in: a report or oneself; out: someone else’s report; other-tenant: ao-1, only in acme); no explained fact may be a hidden deal',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  404'),
    },
    fixture: sharedFx,
    request: (_fx, s) => get(`/v1/dashboards/staff/${s.staffTarget}?period=week&explain=1`),
    hides: { 'in-scope': ['manager', 'asst_manager', 'sales_officer', 'tse'] },
  },
  'GET /v1/dashboards/manager/{staffId}': {
    variant:
      'a manager in (admin, manager, analyst: manager; am-1: itself; sellers: themselves, not managers → 422) or out (admin, analyst: m-2; manager: m-2; ' +
      'others: manager) of the role’s scope; other-tenant: ao-1, only in acme. sees = m-2’s report tse-9 in the team',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  422  422  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  404'),
    },
    fixture: noFx,
    request: (_fx, s) => get(`/v1/dashboards/manager/${managerTarget(s)}?period=week`),
    list: {
      items: (body) => body.team.map((t: { staffId: string }) => t.staffId),
      target: () => 'tse-9',
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   n   n   n   -  -   -   -   n'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   -   -   y'),
        'other-tenant': /*   */ sees('-   -   -   -   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/dashboards/events': {
    variant:
      'in-scope: no staffId (everyone the caller sees); out-of-scope: staffId = someone else’s report; other-tenant: staffId = ao-1, only in acme. ' +
      'sees = that someone else’s report among the staff counted',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  403  403  200'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  403  403  404'),
    },
    fixture: noFx,
    request: (_fx, s) => get(`/v1/dashboards/events?period=week${s.kase === 'in-scope' ? '' : `&staffId=${s.staffTarget}`}`),
    list: {
      items: (body) => body.staff.map((t: { staffId: string }) => t.staffId),
      target: (_fx, s) => staffOut[s.role],
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   n   n   n  n   -   -   y'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   -   -   y'),
        'other-tenant': /*   */ sees('-   -   -   -   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/dashboards/tenant': {
    variant: 'the same request in every case: only tenant-wide roles; sees = demo’s own figures (acme’s won deal of ₹61,000 never in demo’s revenue)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  200'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  200'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  200'),
    },
    fixture: noFx,
    request: () => get('/v1/dashboards/tenant?period=week'),
    list: {
      items: (body) => body.productMix.products.map((p: { productId: string }) => p.productId),
      target: () => ACME_ONLY_PRODUCT,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   n   -   -   -  -   -   -   n'),
        'out-of-scope': /*   */ sees('-   n   -   -   -  -   -   -   n'),
        'other-tenant': /*   */ sees('-   n   -   -   -  -   -   -   n'),
      },
    },
  },

  // ── imports and exports (#12) ──
  'POST /v1/imports': {
    variant: 'no object: the same request in every case (a 10-byte CSV of clients, a fresh fileName); a refused one creates no import',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  201  201  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 201  201  201  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 201  201  201  403  403  403  403  403'),
    },
    fixture: async (s) => ({ tenant: 'demo', name: `matrix-${next()}-${s.role}.csv` }),
    request: (fx) => ({ method: 'POST', path: '/v1/imports', body: { entity: 'clients', format: 'csv', size: 10, fileName: fx.name } }),
    mutates: { state: (fx) => jobsNamed('demo', 'imports', fx.name!) },
  },
  'GET /v1/imports': {
    variant: 'a fresh import by the role (in), by m-2 (out) or by acme’s manager (other-tenant); sees = it is listed',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  200  200  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  200  200  403  403  403  403  403'),
    },
    fixture: importFx,
    request: () => get('/v1/imports?limit=100'),
    list: {
      items: (body) => body.items.map((i: { id: string }) => i.id),
      target: (fx) => fx.importId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   -  -   -   -   -'),
        'out-of-scope': /*   */ sees('-   y   n   n   -  -   -   -   -'),
        'other-tenant': /*   */ sees('-   n   n   n   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/imports/{id}': {
    variant: 'a fresh import by the role (in), by m-2 (out) or by acme’s manager (other-tenant)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  404  404  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  404  403  403  403  403  403'),
    },
    fixture: importFx,
    request: (fx) => get(`/v1/imports/${fx.importId}`),
  },
  'POST /v1/imports/{id}/start': {
    variant: 'a fresh import with no file uploaded: whoever may start it is told 409 upload_missing; it stays awaiting_upload',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 409  409  409  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 409  404  404  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  404  403  403  403  403  403'),
    },
    fixture: importFx,
    request: (fx) => ({ method: 'POST', path: `/v1/imports/${fx.importId}/start` }),
    mutates: { state: (fx) => snap(adminOf(fx.tenant), `/v1/imports/${fx.importId}`) },
  },
  'POST /v1/exports': {
    variant: 'no object: the same request in every case (clients as CSV, a fresh city filter); a refused one creates no export',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 202  202  202  403  403  403  403  202'),
      'out-of-scope': /*     */ st('403 202  202  202  403  403  403  403  202'),
      'other-tenant': /*     */ st('403 202  202  202  403  403  403  403  202'),
    },
    fixture: async (s) => ({ tenant: 'demo', name: `matrix-${next()}-${s.role}` }),
    request: (fx) => ({ method: 'POST', path: '/v1/exports', body: { entity: 'clients', format: 'csv', filter: { city: fx.name } } }),
    mutates: { state: (fx) => jobsNamed('demo', 'exports', fx.name!) },
  },
  'GET /v1/exports': {
    variant: 'a fresh export by the role (in), by m-2 (out) or by acme’s manager (other-tenant); sees = it is listed',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  403  403  403  403  200'),
      'out-of-scope': /*     */ st('403 200  200  200  403  403  403  403  200'),
      'other-tenant': /*     */ st('403 200  200  200  403  403  403  403  200'),
    },
    fixture: exportFx,
    request: () => get('/v1/exports?limit=100'),
    list: {
      items: (body) => body.items.map((i: { id: string }) => i.id),
      target: (fx) => fx.exportId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   -  -   -   -   y'),
        'out-of-scope': /*   */ sees('-   y   n   n   -  -   -   -   n'),
        'other-tenant': /*   */ sees('-   n   n   n   -  -   -   -   n'),
      },
    },
  },
  'GET /v1/exports/{id}': {
    variant: 'a fresh export by the role (in), by m-2 (out) or by acme’s manager (other-tenant)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  403  403  403  403  200'),
      'out-of-scope': /*     */ st('403 200  404  404  403  403  403  403  404'),
      'other-tenant': /*     */ st('403 404  404  404  403  403  403  403  404'),
    },
    fixture: exportFx,
    request: (fx) => get(`/v1/exports/${fx.exportId}`),
  },

  // ── messages (#14) ──
  'POST /v1/clients/{id}/messages': {
    variant: 'a fresh opportunity per row; an email about it to matrix@example.com (the outbox); a refused one leaves the thread as it was',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  201  201  201  201  201  201  403'),
      'out-of-scope': /*     */ st('403 201  404  404  404  404  404  404  403'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  404  403'),
    },
    fixture: opportunityFx,
    request: (fx) => ({ method: 'POST', path: `/v1/clients/${fx.clientId}/messages`, body: { channel: 'email', opportunityId: fx.opportunityId, to: 'matrix@example.com', subject: 'Matrix', text: 'Hello from the matrix' } }),
    mutates: { state: (fx) => snap(adminOf(fx.tenant), `/v1/clients/${fx.clientId}/messages`) },
  },
  'GET /v1/clients/{id}/messages': {
    variant: 'the case’s client (shared); its thread as the caller may see it',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('404 200  404  404  404  404  404  404  200'),
      'other-tenant': all(404),
    },
    fixture: sharedFx,
    request: (fx) => get(`/v1/clients/${fx.clientId}/messages`),
  },
  'POST /v1/clients/{id}/attachments': {
    variant: 'a fresh opportunity per row (its client is the case’s); body {filename: matrix.pdf, contentType: application/pdf, size: 1000}: an upload URL, nothing stored',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  201  201  201  201  201  201  403'),
      'out-of-scope': /*     */ st('403 201  404  404  404  404  404  404  403'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  404  403'),
    },
    fixture: opportunityFx,
    request: (fx) => ({ method: 'POST', path: `/v1/clients/${fx.clientId}/attachments`, body: { filename: 'matrix.pdf', contentType: 'application/pdf', size: 1000 } }),
    mutates: { state: (fx) => snap(adminOf(fx.tenant), `/v1/clients/${fx.clientId}/messages`) },
  },
  'GET /v1/clients/{id}/messages/{messageId}/attachments/{n}': {
    variant:
      'the case’s client (shared per link) with an email about its deal carrying one attachment; the first one’s download URL. A warrior or partner must not be shown ' +
      'the message or key of the attachment on the client’s deal never handed to them',
    hides: { 'in-scope': ['warrior', 'partner'] },
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('404 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('404 200  404  404  404  404  404  404  200'),
      'other-tenant': all(404),
    },
    fixture: attachmentFx,
    request: (fx) => get(`/v1/clients/${fx.clientId}/messages/${fx.messageId}/attachments/0`),
  },
  'GET /v1/clients/{id}/timeline': {
    variant:
      'the case’s client (shared); sees = its event is in the timeline. A seller’s, manager’s, warrior’s or partner’s timeline must not show ' +
      'the client’s other lead never handed to them, nor the peer lead (its events, its demo feedback)',
    hides: { 'in-scope': ['manager', 'asst_manager', 'sales_officer', 'tse', 'warrior', 'partner'] },
    expect: readAnyLinked,
    fixture: sharedFx,
    request: (fx) => get(`/v1/clients/${fx.clientId}/timeline?limit=100`),
    list: {
      items: (body) => body.items.map((i: { id: string }) => i.id),
      target: (fx) => fx.eventId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   -   -   y'),
        'other-tenant': /*   */ sees('-   -   -   -   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/messages/unread': {
    variant:
      'no object: the caller’s own counts. A fresh client linked as the case says, with an unread count for the caller (about its handed lead, for a warrior or partner; ' +
      'out of scope: a client or lead that is not theirs, or no longer — re-handed away; other-tenant: the same staff id’s count in acme); sees = that client is listed',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: unreadFx,
    request: () => get('/v1/messages/unread'),
    list: {
      items: (body) => body.clients.map((c: { clientId: string }) => c.clientId),
      target: (fx) => fx.clientId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   n   n   n  n   n   n   y'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'POST /v1/clients/{id}/messages/read': {
    variant: 'a fresh client linked as the case says, with an unread count for the caller; a refused request leaves the count as it was',
    expect: readAnyLinked,
    fixture: unreadFx,
    request: (fx) => ({ method: 'POST', path: `/v1/clients/${fx.clientId}/messages/read` }),
    mutates: { state: unreadState },
  },

  // ── the unassigned inbox (#14): tenant admins and managers; another tenant's mail does not exist ──
  'GET /v1/inbox': {
    variant: 'the same request in every case; sees = the case’s tenant’s waiting mail is listed (acme’s never is)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  200  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  200  403  403  403  403  403  403'),
    },
    fixture: sharedInboxFx,
    request: () => get('/v1/inbox?limit=100'),
    list: {
      items: (body) => body.items.map((m: { id: string }) => m.id),
      target: (fx) => fx.inboxId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   -   -  -   -   -   -'),
        'out-of-scope': /*   */ sees('-   y   y   -   -  -   -   -   -'),
        'other-tenant': /*   */ sees('-   n   n   -   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/inbox/{id}': {
    variant: 'the case’s tenant’s waiting mail (shared)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  200  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  403  403  403  403  403  403'),
    },
    fixture: sharedInboxFx,
    request: (fx) => get(`/v1/inbox/${fx.inboxId}`),
  },
  'POST /v1/inbox/{id}/attach': {
    variant: 'a fresh waiting mail attached to the case’s client; a refused attach leaves the mail in the inbox and the thread as they were',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  201  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 201  404  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  404  403  403  403  403  403  403'),
    },
    fixture: inboxAttachFx,
    request: (fx) => ({ method: 'POST', path: `/v1/inbox/${fx.inboxId}/attach`, body: { clientId: fx.clientId } }),
    mutates: {
      state: async (fx) => {
        const [mail, thread] = await Promise.all([snap(adminOf(fx.tenant), `/v1/inbox/${fx.inboxId}`), snap(adminOf(fx.tenant), `/v1/clients/${fx.clientId}/messages`)]);
        return { status: mail.status, etag: mail.etag, body: { mail: mail.body, thread: thread.body } };
      },
    },
  },

  // ── integrations (#13): the tenant admin's alone; other tenants' connections do not exist ──
  'GET /v1/config/assignment': {
    variant: 'the same request in every case: the tenant’s lead assignment rules (config:read)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => get('/v1/config/assignment'),
  },
  'PUT /v1/config/assignment': {
    variant: 'the same request in every case: tse-1 as the default owner, If-Match demo’s version; acme’s rules must never change',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  403'),
    },
    fixture: noFx,
    request: (_fx, _s, before) => ({ method: 'PUT', path: '/v1/config/assignment', body: { rules: [{ strategy: 'round_robin', staff: ['tse-1', 'tse-2'] }], defaultOwner: 'tse-1' }, headers: ifMatch(before) }),
    mutates: { state: () => snap(adminOf('demo'), '/v1/config/assignment'), foreign: () => snap(adminOf('acme'), '/v1/config/assignment') },
  },
  'POST /v1/integrations': {
    variant: 'no object: the same request in every case (a generic connection with a fresh name); a refused one creates none',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 201  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 201  403  403  403  403  403  403  403'),
    },
    fixture: async (s) => ({ tenant: 'demo', name: `matrix-${next()}-${s.role}` }),
    request: (fx) => ({ method: 'POST', path: '/v1/integrations', body: { provider: 'generic', name: fx.name } }),
    mutates: { state: (fx) => connectionsNamed('demo', fx.name!) },
  },
  'GET /v1/integrations': {
    variant: 'a fresh connection of demo (in, out) or of acme (other-tenant); sees = it is listed',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  403'),
    },
    fixture: (s) => connectionFx(s),
    request: () => get('/v1/integrations?limit=100'),
    list: {
      items: (body) => body.items.map((c: { id: string }) => c.id),
      target: (fx) => fx.connectionId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   -   -   -  -   -   -   -'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   -   -   -'),
        'other-tenant': /*   */ sees('-   n   -   -   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/integrations/{id}': {
    variant: 'a fresh connection of demo (in, out) or of acme (other-tenant)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => connectionFx(s),
    request: (fx) => get(`/v1/integrations/${fx.connectionId}`),
  },
  'PATCH /v1/integrations/{id}': {
    variant: 'a fresh connection renamed, If-Match its version',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => connectionFx(s),
    request: (fx, _s, before) => ({ method: 'PATCH', path: `/v1/integrations/${fx.connectionId}`, body: { name: 'renamed by the matrix' }, headers: ifMatch(before) }),
    mutates: { state: connectionState },
  },
  'DELETE /v1/integrations/{id}': {
    variant: 'a fresh connection deleted',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 204  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 204  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => connectionFx(s),
    request: (fx) => ({ method: 'DELETE', path: `/v1/integrations/${fx.connectionId}` }),
    mutates: { state: connectionState },
  },
  'POST /v1/integrations/{id}/rotate-secret': {
    variant: 'a fresh connection’s signing secret rotated',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => connectionFx(s),
    request: (fx) => ({ method: 'POST', path: `/v1/integrations/${fx.connectionId}/rotate-secret` }),
    mutates: { state: connectionState },
  },
  'POST /v1/integrations/{id}/reconcile': {
    variant: 'a fresh generic connection: the admin is told 409 not_reconcilable (only QuickBooks and Zoho Books are polled); nothing changes',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 409  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 409  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => connectionFx(s),
    request: (fx) => ({ method: 'POST', path: `/v1/integrations/${fx.connectionId}/reconcile` }),
    mutates: { state: connectionState },
  },
  'GET /v1/integrations/{id}/deliveries': {
    variant: 'a fresh connection with one processed delivery; sees = the delivery is listed',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => deliveryFx(s),
    request: (fx) => get(`/v1/integrations/${fx.connectionId}/deliveries`),
    list: {
      items: (body) => body.items.map((d: { id: string }) => d.id),
      target: (fx) => fx.deliveryId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   -   -   -  -   -   -   -'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   -   -   -'),
        'other-tenant': /*   */ sees('-   -   -   -   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/integrations/{id}/deliveries/{deliveryId}': {
    variant: 'a fresh connection’s processed delivery',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => deliveryFx(s),
    request: (fx) => get(`/v1/integrations/${fx.connectionId}/deliveries/${fx.deliveryId}`),
  },
  'GET /v1/integrations/{id}/deliveries/{deliveryId}/payload': {
    variant: 'a fresh connection’s processed delivery: its raw payload',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => deliveryFx(s),
    request: (fx) => get(`/v1/integrations/${fx.connectionId}/deliveries/${fx.deliveryId}/payload`),
  },
  'POST /v1/integrations/{id}/deliveries/{deliveryId}/replay': {
    variant: 'a fresh connection’s failed delivery (a signed body of garbage) replayed: queued again',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 202  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 202  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => deliveryFx(s, true),
    request: (fx) => ({ method: 'POST', path: `/v1/integrations/${fx.connectionId}/deliveries/${fx.deliveryId}/replay` }),
    mutates: { state: deliveryState },
  },
  // ── outbound webhooks (#15): the tenant admin's alone; other tenants' webhooks do not exist ──
  'POST /v1/webhooks': {
    variant: 'no object: the same request in every case (a webhook with a fresh description); a refused one creates none',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 201  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 201  403  403  403  403  403  403  403'),
    },
    fixture: async (s) => ({ tenant: 'demo', name: `matrix-${next()}-${s.role}` }),
    request: (fx) => ({ method: 'POST', path: '/v1/webhooks', body: { url: 'https://hooks.example.com/matrix', events: ['message.status_changed'], description: fx.name } }),
    mutates: { state: (fx) => webhooksNamed('demo', fx.name!) },
  },
  'GET /v1/webhooks': {
    variant: 'a fresh webhook of demo (in, out) or of acme (other-tenant); sees = it is listed',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 200  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookFx(s),
    request: () => get('/v1/webhooks?limit=100'),
    list: {
      items: (body) => body.items.map((w: { id: string }) => w.id),
      target: (fx) => fx.webhookId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   -   -   -  -   -   -   -'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   -   -   -'),
        'other-tenant': /*   */ sees('-   n   -   -   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/webhooks/{id}': {
    variant: 'a fresh webhook of demo (in, out) or of acme (other-tenant); never its secret',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookFx(s),
    request: (fx) => get(`/v1/webhooks/${fx.webhookId}`),
  },
  'PATCH /v1/webhooks/{id}': {
    variant: 'a fresh webhook described anew, If-Match its version',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookFx(s),
    request: (fx, _s, before) => ({ method: 'PATCH', path: `/v1/webhooks/${fx.webhookId}`, body: { description: 'changed by the matrix' }, headers: ifMatch(before) }),
    mutates: { state: webhookState },
  },
  'DELETE /v1/webhooks/{id}': {
    variant: 'a fresh webhook deleted',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 204  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 204  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookFx(s),
    request: (fx) => ({ method: 'DELETE', path: `/v1/webhooks/${fx.webhookId}` }),
    mutates: { state: webhookState },
  },
  'POST /v1/webhooks/{id}/rotate-secret': {
    variant: 'a fresh webhook’s signing secret rotated',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookFx(s),
    request: (fx) => ({ method: 'POST', path: `/v1/webhooks/${fx.webhookId}/rotate-secret` }),
    mutates: { state: webhookState },
  },
  'POST /v1/webhooks/{id}/ping': {
    variant: 'a fresh webhook pinged: a delivery queued; a refused ping makes none',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 202  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 202  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookFx(s),
    request: (fx) => ({ method: 'POST', path: `/v1/webhooks/${fx.webhookId}/ping` }),
    mutates: { state: webhookDeliveriesState },
  },
  'POST /v1/webhooks/{id}/redeliver': {
    variant: 'a fresh webhook’s failures of the last hour (its one failed delivery) redelivered',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 202  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 202  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookDeliveryFx(s),
    request: (fx) => ({ method: 'POST', path: `/v1/webhooks/${fx.webhookId}/redeliver`, body: { since: new Date(Date.now() - 3_600_000).toISOString() } }),
    mutates: { state: webhookDeliveriesState },
  },
  'GET /v1/webhooks/{id}/deliveries': {
    variant: 'a fresh webhook with one delivery; sees = the delivery is listed',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookDeliveryFx(s),
    request: (fx) => get(`/v1/webhooks/${fx.webhookId}/deliveries`),
    list: {
      items: (body) => body.items.map((d: { id: string }) => d.id),
      target: (fx) => fx.webhookDeliveryId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   -   -   -  -   -   -   -'),
        'out-of-scope': /*   */ sees('-   y   -   -   -  -   -   -   -'),
        'other-tenant': /*   */ sees('-   -   -   -   -  -   -   -   -'),
      },
    },
  },
  'GET /v1/webhooks/{id}/deliveries/{deliveryId}': {
    variant: 'a fresh webhook’s failed delivery',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 200  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookDeliveryFx(s),
    request: (fx) => get(`/v1/webhooks/${fx.webhookId}/deliveries/${fx.webhookDeliveryId}`),
  },
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': {
    variant: 'a fresh webhook’s failed delivery redelivered: pending again, queued',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 202  403  403  403  403  403  403  403'),
      'out-of-scope': /*     */ st('403 202  403  403  403  403  403  403  403'),
      'other-tenant': /*     */ st('403 404  403  403  403  403  403  403  403'),
    },
    fixture: (s) => webhookDeliveryFx(s),
    request: (fx) => ({ method: 'POST', path: `/v1/webhooks/${fx.webhookId}/deliveries/${fx.webhookDeliveryId}/redeliver` }),
    mutates: { state: webhookDeliveryState },
  },
  // ── reports (#16): every role with tenant data may run them, over its own scope; the body check GETs every deal a run names ──
  'GET /v1/reports': {
    variant: 'the same request in every case: the catalogue is the same for every tenant',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => get('/v1/reports'),
  },
  'GET /v1/reports/{id}': {
    variant: 'the same prebuilt report in every case',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => get('/v1/reports/pipeline-by-stage'),
  },
  'POST /v1/reports/{id}/run': {
    variant: 'the same request in every case: the open pipeline grouped by opportunity, so every deal in the rows must be one the caller can GET (the tenant, a subtree, own, handed)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => ({ method: 'POST', path: '/v1/reports/pipeline-by-stage/run', body: { groupBy: ['opportunityId'] } }),
  },
  'POST /v1/reports/custom/run': {
    variant: 'the same request in every case: every opportunity (any status) by id, so every deal in the rows must be one the caller can GET',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: noFx,
    request: () => ({ method: 'POST', path: '/v1/reports/custom/run', body: { source: 'opportunities', dimensions: ['opportunityId'], measures: ['count', 'sum:dealValue'], limit: 10_000 } }),
  },
  'POST /v1/reports/saved': {
    variant: 'no object: the same request in every case (a saved custom report with a fresh name, in the caller’s own tenant); a refused one saves none',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 201  201  201  201  201  201  201  201'),
      'out-of-scope': /*     */ st('403 201  201  201  201  201  201  201  201'),
      'other-tenant': /*     */ st('403 201  201  201  201  201  201  201  201'),
    },
    fixture: async (s) => ({ tenant: 'demo', name: `matrix-${next()}-${s.role}` }),
    request: (fx) => ({ method: 'POST', path: '/v1/reports/saved', body: { name: fx.name, spec: SAVED_SPEC } }),
    mutates: { state: (fx) => savedReportsNamed('demo', fx.name!) },
  },
  'GET /v1/reports/saved': {
    variant: 'the caller’s own private report (in), tse-9’s private one (out), acme’s shared one (other-tenant); sees = it is listed',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  200  200  200  200  200  200  200'),
      'other-tenant': /*     */ st('403 200  200  200  200  200  200  200  200'),
    },
    fixture: (s) => savedReportFx(s),
    request: () => get('/v1/reports/saved?limit=100'),
    list: {
      items: (body) => body.items.map((r: { id: string }) => r.id),
      target: (fx) => fx.savedReportId!,
      sees: {
        //                        plat adm mgr asm so tse war par ana
        'in-scope': /*       */ sees('-   y   y   y   y  y   y   y   y'),
        'out-of-scope': /*   */ sees('-   y   n   n   n  n   n   n   n'),
        'other-tenant': /*   */ sees('-   n   n   n   n  n   n   n   n'),
      },
    },
  },
  'GET /v1/reports/saved/{savedId}': {
    variant: 'the caller’s own private report (in), tse-9’s private one (out: tenant admins see every one), acme’s shared one (other-tenant)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  404  404  404'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  404  404'),
    },
    fixture: (s) => savedReportFx(s),
    request: (fx) => get(`/v1/reports/saved/${fx.savedReportId}`),
  },
  'PATCH /v1/reports/saved/{savedId}': {
    variant: 'renamed over its version: the caller’s own (in), tse-9’s private one (out), acme’s shared one (other-tenant)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  404  404  404'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  404  404'),
    },
    fixture: (s) => savedReportFx(s),
    request: (fx) => ({ method: 'PATCH', path: `/v1/reports/saved/${fx.savedReportId}`, body: { name: `${fx.name} renamed` }, headers: { 'if-match': '"1"' } }),
    mutates: { state: savedReportState },
  },
  'DELETE /v1/reports/saved/{savedId}': {
    variant: 'deleted: the caller’s own (in), tse-9’s private one (out), acme’s shared one (other-tenant)',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 204  204  204  204  204  204  204  204'),
      'out-of-scope': /*     */ st('403 204  404  404  404  404  404  404  404'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  404  404'),
    },
    fixture: (s) => savedReportFx(s),
    request: (fx) => ({ method: 'DELETE', path: `/v1/reports/saved/${fx.savedReportId}` }),
    mutates: { state: savedReportState },
  },
  'POST /v1/reports/saved/{savedId}/run': {
    variant: 'every opportunity by id, run over the runner’s own scope: the caller’s own (in), tse-9’s private one (out), acme’s shared one (other-tenant); every deal in the rows must be one the caller can GET',
    expect: {
      //                          plat adm  mgr  asm  so   tse  war  par  ana
      'in-scope': /*         */ st('403 200  200  200  200  200  200  200  200'),
      'out-of-scope': /*     */ st('403 200  404  404  404  404  404  404  404'),
      'other-tenant': /*     */ st('403 404  404  404  404  404  404  404  404'),
    },
    fixture: (s) => savedReportFx(s),
    request: (fx) => ({ method: 'POST', path: `/v1/reports/saved/${fx.savedReportId}/run` }),
  },
  'POST /hooks/{tenantId}/{connectionId}': {
    variant: 'public: a signed delivery to a fresh connection of the case’s tenant, whoever’s token comes with it (the signature is the credential; test/hook-matrix.int.test.ts attacks it)',
    public: true,
    publicStatus: 202,
    expect: { 'in-scope': all(202), 'out-of-scope': all(202), 'other-tenant': all(202) },
    fixture: (s) => connectionFx(s),
    request: (fx) => signedDelivery(fx, JSON.stringify({ type: 'customer.upserted', externalId: `H-${next()}`, data: { companyName: 'Matrix hook', mobile: nextMobile(), updatedAt: '2026-11-30T10:00:00Z' } })),
  },
  'GET /hooks/{tenantId}/{connectionId}': {
    variant: 'public: Meta’s handshake on a fresh Lead Ads connection with the right verify token',
    public: true,
    expect: { 'in-scope': all(200), 'out-of-scope': all(200), 'other-tenant': all(200) },
    fixture: (s) => connectionFx(s, 'facebook_lead_ads', { secrets: { appSecret: 'matrix-app', verifyToken: 'matrix-verify', accessToken: 'matrix-token' } }),
    request: (fx) => get(`/hooks/${fx.tenant}/${fx.connectionId}?hub.mode=subscribe&hub.verify_token=matrix-verify&hub.challenge=42`),
  },
  'POST /forms/{formKey}': {
    variant: 'public: a lead from the form’s own origin to a fresh web form of the case’s tenant',
    public: true,
    publicStatus: 202,
    expect: { 'in-scope': all(202), 'out-of-scope': all(202), 'other-tenant': all(202) },
    fixture: (s) => connectionFx(s, 'web_form', { settings: { productId: 'website', allowedOrigins: [FORM_ORIGIN], perIpPerMinute: 600, perFormPerMinute: 10_000 } }),
    request: (fx) => ({ method: 'POST', path: `/forms/${fx.formKey}`, body: JSON.stringify({ ownerName: 'Matrix lead', mobile: nextMobile() }), headers: { 'content-type': 'application/json', origin: FORM_ORIGIN } }),
  },
  'OPTIONS /forms/{formKey}': {
    variant: 'public: the CORS preflight of a fresh web form from its own origin',
    public: true,
    publicStatus: 204,
    expect: { 'in-scope': all(204), 'out-of-scope': all(204), 'other-tenant': all(204) },
    fixture: (s) => connectionFx(s, 'web_form', { settings: { productId: 'website', allowedOrigins: [FORM_ORIGIN] } }),
    request: (fx) => ({ method: 'OPTIONS', path: `/forms/${fx.formKey}`, headers: { origin: FORM_ORIGIN, 'access-control-request-method': 'POST' } }),
  },
};

/** The manager dashboard's target: a manager the role sees (in), one it does not (out), or ao-1 (other tenant). */
function managerTarget(s: Spec): string {
  if (s.kase === 'other-tenant') return ACME_ONLY_STAFF;
  const inScope: Record<Role, string> = {
    platform_admin: 'manager', tenant_admin: 'manager', manager: 'manager', asst_manager: 'am-1', sales_officer: 'so-1', tse: 'tse-1', warrior: 'manager', partner: 'manager', analyst: 'manager',
  };
  const outOfScope: Record<Role, string> = {
    platform_admin: 'm-2', tenant_admin: 'm-2', manager: 'm-2', asst_manager: 'manager', sales_officer: 'manager', tse: 'manager', warrior: 'manager', partner: 'manager', analyst: 'm-2',
  };
  return s.kase === 'in-scope' ? inScope[s.role] : outOfScope[s.role];
}
// ─────────────────────────── the rows ───────────────────────────

interface Row {
  name: string;
  key: string;
  entry: Entry;
  spec: Spec;
  expected: number | readonly number[];
  /** Whose token: a role's principal, or a forged/unprovisioned one. */
  token: () => string;
  fx?: Fx;
}

const mint = (who: Principal) => api.stack().issuer.mint(who);

const manifest = routes.map((r) => ({ key: routeKey(r), public: r.public === true }));
const rows: Row[] = [];
const matrixRows = manifest.map(({ key }) => {
  const entry = matrix[key];
  const own = entry
    ? roles.flatMap((role) =>
        cases.map((kase): Row => {
          const expected = entry.expect[kase][role];
          return { name: `${key} · ${role} · ${kase} → ${expected}`, key, entry, spec: specOf(role, kase), expected, token: () => mint(principals[role]) };
        }),
      )
    : [];
  rows.push(...own);
  return { key, rows: own };
});

/**
 * Forged tokens, on every route, aimed where they would succeed if accepted: tse-1's token with
 * its role edited to tenant_admin (on tse-2's object), with its tenant edited to acme (on acme
 * tse-1's own object), and re-signed by another RSA key under the issuer's kid (role tenant_admin).
 * The signature check must refuse all three: 401, and nothing changes. Public routes ignore tokens: 200.
 */
const forgeries = ['role edited to tenant_admin', 'tenant edited to acme', 're-signed by another key'] as const;
type Forgery = (typeof forgeries)[number];
let otherKey: KeyObject | undefined;
const b64json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function forge(kind: Forgery): string {
  const [header, payload, signature] = mint(principals.tse).split('.') as [string, string, string];
  const claims = b64json(payload);
  switch (kind) {
    case 'role edited to tenant_admin':
      return `${header}.${b64({ ...claims, 'cognito:groups': ['tenant_admin'] })}.${signature}`;
    case 'tenant edited to acme':
      return `${header}.${b64({ ...claims, tenant_id: 'acme', sub: 'acme:tse-1' })}.${signature}`;
    case 're-signed by another key':
      otherKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      return signJwt(b64json(header), { ...claims, 'cognito:groups': ['tenant_admin'] }, otherKey);
  }
}
const forgedRows: Row[] = manifest.flatMap(({ key, public: isPublic }) => {
  const entry = matrix[key];
  if (!entry) return [];
  return forgeries.map((kind): Row => {
    const expected = isPublic ? (entry.publicStatus ?? 200) : 401;
    const spec = kind === 'tenant edited to acme' ? specOf('tse', 'other-tenant') : specOf('tse', 'out-of-scope');
    return { name: `${key} · tse-1 token ${kind} → ${expected}`, key, entry, spec, expected, token: () => forge(kind) };
  });
});

/**
 * A validly signed tenant_admin token of a tenant that was never provisioned, on the routes whose
 * use case reads the tenant's configuration (context.ts tenantConfig → 403 unknown_tenant). Its ids
 * are demo's; demo's objects must not change. Where the visibility lookup runs first the object is
 * simply not found (404); where it runs alongside the configuration read (allInOrder), the
 * configuration's refusal comes first.
 */
const GHOST: Principal = { tenantId: 'ghost', staffId: 'admin', role: 'tenant_admin' };
const ghostExpect: Record<string, number | readonly number[]> = {
  'POST /v1/clients': 403,
  'GET /v1/clients': 403,
  'GET /v1/clients/duplicates': 403,
  'PATCH /v1/clients/{id}': 404,
  'POST /v1/clients/{id}/merge': 404,
  'GET /v1/clients/{id}/profile': 403,
  'POST /v1/clients/{id}/opportunities': 403,
  'PATCH /v1/opportunities/{id}': 403,
  'POST /v1/opportunities/{id}/stage': 403,
  'GET /v1/config/products': 403,
  'PUT /v1/config/products': 403,
  'GET /v1/config/stages': 403,
  'PUT /v1/config/stages': 403,
  'GET /v1/config/dedup': 403,
  'PUT /v1/config/dedup': 403,
  'GET /v1/config/targets': 403,
  'PUT /v1/config/targets': 403,
  'GET /v1/staff/{staffId}/targets': 403,
  'PUT /v1/staff/{staffId}/targets': 403,
  'GET /v1/pipeline/{staffId}': 403,
  'GET /v1/dashboards/staff/{staffId}': 403,
  'GET /v1/dashboards/manager/{staffId}': 403,
  'GET /v1/dashboards/events': 403,
  'GET /v1/dashboards/tenant': 403,
  'GET /v1/gap-analysis/{staffId}': 403,
  'GET /v1/tasks': 403,
  'GET /v1/alerts': 403,
  'GET /v1/alerts/{id}': 403,
  'POST /v1/alerts/{id}/acknowledge': 403,
  'POST /v1/alerts/{id}/resolve': 403,
  'POST /v1/imports': 403,
  'POST /v1/exports': 403,
  'GET /v1/config/assignment': 403,
  'PUT /v1/config/assignment': 403,
  'GET /v1/config/templates': 403,
  'PUT /v1/config/templates': 403,
  'POST /v1/config/templates/preview': 403,
  'POST /v1/integrations': 403,
  'GET /v1/integrations': 403,
  'GET /v1/integrations/{id}': 403,
  'PATCH /v1/integrations/{id}': 403,
  'DELETE /v1/integrations/{id}': 403,
  'POST /v1/integrations/{id}/rotate-secret': 403,
  'POST /v1/integrations/{id}/reconcile': 403,
  'GET /v1/integrations/{id}/deliveries': 403,
  'GET /v1/integrations/{id}/deliveries/{deliveryId}': 403,
  'GET /v1/integrations/{id}/deliveries/{deliveryId}/payload': 403,
  'POST /v1/integrations/{id}/deliveries/{deliveryId}/replay': 403,
  'GET /v1/inbox': 403,
  'GET /v1/inbox/{id}': 403,
  'POST /v1/inbox/{id}/attach': 403,
  'POST /v1/webhooks': 403,
  'GET /v1/webhooks': 403,
  'GET /v1/webhooks/{id}': 403,
  'PATCH /v1/webhooks/{id}': 403,
  'DELETE /v1/webhooks/{id}': 403,
  'POST /v1/webhooks/{id}/rotate-secret': 403,
  'POST /v1/webhooks/{id}/ping': 403,
  'POST /v1/webhooks/{id}/redeliver': 403,
  'GET /v1/webhooks/{id}/deliveries': 403,
  'GET /v1/webhooks/{id}/deliveries/{deliveryId}': 403,
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': 403,
  'POST /v1/reports/{id}/run': 403,
  'POST /v1/reports/custom/run': 403,
  'POST /v1/reports/saved': 403,
  'GET /v1/reports/saved': 403,
  'POST /v1/reports/saved/{savedId}/run': 403,
};
const ghostRows: Row[] = Object.entries(ghostExpect).flatMap(([key, expected]) => {
  const entry = matrix[key];
  if (!entry) return [];
  const shown = typeof expected === 'number' ? expected : expected.join('|');
  return [{ name: `${key} · tenant_admin of unprovisioned tenant ghost → ${shown}`, key, entry, spec: specOf('tenant_admin', 'in-scope'), expected, token: () => mint(GHOST) }];
});

console.log(
  `attack matrix: ${manifest.length} routes × ${roles.length} roles × ${cases.length} cases = ${manifest.length * roles.length * cases.length} cases` +
    ` (+ ${forgedRows.length} forged-token cases: ${forgedRows.length / forgeries.length} routes × ${forgeries.length} forgeries,` +
    ` + ${ghostRows.length} unprovisioned-tenant cases)`,
);

// ─────────────────────────── set-up ───────────────────────────

/** Runs tasks `width` at a time: independent fixtures only (each builds its own objects). */
async function pool(tasks: (() => Promise<void>)[], width: number): Promise<void> {
  let i = 0;
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < tasks.length) {
        const task = tasks[i++]!;
        await task().catch((e: unknown) => errors.push(e));
      }
    }),
  );
  if (errors.length) throw errors[0];
}

beforeAll(async () => {
  // Staff in hierarchy order within a tenant; the two tenants side by side.
  await Promise.all(
    (['demo', 'acme'] as const).map(async (tenant) => {
      const staff = [...extraStaff, ...(tenant === 'acme' ? [{ staffId: ACME_ONLY_STAFF, role: 'tse' as Role, managerId: 'manager' }] : [])];
      for (const s of staff) {
        must(await as(adminOf(tenant)).call('POST', '/v1/staff', { ...s, name: `Matrix ${s.staffId}`, email: `${s.staffId}@${tenant}.matrix.example` }), 201, `staff ${tenant}/${s.staffId}`);
      }
    }),
  );
  // acme's configuration differs from demo's, so a leak of it would show.
  const acmeAdmin = as(adminOf('acme'));
  const products = must(await acmeAdmin.call('GET', '/v1/config/products'), 200, 'acme products');
  must(
    await acmeAdmin.call(
      'PUT',
      '/v1/config/products',
      { products: [...products.body.products, { id: ACME_ONLY_PRODUCT, name: 'Acme only', standardValue: 100, tier: 'sales', active: true }] },
      { 'if-match': products.headers.get('etag')! },
    ),
    200,
    'acme products',
  );
  const stagesRes = must(await acmeAdmin.call('GET', '/v1/config/stages'), 200, 'acme stages');
  const stages = (stagesRes.body.stages as { stage: string; multiplier: number }[]).map((s) => (s.stage === 'Lead' ? { ...s, multiplier: 60 } : s));
  must(await acmeAdmin.call('PUT', '/v1/config/stages', { stages }, { 'if-match': stagesRes.headers.get('etag')! }), 200, 'acme stages');
  // acme blocks look-alikes, demo warns: a leak of acme's rules into demo would show.
  acmeLookalike = await lookalikePair('acme', 'tse-1');
  const dedupRes = must(await acmeAdmin.call('GET', '/v1/config/dedup'), 200, 'acme dedup');
  must(await acmeAdmin.call('PUT', '/v1/config/dedup', { dedup: { fuzzy: 'block' } }, { 'if-match': dedupRes.headers.get('etag')! }), 200, 'acme dedup');
  // Each tenant its own message templates: a leak of acme's into demo would show.
  const note = { channel: 'whatsapp', text: 'Hello {{client.ownerName}}, about {{opportunity.product}}.' };
  must(await as(adminOf('demo')).call('PUT', '/v1/config/templates', { templates: [{ name: 'matrix-note', ...note }] }, { 'if-match': '"0"' }), 200, 'demo templates');
  must(await acmeAdmin.call('PUT', '/v1/config/templates', { templates: [{ name: ACME_ONLY_TEMPLATE, ...note }] }, { 'if-match': '"0"' }), 200, 'acme templates');
  const targets = must(await acmeAdmin.call('GET', '/v1/config/targets'), 200, 'acme targets');
  const roles = targets.body.current.roles;
  must(
    await acmeAdmin.call('PUT', '/v1/config/targets', { roles: { ...roles, tse: { ...roles.tse, activity: { ...roles.tse.activity, calls: 61 } } }, workingDays: targets.body.current.workingDays }, { 'if-match': targets.headers.get('etag')! }),
    200,
    'acme targets',
  );
  // A won deal of acme's own product: its revenue must never reach demo's tenant dashboard.
  const acmeClient = await createClient('acme', 'tse-1', 'Acme winner');
  const won = must(await as(person('acme', 'tse-1')).call('POST', `/v1/clients/${acmeClient.id}/opportunities`, { productId: ACME_ONLY_PRODUCT, dealValue: 6_100_000 }), 201, 'acme deal');
  must(await as(person('acme', 'tse-1')).call('POST', `/v1/opportunities/${won.body.id}/stage`, { stage: 'Closed', outcome: 'Won' }), 200, 'acme win');

  await pool(
    [...rows, ...forgedRows, ...ghostRows].map((row) => async () => {
      row.fx = await row.entry.fixture(row.spec);
    }),
    6,
  );
  // Every fixture's facts loaded before the dashboards are read.
  await api.stack().pipeline!.poller.caughtUp();
  await api.stack().pipeline!.bus.idle();
}, 240_000);

// ─────────────────────────── the checks ───────────────────────────

async function run(row: Row): Promise<ApiResponse> {
  const { entry, spec } = row;
  const fx = row.fx;
  if (!fx) throw new Error('fixture missing (see the beforeAll error)');
  const before = entry.mutates ? await entry.mutates.state(fx, spec) : undefined;
  const foreignBefore = entry.mutates?.foreign ? await entry.mutates.foreign(fx, spec) : undefined;
  const req = entry.request(fx, spec, before);
  const res = await api.withToken(row.token()).call(req.method, req.path, req.body, req.headers);

  const allowed = typeof row.expected === 'number' ? [row.expected] : row.expected;
  expect.soft(allowed, `${req.method} ${req.path} answered ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);

  // Nothing changed: whenever the request is (or should have been) refused.
  if (entry.mutates && (allowed.every((s) => s >= 400) || res.status >= 400)) {
    expect.soft(await entry.mutates.state(fx, spec), 'a refused request changed its target').toEqual(before);
  }
  if (foreignBefore) {
    expect.soft(await entry.mutates!.foreign!(fx, spec), 'the other tenant’s data changed').toEqual(foreignBefore);
  }
  return res;
}

/**
 * Scope on bodies, not only statuses: every client, opportunity and event an answer names must be
 * one its caller can GET. Answers are memoised per role and id (the token changes, the caller not).
 */
const gettable = new Map<string, Promise<number>>();
const ID = /\b([coe])_[0-9a-hjkmnp-tv-z]{26}(?:[0-9a-hjkmnp-tv-z]{26})?\b/g;
const readPath = { c: '/v1/clients/', o: '/v1/opportunities/', e: '/v1/events/' } as const;
async function expectOnlyGettable(row: Row, body: unknown): Promise<void> {
  const ids = [...new Set(JSON.stringify(body ?? null).match(ID) ?? [])];
  const refused: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const key = `${row.spec.role}|${id}`;
      let status = gettable.get(key);
      if (!status) {
        status = api.withToken(row.token()).call('GET', `${readPath[id[0] as 'c' | 'o' | 'e']}${id}`).then((r) => r.status);
        gettable.set(key, status);
      }
      if ((await status) !== 200) refused.push(`${id} (GET answers ${await status})`);
    }),
  );
  expect.soft(refused.sort(), 'the answer names objects its caller cannot GET').toEqual([]);
}

async function runMatrixRow(row: Row): Promise<void> {
  const res = await run(row);
  if (res.status >= 200 && res.status < 300 && !row.entry.public) await expectOnlyGettable(row, res.body);
  const list = row.entry.list;
  const visible = list?.sees[row.spec.kase][row.spec.role];
  // Lists: whether the case's target is in a 200 answer (a wrong status is reported by `run`).
  const hidden = row.entry.hides?.[row.spec.kase]?.includes(row.spec.role) ? (row.fx?.hiddenIds ?? []) : [];
  if (res.status === 200 && hidden.length > 0) {
    const text = JSON.stringify(res.body);
    const shown = [...hidden.filter((id) => text.includes(id)), ...(text.includes('peer-only') ? ['the peer lead’s feedback'] : []), ...(text.includes('7777700') ? ['the peer lead’s deal value'] : [])];
    expect.soft(shown, 'the answer shows objects never handed to this role').toEqual([]);
  }
  if (!list || visible === undefined || res.status !== 200) return;
  const target = list.target(row.fx!, row.spec);
  const items = list.items(res.body);
  if (visible) expect(items, `the answer should list ${target}`).toContain(target);
  else expect(items, `the answer must not list ${target}`).not.toContain(target);
}

describe('attack matrix', () => {
  it('has an entry for every route of the manifest, and no entry for a route that is gone', () => {
    const keys = manifest.map((m) => m.key);
    expect(keys.filter((k) => !matrix[k]), 'routes without a matrix entry').toEqual([]);
    expect(Object.keys(matrix).filter((k) => !keys.includes(k)), 'entries without a route').toEqual([]);
    expect(manifest.filter((m) => m.public !== (matrix[m.key]?.public === true)).map((m) => m.key), 'public routes must be marked public in the matrix, and only they').toEqual([]);
    expect(manifest.find((m) => m.key === 'GET /health')?.public).toBe(true);
  });

  it('says, for every list answering 200, whether the target is listed (and only there)', () => {
    const bad = Object.entries(matrix).flatMap(([key, e]) =>
      e.list ? cases.flatMap((c) => roles.filter((r) => (e.expect[c][r] === 200) !== (e.list!.sees[c][r] !== undefined)).map((r) => `${key} ${r} ${c}`)) : [],
    );
    expect(bad).toEqual([]);
  });

  describe.each(matrixRows.map((m) => [m.key, m] as const))('%s', (key, { rows: routeRows }) => {
    if (routeRows.length === 0) {
      it(`${key} has no attack-matrix entry: add one to test/attack-matrix.int.test.ts`, () => {
        expect.fail(`route ${key} is in functions/http/routes.ts but not in the attack matrix`);
      });
      return;
    }
    it.each(routeRows.map((r) => [r.name, r] as const))('%s', (_name, row) => runMatrixRow(row));
  });
});

describe('forged tokens', () => {
  it.each(forgedRows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await run(row);
  });
});

describe('a tenant that was never provisioned', () => {
  it.each(ghostRows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await run(row);
  });
});
