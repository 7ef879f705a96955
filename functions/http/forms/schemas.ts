import { z } from 'zod';

/** `{tenant}.{connection}`: the web form connection's formUrl names it. */
export const FormParams = z.strictObject({ formKey: z.string().min(3).max(120).regex(/^[a-z0-9][a-z0-9_-]*\.ic_[0-9a-z]{26}$/, 'is not a form key') });

export const FormReceipt = z.object({ status: z.literal('received') }).meta({ id: 'FormReceipt' });

/**
 * CORS for an allowed origin: the browser may read the answer, never with credentials. The origin
 * is echoed as a browser serialises it (`http://127.1` is allowed as `http://127.0.0.1`, and
 * answered so: a page claiming the odd spelling gets a header that matches nothing it sent).
 */
export const corsHeaders = (origin: string) => ({ 'access-control-allow-origin': new URL(origin).origin, vary: 'Origin' });
