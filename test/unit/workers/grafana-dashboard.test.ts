// The Grafana dashboard in deploy/grafana: every series its PromQL reads is one the worker
// exports (names taken from the code that exports them), and every Kompox metric has a panel.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CONTROLLER_METRICS, seriesNames } from '../../../workers/controller-metrics';
import { ALERTS_METRIC } from '../../../workflows/failover-metrics';
import { repoRoot } from '../../../workers/repo-root';

interface Panel {
  title: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/** The metric names an expression reads: identifiers left once strings, matchers, groupings, ranges and calls are gone. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$\{?\w+\}?/g, '');
  return [...bare.matchAll(/(?<![a-zA-Z0-9_:.])[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\(|[a-zA-Z0-9_:])/g)]
    .map((m) => m[0])
    .filter((w) => !PROMQL_WORDS.has(w));
}

const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(
    readFileSync(join(repoRoot(), 'deploy', 'grafana', 'kompox.json'), 'utf8'),
  ) as {
    panels: Panel[];
  };
  const exported = new Set([...Object.values(CONTROLLER_METRICS).flatMap(seriesNames), ALERTS_METRIC]);

  it('reads only series the worker exports, in every panel', () => {
    const all = panels(dashboard.panels);
    assert.ok(all.length >= 6, `only ${all.length} panels`);
    for (const panel of all) {
      const exprs = (panel.targets ?? []).map((t) => t.expr ?? '');
      assert.ok(exprs.length > 0 && exprs.every(Boolean), `panel "${panel.title}" has no query`);
      for (const expr of exprs) {
        const names = metricNames(expr);
        assert.ok(names.length > 0, `panel "${panel.title}": no metric in ${expr}`);
        for (const name of names)
          assert.ok(
            exported.has(name),
            `panel "${panel.title}" reads ${name}, which the worker does not export`,
          );
      }
    }
  });

  it('shows every metric Kompox exports', () => {
    const used = new Set(
      panels(dashboard.panels).flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr ?? ''))),
    );
    for (const family of Object.values(CONTROLLER_METRICS))
      assert.ok(
        seriesNames(family).some((n) => used.has(n)),
        `no panel shows ${family.name}`,
      );
    assert.ok(used.has(ALERTS_METRIC), `no panel shows ${ALERTS_METRIC}`);
  });

  it('finds metric names the way PromQL reads them', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.9, sum by (le) (rate(a_bucket{x="b{c}"}[5m]))) / on (app) b_total offset 1h',
      ),
      ['a_bucket', 'b_total'],
    );
  });
});
