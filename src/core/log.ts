/**
 * pino JSON logs on stderr; stdout belongs to human and machine output (tables, reports).
 * Device strings go in values, never in keys (a banner must not be able to forge a field).
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.CAMSWEEP_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { app: 'camsweep' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Credentials never reach a log line, whatever a caller passes by mistake.
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'credentials', '*.credentials'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
