// A throwaway TLS certificate for the Azure fake. The Azure SDK sends bearer tokens only to
// https URLs, so the fake serves HTTPS on 127.0.0.1 with a self-signed certificate made here
// (openssl), and the test trusts it the way a user trusts a private cloud's CA: Node's default
// CA list in this process, NODE_EXTRA_CA_CERTS for the processes it starts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

export interface TestCertificate {
  key: string;
  cert: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS. */
  certPath: string;
}

/** A self-signed certificate for 127.0.0.1, valid for two days, written under `dir`. */
export function makeTestCertificate(dir: string): TestCertificate {
  const keyPath = join(dir, 'fake-key.pem');
  const certPath = join(dir, 'fake-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=kompox-azure-fake',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}

/** Trusts the certificate in this process and in every process it starts from now on. */
export function trustTestCertificate(cert: TestCertificate): void {
  setDefaultCACertificates([...getCACertificates('default'), cert.cert]);
  process.env.NODE_EXTRA_CA_CERTS = cert.certPath;
}
