/**
 * Every HTTP route, declared once. The CDK api stack makes one Lambda per entry and the local
 * server dispatches to the same handler files, so the two cannot drift.
 * `entry` is relative to the repository root; each module exports `handler`.
 */
export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  entry: string;
  /** Stable CDK construct id for the route's function. */
  name: string;
  public?: boolean;
}

export const routes: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', entry: 'functions/http/health.ts', name: 'Health', public: true },
  { method: 'POST', path: '/v1/clients', entry: 'functions/http/clients/create.ts', name: 'CreateClient' },
  { method: 'GET', path: '/v1/clients/{id}', entry: 'functions/http/clients/get.ts', name: 'GetClient' },
];

export const routeKey = (r: Pick<RouteDefinition, 'method' | 'path'>) => `${r.method} ${r.path}`;
