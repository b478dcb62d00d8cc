import type { TargetPoll } from '../src/haproxy/source.js';
import { parseTarget } from '../src/haproxy/target.js';

/**
 * A poll of one current worker (`@1`), as the source hands it to the transform, made from recorded `show info`
 * and `show stat` answers taken at `at` (epoch ms). For benches and tests that run the agent's own transform
 * on real HAProxy output without a live HAProxy.
 */
export function recordedPoll(address: string, at: number, answers: { info: string; stat: string }): TargetPoll {
  return {
    target: parseTarget(address),
    startedAt: at,
    durationNs: 1,
    skipped: [],
    samples: [
      {
        ref: { prefix: '@1', section: 'workers' },
        sampledAt: at,
        info: { text: answers.info, durationNs: 1 },
        stat: { text: answers.stat, durationNs: 1 },
        errors: [],
      },
    ],
  };
}
