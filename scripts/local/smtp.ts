import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { MAX_INBOUND_BYTES } from '../../functions/lib/mail/inbound-mail';

/**
 * Inbound email for the local stack (issue #14, DESIGN §11): an SMTP listener on loopback that
 * stands where SES receiving stands in AWS. Each accepted message's bytes go to `onMessage` — the
 * stack hands them to the same parser the S3-triggered Lambda uses (functions/lib/mail/inbound-mail.ts).
 *
 * It takes mail from anyone who can reach it, so it only ever listens on a loopback address: no
 * AUTH, no STARTTLS (there is nothing to protect on 127.0.0.1, and a self-signed certificate would
 * only make clients fail). A recipient `acceptRecipient` refuses is answered 550 at RCPT time (as
 * SES refuses addresses no receipt rule takes), a message over `maxBytes` 552; when `onMessage`
 * throws an SmtpRefusal the client hears its permanent code, any other error 451 (a temporary
 * failure: a real MTA queues the message and tries again).
 */
export interface LocalSmtpOptions {
  /** 2525 by default; 0 for an ephemeral port (tests). */
  port?: number;
  /** A loopback address: 127.0.0.1 by default. */
  host?: string;
  onMessage: (raw: Buffer, envelope: SmtpEnvelope) => Promise<void>;
  /** Asked for each RCPT TO: false is 550 for that recipient (the others of the message stay). Default: every recipient. */
  acceptRecipient?: (address: string) => Promise<boolean>;
  /** Bytes of one message (advertised as SIZE): the parser's own limit by default. */
  maxBytes?: number;
  /** Where a failed `onMessage` is reported (the client only hears 451). */
  onError?: (error: unknown) => void;
}

export interface SmtpEnvelope {
  /** The MAIL FROM address; `''` for a null reverse-path (a bounce). */
  from: string;
  to: string[];
}

export interface LocalSmtp {
  host: string;
  port: number;
  stop(): Promise<void>;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
const remoteIsLoopback = (address: string) => isLoopback(address) || address.startsWith('::ffff:127.');

/** An error the client is answered with: smtp-server sends `responseCode` and the message. */
const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/** What `onMessage` throws to refuse a message for good (5xx): the sender's MTA bounces it instead of trying again. */
export class SmtpRefusal extends Error {
  override readonly name = 'SmtpRefusal';
  constructor(
    readonly responseCode: 550 | 552 | 554,
    message: string,
  ) {
    super(message);
  }
}

export async function startLocalSmtp(opts: LocalSmtpOptions): Promise<LocalSmtp> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`The local SMTP listener takes mail without authentication, so it listens on loopback only, not on ${host}.`);
  const maxBytes = opts.maxBytes ?? MAX_INBOUND_BYTES;
  const onError = opts.onError ?? ((error: unknown) => console.error('local smtp: onMessage failed', error));

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    size: maxBytes,
    name: 'localhost',
    banner: 'CRM local inbound mail',
    // a loopback peer has nothing to look up
    disableReverseLookup: true,
    logger: false,
    // what a connection from elsewhere could do here is deliver mail into any tenant's threads
    onConnect(session: SMTPServerSession, callback) {
      callback(remoteIsLoopback(session.remoteAddress) ? null : smtpError(554, 'Loopback connections only'));
    },
    onRcptTo(address, _session, callback) {
      const accept = opts.acceptRecipient ?? (async () => true);
      accept(address.address).then(
        (ok) => callback(ok ? undefined : smtpError(550, `5.1.1 <${address.address}>: no such recipient here`)),
        (error: unknown) => {
          onError(error);
          callback(smtpError(451, 'Requested action aborted: local error in processing; try again later'));
        },
      );
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, reply) {
      let answered = false;
      const callback: typeof reply = (error, message) => {
        if (answered) return;
        answered = true;
        reply(error, message);
      };
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        // past the limit the rest is read and dropped: the client still needs its answer after the final dot
        if (!stream.sizeExceeded) chunks.push(chunk);
      });
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(smtpError(552, `Message exceeds the fixed maximum message size of ${maxBytes} bytes`));
        const { mailFrom, rcptTo } = session.envelope;
        const envelope = { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) };
        opts.onMessage(Buffer.concat(chunks), envelope).then(
          () => callback(null, 'Message accepted'),
          (error: unknown) => {
            if (error instanceof SmtpRefusal) return callback(smtpError(error.responseCode, error.message));
            onError(error);
            callback(smtpError(451, 'Requested action aborted: local error in processing; try again later'));
          },
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(opts.port ?? 2525, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // after start, a connection-level error (a client resetting) must not crash the stack
  server.on('error', (error) => onError(error));
  const port = (server.server.address() as AddressInfo).port;
  return {
    host,
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
