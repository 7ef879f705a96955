import { httpRoute } from '../../lib/http/route';
import { getInboxMail } from '../../lib/use-cases/inbound-email';
import { InboxMail, InboxMailIdParams } from './schemas';

/** GET /v1/inbox/{id} */
export const handler = httpRoute(
  {
    summary: 'A mail of the unassigned inbox',
    description: 'The mail as it arrived (HTML sanitised; attachments by their keys in the media bucket); once attached, `status: attached` and where it went, who attached it and when.',
    params: InboxMailIdParams,
    response: { status: 200, schema: InboxMail },
  },
  async ({ ctx, params }) => {
    const mail = await getInboxMail(ctx, params.id);
    return { body: mail, version: mail.version };
  },
);
