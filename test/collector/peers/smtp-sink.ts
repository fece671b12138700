/**
 * An SMTP sink for tests: the `smtp-server` package (a full SMTP server implementation) on
 * 127.0.0.1, offering STARTTLS with a test CA's certificate (or refusing it), recording every
 * message it accepts with its envelope and whether the session was encrypted.
 */
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import type { TestPki } from '../../helpers/pki.js';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly secure: boolean;
  /** The message as sent (headers and MIME body), quoted-printable soft breaks and escapes decoded. */
  readonly raw: string;
}

/** Undoes quoted-printable (RFC 2045 §6.7), enough to read a message's text and HTML parts. */
function unQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

export interface SmtpSink {
  readonly received: ReceivedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function smtpSink(port: number, pki: TestPki, options: { offerStartTls?: boolean } = {}): SmtpSink {
  const received: ReceivedMail[] = [];
  let server: SMTPServer | null = null;
  return {
    received,
    async start() {
      server = new SMTPServer({
        secure: false,
        key: readFileSync(pki.serverKey),
        cert: readFileSync(pki.serverCert),
        // Hiding STARTTLS from EHLO is not enough: a client may send it anyway (nodemailer does).
        ...(options.offerStartTls === false ? { disabledCommands: ['STARTTLS'] } : {}),
        authOptional: true,
        disableReverseLookup: true,
        logger: false,
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const mailFrom = session.envelope.mailFrom;
            received.push({
              from: mailFrom ? mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              secure: session.secure,
              raw: unQuotedPrintable(Buffer.concat(chunks).toString('latin1')),
            });
            callback();
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async stop() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
