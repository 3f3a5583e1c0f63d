// Structured logs (pino). Credentials never reach a log line: the redaction list covers the
// places where a password, a Basic header, a session cookie or a CSRF token could appear.

import { pino, type Logger } from 'pino'

export const REDACT_PATHS = [
  'password',
  '*.password',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
]

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const opts = {
    level,
    base: { service: 'workbins' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
  return destination ? pino(opts, destination) : pino(opts)
}
