// Alertmanager's webhook: one alert per entry, each with its own status and dedupe key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidAlertError } from '../../../webhook/invalid-alert';
import { defaultLabelMapping } from '../../../webhook/label-mapping';
import { normalizeAlertmanager } from '../../../webhook/sources/alertmanager';
import { T0, alertmanagerBody } from '../../helpers/webhook-samples';

const ctx = { mapping: defaultLabelMapping(), receivedAt: '2025-03-04T10:16:00.000Z' };

void describe('normalizeAlertmanager', () => {
  void it('turns each alert of a group into its own alert', () => {
    assert.deepEqual(normalizeAlertmanager(alertmanagerBody(), ctx), [
      {
        source: 'alertmanager',
        dedupeKey: `5d3b2a1c9e8f7a60@${T0}`,
        status: 'firing',
        name: 'KubeNodeNotReady',
        cluster: 'prod-eu',
        node: 'worker-2',
        zone: 'eu-west-1b',
        observedAt: T0,
        receivedAt: ctx.receivedAt,
      },
      {
        source: 'alertmanager',
        dedupeKey: 'a1b2c3d4e5f60718@2025-03-04T09:58:00Z',
        status: 'resolved',
        name: 'NodeExporterDown',
        cluster: 'prod-eu',
        node: 'worker-3',
        observedAt: '2025-03-04T10:12:00.000Z',
        receivedAt: ctx.receivedAt,
      },
    ]);
  });

  void it('gives the firing and resolved notices of one episode the same key, and the next episode another', () => {
    const firing = alertmanagerBody();
    const resolved = alertmanagerBody();
    resolved.alerts[0]!.status = 'resolved';
    resolved.alerts[0]!.endsAt = '2025-03-04T10:30:00Z';
    const again = alertmanagerBody();
    again.alerts[0]!.startsAt = '2025-03-04T11:00:00Z';
    const key = (b: unknown) => normalizeAlertmanager(b, ctx)[0]!.dedupeKey;
    assert.equal(key(firing), key(resolved));
    assert.notEqual(key(firing), key(again));
  });

  void it('names the field that is missing or wrong', () => {
    const noFingerprint = alertmanagerBody();
    delete (noFingerprint.alerts[1] as { fingerprint?: string }).fingerprint;
    assert.throws(
      () => normalizeAlertmanager(noFingerprint, ctx),
      (e) => e instanceof InvalidAlertError && /alerts\[1\]\.fingerprint/.test(e.message),
    );
    const badStatus = alertmanagerBody();
    badStatus.alerts[0]!.status = 'pending';
    assert.throws(
      () => normalizeAlertmanager(badStatus, ctx),
      /alerts\[0\]\.status: expected firing or resolved/,
    );
    assert.throws(
      () => normalizeAlertmanager({ version: '4' }, ctx),
      /^InvalidAlertError: alerts: expected a list/,
    );
    assert.throws(() => normalizeAlertmanager([], ctx), /body: expected an object/);
  });
});
