'use strict'
// A Credo logger that writes to stderr only (stdout is the protocol stream).

const { BaseLogger, LogLevel } = require('@credo-ts/core')

const LEVELS = {
  test: LogLevel.test,
  trace: LogLevel.trace,
  debug: LogLevel.debug,
  info: LogLevel.info,
  warn: LogLevel.warn,
  error: LogLevel.error,
  fatal: LogLevel.fatal,
  off: LogLevel.off,
}

class StderrLogger extends BaseLogger {
  constructor(levelName, prefix) {
    super(LEVELS[String(levelName || 'error').toLowerCase()] ?? LogLevel.error)
    this.prefix = prefix
  }

  write(level, levelName, message, data) {
    if (!this.isEnabled(level)) return
    let extra = ''
    if (data !== undefined) {
      try {
        extra = ' ' + JSON.stringify(data, (_key, value) => (value instanceof Error ? value.message : value))
      } catch {
        extra = ' [unserialisable data]'
      }
    }
    process.stderr.write(`${new Date().toISOString()} ${this.prefix} ${levelName} ${message}${extra}\n`)
  }

  test(message, data) { this.write(LogLevel.test, 'TEST', message, data) }
  trace(message, data) { this.write(LogLevel.trace, 'TRACE', message, data) }
  debug(message, data) { this.write(LogLevel.debug, 'DEBUG', message, data) }
  info(message, data) { this.write(LogLevel.info, 'INFO', message, data) }
  warn(message, data) { this.write(LogLevel.warn, 'WARN', message, data) }
  error(message, data) { this.write(LogLevel.error, 'ERROR', message, data) }
  fatal(message, data) { this.write(LogLevel.fatal, 'FATAL', message, data) }
}

module.exports = { StderrLogger }
