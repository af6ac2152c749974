/*
 * Keys, CAs and CSRs for the certificate tests, made with @peculiar/x509 and
 * WebCrypto (and the openssl CLI where a test wants what people really run).
 */
import '../reflectPolyfill';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { toPem } from '../CertificateAuthority';

const crypto = webcrypto as unknown as Crypto;

export type KeyKind = 'ec' | 'rsa' | 'rsa1024';

const ALGORITHMS: Record<KeyKind, RsaHashedKeyGenParams | EcKeyGenParams> = {
  ec: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  rsa1024: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 1024,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};

function signingAlgorithm(kind: KeyKind, hash = 'SHA-256') {
  return kind === 'ec'
    ? { name: 'ECDSA', hash }
    : { name: 'RSASSA-PKCS1-v1_5', hash };
}

export async function generateKeys(kind: KeyKind): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALGORITHMS[kind], true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
}

export async function privateKeyPem(keys: CryptoKeyPair): Promise<string> {
  return toPem(
    await crypto.subtle.exportKey('pkcs8', keys.privateKey),
    'PRIVATE KEY',
  );
}

export interface TestCa {
  certificatePem: string;
  privateKeyPem: string;
  certificate: x509.X509Certificate;
}

/** A self-signed CA (or, with `ca: false`, a self-signed leaf). */
export async function makeCa(
  options: {
    kind?: KeyKind;
    name?: string;
    ca?: boolean;
    keyUsages?: x509.KeyUsageFlags;
    notBefore?: Date;
    notAfter?: Date;
  } = {},
): Promise<TestCa> {
  const kind = options.kind ?? 'ec';
  const keys = await generateKeys(kind);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${options.name ?? 'api-access test CA'}, O=Example`,
      keys,
      signingAlgorithm: signingAlgorithm(kind),
      notBefore: options.notBefore ?? new Date(now - 60 * 60 * 1000),
      notAfter: options.notAfter ?? new Date(now + 365 * 24 * 60 * 60 * 1000),
      extensions: [
        new x509.BasicConstraintsExtension(options.ca ?? true, undefined, true),
        new x509.KeyUsagesExtension(
          options.keyUsages ??
            x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    },
    crypto,
  );
  return {
    certificatePem: toPem(certificate.rawData, 'CERTIFICATE'),
    privateKeyPem: await privateKeyPem(keys),
    certificate,
  };
}

export interface TestCsr {
  csrPem: string;
  der: Buffer;
  privateKeyPem: string;
}

/** A CSR that asks for things the CA must ignore: another subject, CA:TRUE, a DNS SAN. */
export async function makeCsr(
  options: { kind?: KeyKind; subject?: string; hash?: string } = {},
): Promise<TestCsr> {
  const kind = options.kind ?? 'ec';
  const keys = await generateKeys(kind);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: options.subject ?? 'CN=admin, O=Evil Corp',
      keys,
      signingAlgorithm: signingAlgorithm(kind, options.hash),
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'admin.example.com' },
        ]),
      ],
    },
    crypto,
  );
  return {
    csrPem: toPem(csr.rawData, 'CERTIFICATE REQUEST'),
    der: Buffer.from(csr.rawData),
    privateKeyPem: await privateKeyPem(keys),
  };
}

/** Runs openssl with files in a scratch directory; returns stdout and the files it wrote. */
export function openssl(
  args: string[],
  inputs: Record<string, string> = {},
  outputs: string[] = [],
): { stdout: string; files: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'api-access-openssl-'));
  try {
    for (const [name, content] of Object.entries(inputs)) {
      writeFileSync(join(dir, name), content);
    }
    const stdout = execFileSync('openssl', args, {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const files: Record<string, string> = {};
    for (const name of outputs) {
      files[name] = readFileSync(join(dir, name), 'utf8');
    }
    return { stdout, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl verify`: returns openssl's answer instead of throwing on a refusal. */
export function opensslVerify(
  caPem: string,
  certificatePem: string,
  crlPem?: string,
): string {
  try {
    return openssl(
      [
        'verify',
        '-purpose',
        'sslclient',
        '-CAfile',
        'ca.pem',
        ...(crlPem ? ['-crl_check', '-CRLfile', 'crl.pem'] : []),
        'cert.pem',
      ],
      {
        'ca.pem': caPem,
        'cert.pem': certificatePem,
        ...(crlPem ? { 'crl.pem': crlPem } : {}),
      },
    ).stdout.trim();
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
  }
}
