import { z } from 'zod';
import { AttachInboxMailInput, InboxMail, inboxMailIdPattern } from '../../../domain/messages/inbox';

export const InboxMailIdParams = z.strictObject({ id: z.string().regex(inboxMailIdPattern, 'is not an inbox mail id') });
export { AttachInboxMailInput, InboxMail };
