import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LAUNCH_ENV, launchHelp, launchNotice, missingLaunchSettings, NODE_FLAGS } from '../../src/launch-settings.js';

const ENV_TEXT = Object.entries(LAUNCH_ENV).map(([k, v]) => `${k}=${v}`);

describe('launch settings', () => {
  it('are a semi-space cap and a fixed malloc mmap threshold', () => {
    expect(NODE_FLAGS).toEqual(['--max-semi-space-size=2']);
    expect(LAUNCH_ENV).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072' });
  });

  it('are all missing from a plain start, and none when given on the command line or in NODE_OPTIONS', () => {
    expect(missingLaunchSettings([], {})).toEqual([...NODE_FLAGS, ...ENV_TEXT]);
    expect(missingLaunchSettings([...NODE_FLAGS], { ...LAUNCH_ENV })).toEqual([]);
    expect(missingLaunchSettings(['--inspect'], { ...LAUNCH_ENV, NODE_OPTIONS: ` --trace-warnings ${NODE_FLAGS.join(' ')} ` })).toEqual([]);
    // V8 takes underscores too, and another value is the operator's choice.
    expect(missingLaunchSettings(['--max_semi_space_size=16'], { ...LAUNCH_ENV })).toEqual([]);
    expect(missingLaunchSettings([...NODE_FLAGS], { MALLOC_MMAP_THRESHOLD_: '65536' })).toEqual([]);
    expect(missingLaunchSettings(['--max-old-space-size=4'], {})).toEqual([...NODE_FLAGS, ...ENV_TEXT]);
  });

  it('a node started with them, as the launchers start it, finds none missing; a plain one finds both', () => {
    const probe = (args: string[], env: NodeJS.ProcessEnv) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            ...args,
            '--input-type=module',
            '-e',
            `import('${new URL('../../src/launch-settings.ts', import.meta.url).href}').then((m) => console.log(JSON.stringify(m.missingLaunchSettings(process.execArgv, process.env))))`,
          ],
          { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' },
        ),
      ) as string[];
    const tsx = ['--import', 'tsx'];
    expect(probe([...tsx, ...NODE_FLAGS], LAUNCH_ENV)).toEqual([]);
    expect(probe(tsx, {})).toEqual([...NODE_FLAGS, ...ENV_TEXT]);
  });

  it('the notice names what is missing and how to start with it', () => {
    expect(launchNotice([])).toBeUndefined();
    const text = launchNotice(missingLaunchSettings([], {}))!;
    expect(text).toContain(`started without ${NODE_FLAGS[0]} and ${ENV_TEXT[0]}`);
    expect(text).toContain(`${ENV_TEXT[0]} node ${NODE_FLAGS[0]} bin/hapbeat.js run`);
    expect(text).toContain('README, "Memory: the launch settings"');
  });

  it('run --help shows how the launchers start hapbeat', () => {
    expect(launchHelp()).toContain(`\n  ${ENV_TEXT[0]} node ${NODE_FLAGS[0]} bin/hapbeat.js run ...\n`);
  });
});
