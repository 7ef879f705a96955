import { textMessage, type TextMessageRequest } from '../../../../domain/messages/whatsapp/outbound';

/** A text message as the send use case builds it (for the adapter's tests). */
export const buildTextMessage = (): TextMessageRequest => textMessage('+919873000001', 'Yes, till Friday.');
