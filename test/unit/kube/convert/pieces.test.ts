// The small pure helpers: hashes, quantities, $-escaping and probes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { escapeExpansion } from '../../../../kube/convert/containers';
import { canonicalJson, contentHash, shortHash } from '../../../../kube/convert/hash';
import { probesOf } from '../../../../kube/convert/probes';
import { formatBytes, formatMillicores } from '../../../../kube/convert/quantities';

/** Kubernetes' $(VAR) expansion of env values, command and args, as kubelet does it. */
function kubeExpand(input: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 1;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        out += '$(';
        i += 1;
      } else {
        const name = input.slice(i + 2, close);
        out += vars[name] ?? `$(${name})`;
        i = close;
      }
    } else {
      out += `$${next}`;
      i += 1;
    }
  }
  return out;
}

void describe('converter helpers', () => {
  void it('shortHash: SHA-256 as a big-endian number in base 36, first 6 characters', () => {
    const hex = createHash('sha256').update('demo:local:wiki').digest('hex');
    const expected = BigInt(`0x${hex}`).toString(36).slice(0, 6);
    assert.equal(shortHash('demo:local:wiki'), expected);
    assert.match(shortHash('x', 12), /^[0-9a-z]{12}$/);
  });

  void it('contentHash ignores key order; canonicalJson ignores key order and undefined', () => {
    assert.equal(contentHash({ a: '1', b: '2' }), contentHash({ b: '2', a: '1' }));
    assert.notEqual(contentHash({ a: '1', b: '2' }), contentHash({ a: '2', b: '1' }));
    assert.equal(canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } }), '{"a":{"c":[2,1]},"b":1}');
  });

  void it('formats quantities exactly', () => {
    assert.equal(formatBytes(2 ** 30), '1Gi');
    assert.equal(formatBytes(256 * 2 ** 20), '256Mi');
    assert.equal(formatBytes(1_000_000), '1000000');
    assert.equal(formatMillicores(2000), '2');
    assert.equal(formatMillicores(250), '250m');
  });

  void it('escapeExpansion makes Kubernetes expansion an identity', () => {
    const vars = { HOME: '/root', PRICE: '5' };
    for (const value of ['plain', '$HOME', '$(HOME)', '$$(PRICE)', 'a$', '$', '$(', '$(unclosed', 'x$$y']) {
      assert.equal(kubeExpand(escapeExpansion(value), vars), value, value);
    }
    assert.equal(kubeExpand('$(HOME)', vars), '/root', 'the model of expansion expands');
  });

  void it('probes: none without a healthcheck; startup probe only with start_period', () => {
    assert.deepEqual(probesOf(undefined), {});
    const probes = probesOf({
      test: ['CMD', 'true'],
      intervalMs: 1500,
      timeoutMs: 200,
      retries: 0,
      startPeriodMs: 10_000,
      startIntervalMs: 2000,
    });
    assert.deepEqual(probes.readinessProbe, {
      exec: { command: ['true'] },
      periodSeconds: 2,
      timeoutSeconds: 1,
      failureThreshold: 1,
      successThreshold: 1,
    });
    assert.equal(probes.startupProbe?.periodSeconds, 2);
    assert.equal(probes.startupProbe?.failureThreshold, 6);
  });
});
