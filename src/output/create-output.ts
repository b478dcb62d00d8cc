import type { HapbeatConfig } from '../config/load.js';
import { ConfigError } from '../config/load.js';
import { ConsoleOutput } from './console.js';
import { FileOutput } from './file.js';
import type { Output } from './output.js';

/** The output the configuration asks for. `auto` is the file output until Elasticsearch hosts are configured. */
export function createOutput(config: HapbeatConfig): Output {
  const type = config.output.type;
  switch (type) {
    case 'console':
      return new ConsoleOutput();
    case 'file':
      return new FileOutput(config.output.file);
    case 'elasticsearch':
      throw new ConfigError('the elasticsearch output is not available in this version', 'use output.type: file or console');
    default:
      throw new ConfigError(`unknown output type "${String(type)}"`, 'use auto, file, console or elasticsearch');
  }
}
