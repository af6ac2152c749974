/*
 * The CA on its own: what it signs, what it refuses, what it accepts as its
 * own configuration, and CRLs that openssl reads and enforces.
 */
import './reflectPolyfill';
import { createHash } from 'node:crypto';
import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import * as x509 from '@peculiar/x509';
import { CertificateAuthority, newSerial } from './CertificateAuthority';
import {
  TestCa,
  makeCa,
  makeCsr,
  openssl,
  opensslVerify,
} from './__testUtils__/pki';

const DAY_MS = 24 * 60 * 60 * 1000;
const CONSUMER = 'component:default/artist-lookup';
const GRANT = '0b6d7a52-5c1e-4c38-9d0e-6a3b5f8c2e11';

/** Whole seconds, a little in the past: what certificates can hold. */
const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);

let ecCa: TestCa;
let authority: CertificateAuthority;

beforeAll(async () => {
  ecCa = await makeCa();
  authority = await CertificateAuthority.create({
    certificatePem: ecCa.certificatePem,
    privateKeyPem: ecCa.privateKeyPem,
    maxValidityDays: 30,
    clock: () => new Date(now),
  });
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('CertificateAuthority.sign', () => {
  it('issues a client certificate named after the consumer, ignoring what the CSR asked for', async () => {
    const csr = await makeCsr();
    const grantExpiry = new Date(now.getTime() + 10 * DAY_MS + 1234);
    const signed = await authority.sign(csr.csrPem, {
      subjectCommonName: CONSUMER,
      notAfter: grantExpiry,
      grantId: GRANT,
    });
    const cert = new x509.X509Certificate(signed.certificatePem);

    expect(cert.subject).toBe(`O=api-access, CN=${CONSUMER}`);
    expect(cert.issuer).toBe(ecCa.certificate.subject);
    expect(await cert.verify({ publicKey: ecCa.certificate, date: now })).toBe(
      true,
    );
    // Bounded by the grant's expiry (to the second), backdated 5 minutes.
    expect(cert.notAfter.getTime()).toBe(
      Math.floor(grantExpiry.getTime() / 1000) * 1000,
    );
    expect(signed.notAfter).toEqual(cert.notAfter);
    expect(cert.notBefore.getTime()).toBe(now.getTime() - 5 * 60 * 1000);

    expect(signed.serial).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(signed.serial).not.toMatch(/^00/);
    expect(cert.serialNumber.toLowerCase()).toBe(signed.serial);
    expect(signed.fingerprint).toBe(
      createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
    );

    const constraints = cert.getExtension(x509.BasicConstraintsExtension)!;
    expect(constraints.ca).toBe(false);
    expect(constraints.critical).toBe(true);
    const usage = cert.getExtension(x509.KeyUsagesExtension)!;
    expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.toJSON()).toEqual([
      { type: 'url', value: `urn:api-access:grant:${GRANT}` },
    ]);
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(
      ecCa.certificate.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId,
    );
    // The CSR asked for CA:TRUE and a DNS name; neither is in the certificate.
    expect(signed.certificatePem).not.toContain('admin.example.com');
    expect(cert.subject).not.toContain('Evil');

    // openssl agrees: a client certificate of this CA.
    expect(opensslVerify(ecCa.certificatePem, signed.certificatePem)).toBe(
      'cert.pem: OK',
    );
  });

  it('never issues past now + maxValidityDays, whatever the grant says', async () => {
    const signed = await authority.sign((await makeCsr()).csrPem, {
      subjectCommonName: CONSUMER,
      notAfter: new Date(now.getTime() + 365 * DAY_MS),
    });
    expect(signed.notAfter.getTime()).toBe(now.getTime() + 30 * DAY_MS);
    const cert = new x509.X509Certificate(signed.certificatePem);
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)).toBeNull();
  });

  it('signs RSA keys with an RSA CA, adding keyEncipherment', async () => {
    const rsaCa = await makeCa({ kind: 'rsa' });
    const rsa = await CertificateAuthority.create({
      certificatePem: rsaCa.certificatePem,
      privateKeyPem: rsaCa.privateKeyPem,
    });
    expect(rsa.keyDescription).toBe('RSA 2048');
    const signed = await rsa.sign((await makeCsr({ kind: 'rsa' })).csrPem, {
      subjectCommonName: CONSUMER,
      notAfter: new Date(Date.now() + DAY_MS),
      serial: '01ab',
    });
    const cert = new x509.X509Certificate(signed.certificatePem);
    expect(signed.serial).toBe('01ab');
    expect(cert.getExtension(x509.KeyUsagesExtension)!.usages).toBe(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    );
    expect(opensslVerify(rsaCa.certificatePem, signed.certificatePem)).toBe(
      'cert.pem: OK',
    );
  });

  it('signs a CSR made with the openssl CLI, as the docs tell requesters', async () => {
    const { files } = openssl(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'client.key',
        '-out',
        'client.csr',
        '-subj',
        '/CN=artist-lookup',
      ],
      {},
      ['client.csr'],
    );
    const signed = await authority.sign(files['client.csr'], {
      subjectCommonName: CONSUMER,
      notAfter: new Date(now.getTime() + DAY_MS),
    });
    expect(opensslVerify(ecCa.certificatePem, signed.certificatePem)).toBe(
      'cert.pem: OK',
    );
  });

  it('refuses a CSR whose content was changed after it was signed', async () => {
    const csr = await makeCsr({ subject: 'CN=original-name' });
    const at = csr.der.indexOf(Buffer.from('original-name'));
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(csr.der);
    tampered.write('tampered-name', at);
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${tampered.toString(
      'base64',
    )}\n-----END CERTIFICATE REQUEST-----\n`;
    const error = await rejection(
      authority.sign(pem, {
        subjectCommonName: CONSUMER,
        notAfter: new Date(now.getTime() + DAY_MS),
      }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      'csr signature does not match its public key: the request was altered, or signed with another key',
    );
  });

  it.each([
    ['empty', '', 'csr is required'],
    [
      'not PEM',
      'hello',
      'csr is not a PEM certificate signing request (expected -----BEGIN CERTIFICATE REQUEST-----)',
    ],
    [
      'a certificate instead of a CSR',
      'CA_CERTIFICATE',
      'csr is not a PEM certificate signing request',
    ],
    [
      'bad base64',
      '-----BEGIN CERTIFICATE REQUEST-----\n***\n-----END CERTIFICATE REQUEST-----',
      'csr is not valid PEM: the CERTIFICATE REQUEST block is not valid base64',
    ],
    [
      'base64 of garbage',
      `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(
        'not a certificate request at all',
      ).toString('base64')}\n-----END CERTIFICATE REQUEST-----`,
      'csr could not be parsed as a PKCS#10 certificate signing request',
    ],
    [
      'a private key',
      '-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----',
      'csr contains a private key: send only the certificate signing request; the private key must never leave you',
    ],
  ])(
    'refuses %s with a 400 naming the reason',
    async (_name, input, message) => {
      const pem =
        input === 'CA_CERTIFICATE' ? ecCa.certificatePem : (input as string);
      const error = await rejection(
        authority.sign(pem, {
          subjectCommonName: CONSUMER,
          notAfter: new Date(now.getTime() + DAY_MS),
        }),
      );
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain(message);
    },
  );

  it('refuses two CSRs at once', async () => {
    const one = await makeCsr();
    const error = await rejection(
      authority.sign(one.csrPem + one.csrPem, {
        subjectCommonName: CONSUMER,
        notAfter: new Date(now.getTime() + DAY_MS),
      }),
    );
    expect(error.message).toBe(
      'csr must hold exactly one certificate signing request, found 2',
    );
  });

  it('refuses weak keys and weak signatures', async () => {
    const weakKey = await rejection(
      authority.sign((await makeCsr({ kind: 'rsa1024' })).csrPem, {
        subjectCommonName: CONSUMER,
        notAfter: new Date(now.getTime() + DAY_MS),
      }),
    );
    expect(weakKey).toBeInstanceOf(InputError);
    expect(weakKey.message).toBe(
      'csr key is too weak: RSA 1024 bits; use RSA 2048 bits or more, or EC P-256',
    );
    const sha1 = await rejection(
      authority.sign((await makeCsr({ hash: 'SHA-1' })).csrPem, {
        subjectCommonName: CONSUMER,
        notAfter: new Date(now.getTime() + DAY_MS),
      }),
    );
    expect(sha1).toBeInstanceOf(InputError);
    expect(sha1.message).toBe(
      'csr is signed with SHA-1, which is too weak or unsupported; sign it with SHA-256',
    );
  });

  it('refuses to issue a certificate that would already be over', async () => {
    const error = await rejection(
      authority.sign((await makeCsr()).csrPem, {
        subjectCommonName: CONSUMER,
        notAfter: new Date(now.getTime() - 1000),
      }),
    );
    expect(error.name).toBe('ConflictError');
  });

  it('makes serials of 16 random bytes, positive, with no leading zero byte', () => {
    const serials = Array.from({ length: 500 }, newSerial);
    expect(new Set(serials).size).toBe(500);
    for (const serial of serials) {
      expect(serial).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
    }
  });
});

describe('CertificateAuthority.crl', () => {
  it('lists revoked serials in a signed v2 CRL that openssl enforces', async () => {
    const revoked = await authority.sign((await makeCsr()).csrPem, {
      subjectCommonName: CONSUMER,
      notAfter: new Date(now.getTime() + DAY_MS),
    });
    const kept = await authority.sign((await makeCsr()).csrPem, {
      subjectCommonName: CONSUMER,
      notAfter: new Date(now.getTime() + DAY_MS),
    });
    const superseded = newSerial();
    const pem = await authority.crl(
      [
        {
          serial: revoked.serial,
          revokedAt: new Date(now.getTime() - 60_000),
          reason: 'privilegeWithdrawn',
        },
        { serial: superseded, revokedAt: now, reason: 'superseded' },
      ],
      { number: 42n },
    );
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const crl = new x509.X509Crl(pem);
    expect(await crl.verify({ publicKey: ecCa.certificate })).toBe(true);
    expect(crl.version).toBe(1); // v2
    expect(crl.issuer).toBe(ecCa.certificate.subject);
    expect(crl.thisUpdate).toEqual(now);
    expect(crl.nextUpdate).toEqual(new Date(now.getTime() + DAY_MS));
    expect(
      crl.entries.map(entry => [
        entry.serialNumber.toLowerCase(),
        entry.reason,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [revoked.serial, x509.X509CrlReason.privilegeWithdrawn],
        [superseded, x509.X509CrlReason.superseded],
      ]),
    );
    const text = openssl(['crl', '-in', 'crl.pem', '-noout', '-text'], {
      'crl.pem': pem,
    }).stdout;
    expect(text).toContain('Version 2');
    expect(text).toMatch(/X509v3 CRL Number: \n\s+42/);
    expect(text).toContain('Privilege Withdrawn');

    expect(
      opensslVerify(ecCa.certificatePem, revoked.certificatePem, pem),
    ).toContain('certificate revoked');
    expect(opensslVerify(ecCa.certificatePem, kept.certificatePem, pem)).toBe(
      'cert.pem: OK',
    );
  });

  it('signs an empty CRL, numbered by the time, valid for crlValidityHours', async () => {
    const shortLived = await CertificateAuthority.create({
      certificatePem: ecCa.certificatePem,
      privateKeyPem: ecCa.privateKeyPem,
      crlValidityHours: 2,
      clock: () => new Date(now),
    });
    const crl = new x509.X509Crl(await shortLived.crl([]));
    expect(crl.entries).toEqual([]);
    expect(crl.nextUpdate).toEqual(
      new Date(now.getTime() + 2 * 60 * 60 * 1000),
    );
    const text = openssl(['crl', '-in', 'crl.pem', '-noout', '-text'], {
      'crl.pem': await shortLived.crl([]),
    }).stdout;
    expect(text).toContain(`${now.getTime() / 1000}`);
  });
});

describe('CertificateAuthority configuration', () => {
  const create = (certificatePem: string, privateKeyPem: string) =>
    CertificateAuthority.create({ certificatePem, privateKeyPem });

  it('refuses a private key that does not belong to the certificate', async () => {
    const other = await makeCa();
    await expect(
      create(ecCa.certificatePem, other.privateKeyPem),
    ).rejects.toThrow(
      "Invalid config at apiAccess.certificates.ca.privateKey: does not match the public key of the CA certificate 'CN=api-access test CA, O=Example'",
    );
  });

  it('refuses a certificate that is not a CA, or may not sign CRLs', async () => {
    const leaf = await makeCa({ ca: false });
    await expect(
      create(leaf.certificatePem, leaf.privateKeyPem),
    ).rejects.toThrow(
      "Invalid config at apiAccess.certificates.ca.certificate: 'CN=api-access test CA, O=Example' is not a CA certificate (basicConstraints CA:TRUE is missing)",
    );
    const noCrl = await makeCa({ keyUsages: x509.KeyUsageFlags.keyCertSign });
    await expect(
      create(noCrl.certificatePem, noCrl.privateKeyPem),
    ).rejects.toThrow(
      'may not sign certificates and CRLs (keyUsage must include keyCertSign and cRLSign)',
    );
  });

  it('refuses an expired CA', async () => {
    const expired = await makeCa({
      notBefore: new Date(Date.now() - 10 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    await expect(
      create(expired.certificatePem, expired.privateKeyPem),
    ).rejects.toThrow(
      /apiAccess\.certificates\.ca\.certificate: .* expired on/,
    );
  });

  it.each([
    [
      'Ed25519',
      ['-newkey', 'ed25519'],
      "unsupported key type 'ed25519'; use an EC P-256 or an RSA (2048 bits or more) key",
    ],
    [
      'EC P-521',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
      "unsupported EC curve 'secp521r1'; use P-256 (prime256v1) or P-384",
    ],
    [
      'RSA 1024',
      ['-newkey', 'rsa:1024'],
      'RSA key of 1024 bits is too weak; use 2048 bits or more',
    ],
  ])('refuses a %s CA key', async (_name, keyArgs, message) => {
    const { files } = openssl(
      [
        'req',
        '-x509',
        ...keyArgs,
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        '2',
        '-subj',
        '/CN=odd CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ],
      {},
      ['ca.key', 'ca.pem'],
    );
    await expect(create(files['ca.pem'], files['ca.key'])).rejects.toThrow(
      `Invalid config at apiAccess.certificates.ca.privateKey: ${message}`,
    );
  });

  it('reads an openssl-made EC CA with a SEC1 key', async () => {
    const ec = openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        '2',
        '-subj',
        '/CN=openssl CA',
      ],
      {},
      ['ca.key', 'ca.pem'],
    ).files;
    const sec1 = openssl(['ec', '-in', 'ca.key', '-out', 'sec1.key'], ec, [
      'sec1.key',
    ]).files['sec1.key'];
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    expect((await create(ec['ca.pem'], sec1)).keyDescription).toBe('EC P-256');
  });

  it('refuses garbage and bundles where the certificate should be', async () => {
    await expect(create('nothing here', ecCa.privateKeyPem)).rejects.toThrow(
      'Invalid config at apiAccess.certificates.ca.certificate: no PEM certificate found (expected -----BEGIN CERTIFICATE-----)',
    );
    await expect(
      create(ecCa.certificatePem + ecCa.certificatePem, ecCa.privateKeyPem),
    ).rejects.toThrow(
      'expected exactly one certificate (the issuing CA), found 2',
    );
    await expect(
      create(
        '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        ecCa.privateKeyPem,
      ),
    ).rejects.toThrow('not a readable X.509 certificate');
    const error = await rejection(create(ecCa.certificatePem, 'secret-ish'));
    expect(error.message).toMatch(
      /^Invalid config at apiAccess\.certificates\.ca\.privateKey: not a readable, unencrypted PEM private key/,
    );
    expect(error.message).not.toContain('secret-ish');
  });

  it('reads apiAccess.certificates from config, with defaults, and PEM with literal \\n', async () => {
    expect(
      await CertificateAuthority.fromConfig(new ConfigReader({})),
    ).toBeUndefined();
    expect(
      await CertificateAuthority.fromConfig(
        new ConfigReader({
          apiAccess: { certificates: { maxValidityDays: 5 } },
        }),
      ),
    ).toBeUndefined();
    const ca = await CertificateAuthority.fromConfig(
      new ConfigReader({
        apiAccess: {
          certificates: {
            ca: {
              certificate: ecCa.certificatePem,
              privateKey: ecCa.privateKeyPem.replace(/\n/g, '\\n'),
            },
          },
        },
      }),
    );
    expect(ca?.maxValidityDays).toBe(90);
    expect(ca?.crlValidityHours).toBe(24);
    expect(ca?.certificatePem).toBe(ecCa.certificatePem);

    await expect(
      CertificateAuthority.fromConfig(
        new ConfigReader({
          apiAccess: {
            certificates: { ca: { certificate: ecCa.certificatePem } },
          },
        }),
      ),
    ).rejects.toThrow(
      'Invalid config at apiAccess.certificates.ca.privateKey: is required',
    );
    await expect(
      CertificateAuthority.fromConfig(
        new ConfigReader({
          apiAccess: { certificates: { maxValidityDays: 0 } },
        }),
      ),
    ).rejects.toThrow(
      'Invalid config at apiAccess.certificates.maxValidityDays: must be a whole number from 1 to 3650, got 0',
    );
  });
});
