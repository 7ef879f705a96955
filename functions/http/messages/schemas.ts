import { Channel, Message } from '../../../domain/messages/message';
import { PageQuery } from '../../lib/http/params';

export const MessagesQuery = PageQuery.extend({ channel: Channel.optional() });
export { Message };
