import { httpRoute } from '../lib/http/route';

export const handler = httpRoute({ public: true }, () => ({ body: { status: 'ok' } }));
