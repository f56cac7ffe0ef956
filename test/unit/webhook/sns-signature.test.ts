// SNS signatures checked for real: a key and certificate made here sign messages the way SNS
// does, and the verifier accepts them, refuses any change, and fetches certificates only from
// an SNS host over HTTPS.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { isSnsUrl } from '../../../webhook/sns-https';
import { SnsSignatureError, createSnsVerifier, snsStringToSign } from '../../../webhook/sns-signature';
import { type SnsSigner, createSnsSigner } from '../../helpers/sns-signing';
import { SNS_CERT_URL, snsNotification, snsSubscriptionConfirmation } from '../../helpers/webhook-samples';

const refused = (re: RegExp) => (e: unknown) => e instanceof SnsSignatureError && re.test(e.message);

void describe('SNS signatures', () => {
  let signer: SnsSigner;
  before(() => {
    signer = createSnsSigner();
  });

  void it('builds the canonical string: signed fields in order, Subject only when present', () => {
    const n = snsNotification();
    assert.equal(
      snsStringToSign(n),
      `Message\n${n.Message}\nMessageId\n${n.MessageId}\nSubject\n${n.Subject}\nTimestamp\n${n.Timestamp}\nTopicArn\n${n.TopicArn}\nType\nNotification\n`,
    );
    delete n.Subject;
    assert.doesNotMatch(snsStringToSign(n), /Subject/);
    const c = snsSubscriptionConfirmation();
    assert.equal(
      snsStringToSign(c),
      `Message\n${c.Message}\nMessageId\n${c.MessageId}\nSubscribeURL\n${c.SubscribeURL}\nTimestamp\n${c.Timestamp}\nToken\n${c.Token}\nTopicArn\n${c.TopicArn}\nType\nSubscriptionConfirmation\n`,
    );
  });

  void it('accepts version 1 and version 2 signatures, fetching the certificate once', async () => {
    signer.fetched.length = 0;
    const verify = createSnsVerifier((u) => signer.fetchHttps(u));
    await verify(signer.sign(snsNotification(), '1'));
    await verify(signer.sign(snsNotification(), '2'));
    await verify(signer.sign(snsSubscriptionConfirmation(), '2'));
    assert.deepEqual(signer.fetched, [SNS_CERT_URL]);
  });

  void it('refuses a message changed after signing, and a signature of the other version', async () => {
    const verify = createSnsVerifier((u) => signer.fetchHttps(u));
    const signed = signer.sign(snsNotification(), '2');
    await assert.rejects(
      verify({ ...signed, Message: signed.Message + ' ' }),
      refused(/^Signature: does not match/),
    );
    await assert.rejects(
      verify({ ...signed, TopicArn: 'arn:aws:sns:eu-west-1:123456789012:other' }),
      refused(/does not match/),
    );
    await assert.rejects(verify({ ...signed, SignatureVersion: '1' }), refused(/does not match/));
    await assert.rejects(
      verify({ ...signed, SignatureVersion: '3' }),
      refused(/^SignatureVersion: expected 1 or 2/),
    );
    await assert.rejects(verify({ ...signed, Signature: '' }), refused(/^Signature: missing/));
    const noTimestamp = { ...signed };
    delete noTimestamp.Timestamp;
    await assert.rejects(verify(noTimestamp), refused(/^Timestamp: missing/));
  });

  void it('refuses a certificate URL off SNS, or over http, without fetching it', async () => {
    signer.fetched.length = 0;
    const verify = createSnsVerifier((u) => signer.fetchHttps(u));
    for (const url of [
      'https://attacker.example.com/cert.pem',
      'http://sns.eu-west-1.amazonaws.com/cert.pem',
      'https://sns.eu-west-1.amazonaws.com.attacker.example/cert.pem',
      'https://sns.eu-west-1.amazonaws.com:8443/cert.pem',
      'https://user@sns.eu-west-1.amazonaws.com/cert.pem',
    ]) {
      const msg = signer.sign({ ...snsNotification(), SigningCertURL: url });
      await assert.rejects(verify(msg), refused(/^SigningCertURL: not an https URL on an SNS host/), url);
    }
    assert.deepEqual(signer.fetched, []);
  });

  void it('reports a certificate that cannot be fetched, and tries again next time', async () => {
    let calls = 0;
    const verify = createSnsVerifier((u) =>
      ++calls === 1 ? Promise.reject(new Error('HTTP 503')) : signer.fetchHttps(u),
    );
    const msg = signer.sign(snsNotification());
    await assert.rejects(verify(msg), refused(/^SigningCertURL: cannot get the certificate: HTTP 503/));
    await verify(msg);
    assert.equal(calls, 2);
  });

  void it('knows SNS hosts', () => {
    assert.ok(isSnsUrl('https://sns.us-gov-west-1.amazonaws.com/x.pem'));
    assert.ok(isSnsUrl('https://sns.cn-north-1.amazonaws.com.cn/x.pem'));
    assert.ok(!isSnsUrl('https://s3.amazonaws.com/x.pem'));
    assert.ok(!isSnsUrl('not a url'));
  });
});
