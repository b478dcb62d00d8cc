import { HapbeatError } from '../errors.js';

/** A configuration that cannot be used: the message names the setting (file, flag or variable) and the fix. */
export class ConfigError extends HapbeatError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('HAPBEAT_ERR_CONFIG_INVALID', message, { hint, cause });
  }
}
