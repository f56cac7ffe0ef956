// The server configuration kept in the repository (temporal-server.yaml) and what the dev stack
// writes from it: every {{ env "…" }} value filled in, the settings of
// docker-compose.temporal.yml (postgres12 in both stores, the `temporal` user and databases),
// and a template the renderer does not understand refused rather than passed on half-filled.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderServerConfig } from '../../../dev/temporal-server';
import { repoRoot } from '../../../workers/repo-root';

const template = readFileSync(join(repoRoot(), 'temporal-server.yaml'), 'utf8');
const names = [...new Set([...template.matchAll(/\{\{ env "([A-Z_]+)" \}\}/g)].map((m) => m[1]!))];
const values = Object.fromEntries(
  names.map((n, i) => [n, n.endsWith('_PORT') ? String(20000 + i) : `v-${n}`]),
);

void describe('temporal-server.yaml', () => {
  void it('is a template the server renders itself (production) and the dev stack fills in', () => {
    assert.match(template.slice(0, 1024), /enable-template/);
    const config = parse(renderServerConfig(template, values)) as {
      persistence: { datastores: Record<string, { sql: Record<string, unknown> }> };
      services: Record<string, { rpc: Record<string, unknown> }>;
    };
    for (const [store, db] of [
      ['default', 'temporal'],
      ['visibility', 'temporal_visibility'],
    ] as const) {
      const sql = config.persistence.datastores[store]!.sql;
      assert.equal(sql.pluginName, 'postgres12');
      assert.equal(sql.databaseName, db);
      assert.equal(sql.user, 'v-POSTGRES_USER');
      assert.equal(sql.connectAddr, `v-POSTGRES_SEEDS:${values.DB_PORT}`);
    }
    // Ports are numbers, as the server's configuration wants them.
    assert.equal(config.services.frontend!.rpc.grpcPort, Number(values.FRONTEND_GRPC_PORT));
    assert.deepEqual(Object.keys(config.services).sort(), ['frontend', 'history', 'matching', 'worker']);
  });

  void it('refuses a value it was not given and template text it does not know', () => {
    const { DB_PORT: _, ...missing } = values;
    assert.throws(() => renderServerConfig(template, missing), /no value for DB_PORT/);
    assert.throws(
      () => renderServerConfig(`a: {{ default "1" (env "X") }}\n`, values),
      /template text other than/,
    );
  });
});
