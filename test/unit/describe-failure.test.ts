import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/output/elasticsearch/elasticsearch-output.js';

describe('describeFailure', () => {
  it('marks a connection that could not be made as unreachable, and nothing else', () => {
    const refused = describeFailure(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'));
    expect(refused).toEqual({ kind: 'unavailable', message: 'cannot reach Elasticsearch (connect ECONNREFUSED 127.0.0.1:9200)', unreachable: true });
    expect(describeFailure(new errors.ConnectionError('getaddrinfo ENOTFOUND es.invalid')).unreachable).toBe(true);
    // A reset or a timeout may come from a cluster that is up and overloaded: its backoff must stand.
    expect(describeFailure(new errors.ConnectionError('socket hang up')).unreachable).toBeUndefined();
    expect(describeFailure(new errors.TimeoutError('Request timed out')).unreachable).toBeUndefined();
  });
});
