// SNS message signatures (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) over the
// canonical string AWS documents: the message's signed fields in a fixed order, each as
// "Key\nValue\n". The signing certificate comes from SigningCertURL, only from an SNS host
// over HTTPS, and is cached by URL since SNS signs with the same one for a long time.
import { X509Certificate, verify } from 'node:crypto';
import { type JsonObject } from './invalid-alert';
import { type FetchHttps, isSnsUrl } from './sns-https';

export class SnsSignatureError extends Error {
  override name = 'SnsSignatureError';
}

const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION_FIELDS = [
  'Message',
  'MessageId',
  'SubscribeURL',
  'Timestamp',
  'Token',
  'TopicArn',
  'Type',
];
const HASHES: Record<string, string> = { '1': 'sha1', '2': 'sha256' };

/** The string SNS signed; Subject is signed only when the message has one. */
export function snsStringToSign(message: JsonObject): string {
  const type = message.Type;
  const fields =
    type === 'Notification'
      ? NOTIFICATION_FIELDS
      : type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation'
        ? CONFIRMATION_FIELDS
        : undefined;
  if (!fields) throw new SnsSignatureError(`Type: not an SNS message type: ${String(type)}`);
  let text = '';
  for (const key of fields) {
    const value = message[key];
    if (key === 'Subject' && (value === undefined || value === null)) continue;
    if (typeof value !== 'string')
      throw new SnsSignatureError(`${key}: missing from a signed ${type} message`);
    text += `${key}\n${value}\n`;
  }
  return text;
}

export type SnsVerifier = (message: JsonObject) => Promise<void>;

/** A verifier with its own certificate cache; it rejects with SnsSignatureError. */
export function createSnsVerifier(fetchHttps: FetchHttps): SnsVerifier {
  const certs = new Map<string, Promise<X509Certificate>>();
  const certificate = (url: string): Promise<X509Certificate> => {
    let cert = certs.get(url);
    if (!cert) {
      cert = fetchHttps(url).then((pem) => new X509Certificate(pem));
      // A failed fetch is not cached: the next message tries again.
      cert.catch(() => certs.delete(url));
      certs.set(url, cert);
    }
    return cert;
  };

  return async (message) => {
    const hash = HASHES[String(message.SignatureVersion)];
    if (!hash)
      throw new SnsSignatureError(
        `SignatureVersion: expected 1 or 2, got ${String(message.SignatureVersion)}`,
      );
    const signature = message.Signature;
    if (typeof signature !== 'string' || signature === '') throw new SnsSignatureError('Signature: missing');
    const certUrl = message.SigningCertURL;
    if (typeof certUrl !== 'string' || !isSnsUrl(certUrl))
      throw new SnsSignatureError(
        'SigningCertURL: not an https URL on an SNS host (sns.<region>.amazonaws.com)',
      );
    const text = snsStringToSign(message);
    let cert: X509Certificate;
    try {
      cert = await certificate(certUrl);
    } catch (err) {
      throw new SnsSignatureError(`SigningCertURL: cannot get the certificate: ${(err as Error).message}`);
    }
    const now = Date.now();
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo))
      throw new SnsSignatureError('SigningCertURL: the certificate is not valid now');
    if (!verify(hash, Buffer.from(text, 'utf8'), cert.publicKey, Buffer.from(signature, 'base64')))
      throw new SnsSignatureError('Signature: does not match the message');
  };
}
