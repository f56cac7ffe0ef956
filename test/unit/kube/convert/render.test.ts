// Rendering: deterministic YAML, wire field names, and secret values confined to Secrets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { ComposeService } from '../../../../kom';
import { convertApp, renderYaml, type LocalValues } from '../../../../kube/convert';
import { WIKI_ENV_PASSWORD, wikiInput } from './fixture';
import { container, deployment } from './helpers';

void describe('renderYaml', () => {
  void it('renders the same input to the same text, every time', () => {
    const first = renderYaml(convertApp(wikiInput()).objects);
    const second = renderYaml(convertApp(wikiInput()).objects);
    assert.equal(first, second);
    assert.equal(convertApp(wikiInput()).renderHash, convertApp(wikiInput()).renderHash);
  });

  void it('writes one document per object in the wire form the API server reads', () => {
    const result = convertApp(wikiInput());
    const documents = parseAllDocuments(renderYaml(result.objects)).map(
      (doc) => doc.toJS() as Record<string, unknown>,
    );
    assert.deepEqual(
      documents.map((doc) => doc.kind),
      result.objects.map((object) => object.kind),
    );
    const policy = documents.find((doc) => doc.kind === 'NetworkPolicy') as {
      spec: { ingress: Record<string, unknown>[] };
    };
    assert.ok(policy.spec.ingress[0]?.from, 'NetworkPolicy ingress uses `from` on the wire');
    assert.equal(policy.spec.ingress[0]?._from, undefined);
  });

  void it('keeps env_file and secret file values out of every object but Secrets', () => {
    const result = convertApp(wikiInput());
    const encoded = Buffer.from(WIKI_ENV_PASSWORD).toString('base64');
    const others = result.objects.filter((object) => object.kind !== 'Secret');
    const text = renderYaml(others) + JSON.stringify(others) + result.renderHash;
    assert.ok(!text.includes(WIKI_ENV_PASSWORD));
    assert.ok(!text.includes(encoded));
    assert.ok(renderYaml(result.objects).includes(encoded), 'the Secrets do hold the value');
  });

  void it('changes the pod template hash when a secret value changes, so the pod restarts', () => {
    const annotation = (values: LocalValues): string | undefined =>
      deployment(convertApp(wikiInput({ values }))).spec?.template.metadata?.annotations?.[
        'kompox.dev/compose-content-hash'
      ];
    const fake = (password: string): LocalValues => ({
      envFileValues: (service: ComposeService): Record<string, string> =>
        service.name === 'wiki' ? { DB_PASS: password } : {},
      readFile: () => Buffer.from(password),
    });
    assert.notEqual(annotation(fake('one')), annotation(fake('two')));
    assert.equal(annotation(fake('one')), annotation(fake('one')));
  });

  void it('reads values only through the injected LocalValues', () => {
    const reads: string[] = [];
    const values: LocalValues = {
      envFileValues: (service) => {
        reads.push(`env:${service.name}`);
        return { DB_PASS: 'injected' };
      },
      readFile: (file) => {
        reads.push(`file:${file.path}`);
        return Buffer.from('from-fake');
      },
    };
    const result = convertApp(wikiInput({ values }));
    assert.deepEqual(reads.sort(), ['env:wiki', 'file:secrets/db-password.txt']);
    assert.ok(renderYaml(result.objects).includes(Buffer.from('injected').toString('base64')));
    assert.deepEqual(container(result, 'wiki').envFrom, [{ secretRef: { name: 'wiki-app-wiki-base' } }]);
  });
});

void describe('renderYaml against the Kubernetes client serializer', () => {
  void it('reads back as the same objects as client-node dumpYaml gives, and quotes YAML 1.1 booleans', async () => {
    const { dumpYaml } = await import('@kubernetes/client-node');
    const { parse } = await import('yaml');
    const objects = convertApp(wikiInput()).objects;
    const ours = parseAllDocuments(renderYaml(objects)).map((d) => d.toJS() as unknown);
    const theirs = objects.map((o) => parse(dumpYaml(o), { version: '1.1' }) as unknown);
    assert.deepEqual(ours, theirs);
    const text = renderYaml([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c' },
        data: { a: 'yes', b: 'on', c: '0755' },
      } as never,
    ]);
    assert.deepEqual(parse(text, { version: '1.1' }), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: 'yes', b: 'on', c: '0755' },
    });
  });
});
