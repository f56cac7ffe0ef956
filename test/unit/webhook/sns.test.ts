// CloudWatch alarms through SNS: ALARM fires, OK resolves under the same key, INSUFFICIENT_DATA
// yields nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultLabelMapping } from '../../../webhook/label-mapping';
import { normalizeSns } from '../../../webhook/sources/sns';
import { ALARM_ARN, EC2_ID, cloudWatchAlarm, snsNotification } from '../../helpers/webhook-samples';

const ctx = { mapping: defaultLabelMapping('eks-prod'), receivedAt: '2025-03-04T10:16:41.000Z' };

void describe('normalizeSns', () => {
  void it('turns an ALARM into a firing alert for the EC2 instance of its dimensions', () => {
    assert.deepEqual(normalizeSns(snsNotification(), ctx), [
      {
        source: 'sns',
        dedupeKey: ALARM_ARN,
        status: 'firing',
        name: 'node-status-check-i-0abc123def4567890',
        cluster: 'eks-prod',
        instanceId: EC2_ID,
        observedAt: '2025-03-04T10:16:40.128Z',
        receivedAt: ctx.receivedAt,
      },
    ]);
  });

  void it("gives OK the firing alert's key, and INSUFFICIENT_DATA no alert", () => {
    const [firing] = normalizeSns(snsNotification(cloudWatchAlarm('ALARM')), ctx);
    const [resolved] = normalizeSns(snsNotification(cloudWatchAlarm('OK')), ctx);
    assert.equal(resolved!.status, 'resolved');
    assert.equal(resolved!.dedupeKey, firing!.dedupeKey);
    assert.deepEqual(normalizeSns(snsNotification(cloudWatchAlarm('INSUFFICIENT_DATA')), ctx), []);
  });

  void it('keys an alarm without an ARN by region and name, and reads metric-math dimensions', () => {
    const alarm: Record<string, unknown> = cloudWatchAlarm();
    delete alarm.AlarmArn;
    alarm.Trigger = {
      Metrics: [
        {
          Id: 'm1',
          MetricStat: { Metric: { Dimensions: [{ name: 'NodeName', value: 'ip-10-0-1-23.ec2.internal' }] } },
        },
      ],
    };
    const [alert] = normalizeSns(snsNotification(alarm), ctx);
    assert.equal(alert!.dedupeKey, 'EU (Ireland)/node-status-check-i-0abc123def4567890');
    assert.equal(alert!.node, 'ip-10-0-1-23.ec2.internal');
    assert.equal(alert!.instanceId, undefined);
  });

  void it('names what is wrong with a message that is no CloudWatch alarm', () => {
    assert.throws(
      () => normalizeSns({ ...snsNotification(), Message: 'hello' }, ctx),
      /^InvalidAlertError: Message: not a CloudWatch alarm/,
    );
    const noName: Record<string, unknown> = cloudWatchAlarm();
    delete noName.AlarmName;
    assert.throws(
      () => normalizeSns(snsNotification(noName), ctx),
      /Message\.AlarmName: expected a non-empty string/,
    );
    assert.throws(
      () => normalizeSns(snsNotification({ ...cloudWatchAlarm(), NewStateValue: 'BROKEN' }), ctx),
      /Message\.NewStateValue: expected ALARM, OK or INSUFFICIENT_DATA/,
    );
  });
});
