/*
 * The certificate authority behind `mtls-certificate` credentials. It signs
 * requesters' CSRs (their private keys never reach us) and the CRL gateways
 * load to refuse revoked certificates.
 *
 * Everything about the issued certificate is decided here, not by the CSR:
 * the CSR only proves possession of a key (its self-signature is verified)
 * and hands over the public key. Its subject and extensions are ignored.
 *
 * The CA is read from `apiAccess.certificates` apart from the review policy,
 * because that section holds a private key, and it is checked at start-up:
 * a key that does not match the certificate, a certificate that is not a CA,
 * or an unsupported key type stops the backend with a message naming the key.
 */
import './reflectPolyfill';
import {
  KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import { Config } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto as unknown as Crypto;
if (!x509.cryptoProvider.has(x509.CryptoProvider.DEFAULT)) {
  x509.cryptoProvider.set(crypto);
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** Client clocks run a little behind: certificates start 5 minutes early. */
const BACKDATE_MS = 5 * 60 * 1000;
const CRL_NUMBER_OID = '2.5.29.20';
const CONFIG_KEY = 'apiAccess.certificates';

export const CERTIFICATE_ORGANIZATION = 'api-access';

export interface CertificateAuthorityOptions {
  /** PEM of the CA certificate: exactly one certificate. */
  certificatePem: string;
  /** PEM of the CA's private key (PKCS#8, PKCS#1 or SEC1; not encrypted). */
  privateKeyPem: string;
  /** Longest validity of an issued certificate. Default 90. */
  maxValidityDays?: number;
  /** nextUpdate of a CRL, counted from its thisUpdate. Default 24. */
  crlValidityHours?: number;
  clock?: () => Date;
}

export interface SignOptions {
  /** The consumer entity ref, e.g. `component:default/artist-lookup`. */
  subjectCommonName: string;
  /** The latest end of validity: the grant's expiry. */
  notAfter: Date;
  /** Hex serial; a random 16-byte positive one when omitted. */
  serial?: string;
  /** Adds the URI SAN `urn:api-access:grant:<grantId>`. */
  grantId?: string;
  /**
   * Adds the URI SAN `urn:api-access:api:<apiRef>`, so a gateway can check
   * that a certificate was issued for the API it protects.
   */
  apiRef?: string;
}

export interface SignedCertificate {
  certificatePem: string;
  /** Lower-case hex, as in the CRL and `openssl x509 -serial` (there upper-case). */
  serial: string;
  /** SHA-256 of the certificate's DER, lower-case hex. */
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
}

/** Why a certificate is on the CRL (RFC 5280 CRLReason). */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'privilegeWithdrawn'
  /** The grant is suspended: listed until it is resumed (RFC 5280 allows a hold to leave the CRL). */
  | 'certificateHold';

export interface RevokedCertificate {
  serial: string;
  revokedAt: Date;
  reason?: RevocationReason;
}

interface SigningProfile {
  importAlgorithm: RsaHashedImportParams | EcKeyImportParams;
  signingAlgorithm: RsaHashedImportParams | EcdsaParams;
  description: string;
}

/** A random positive 16-byte serial whose first byte is never 0, so its hex never changes length. */
export function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] % 0x7f) + 1;
  return bytes.toString('hex');
}

export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const base64 = Buffer.from(der as ArrayBuffer).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join(
    '\n',
  )}\n-----END ${label}-----\n`;
}

/** PEM blocks of one label, as DER. */
function pemBlocks(text: string, labels: string[]): Buffer[] {
  const blocks: Buffer[] = [];
  const pattern =
    /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (const match of text.matchAll(pattern)) {
    if (!labels.includes(match[1]) || match[1] !== match[3]) continue;
    const body = match[2].replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
      throw new Error(`the ${match[1]} block is not valid base64`);
    }
    blocks.push(Buffer.from(body, 'base64'));
  }
  return blocks;
}

/** Lets PEM come from an env variable written with literal `\n`s. */
function normalisePem(text: string): string {
  return text.includes('\n') ? text : text.replace(/\\n/g, '\n');
}

function invalidCaConfig(key: string, message: string): never {
  throw new Error(`Invalid config at ${CONFIG_KEY}.ca.${key}: ${message}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Supported CA keys: EC P-256 / P-384 and RSA of 2048 bits or more. */
function signingProfileOf(key: KeyObject): SigningProfile | string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') {
      return {
        importAlgorithm: { name: 'ECDSA', namedCurve: 'P-256' },
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        description: 'EC P-256',
      };
    }
    if (details.namedCurve === 'secp384r1') {
      return {
        importAlgorithm: { name: 'ECDSA', namedCurve: 'P-384' },
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
        description: 'EC P-384',
      };
    }
    return `unsupported EC curve '${details.namedCurve}'; use P-256 (prime256v1) or P-384`;
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < 2048) {
      return `RSA key of ${bits} bits is too weak; use 2048 bits or more`;
    }
    const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return {
      importAlgorithm: rsa,
      signingAlgorithm: rsa,
      description: `RSA ${bits}`,
    };
  }
  return `unsupported key type '${key.asymmetricKeyType}'; use an EC P-256 or an RSA (2048 bits or more) key`;
}

function spkiOf(key: KeyObject): Buffer {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return publicKey.export({ type: 'spki', format: 'der' });
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const body = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

const REASONS: Record<RevocationReason, x509.X509CrlReason> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
  privilegeWithdrawn: x509.X509CrlReason.privilegeWithdrawn,
  certificateHold: x509.X509CrlReason.certificateHold,
};

/** Hashes a CSR may be signed with; SHA-1 and MD5 are refused. */
const ACCEPTED_CSR_HASHES = ['SHA-256', 'SHA-384', 'SHA-512'];

export class CertificateAuthority {
  /** Reads `apiAccess.certificates`; undefined when no CA is configured. */
  static async fromConfig(
    root: Config,
    options: { clock?: () => Date } = {},
  ): Promise<CertificateAuthority | undefined> {
    const section = root.getOptionalConfig(CONFIG_KEY);
    if (!section) return undefined;
    const number = (key: string, fallback: number, max: number) => {
      const value = section.getOptionalNumber(key) ?? fallback;
      if (!Number.isInteger(value) || value < 1 || value > max) {
        throw new Error(
          `Invalid config at ${CONFIG_KEY}.${key}: must be a whole number from 1 to ${max}, got ${value}`,
        );
      }
      return value;
    };
    const maxValidityDays = number('maxValidityDays', 90, 3650);
    const crlValidityHours = number('crlValidityHours', 24, 24 * 90);
    const ca = section.getOptionalConfig('ca');
    if (!ca) return undefined;
    const text = (key: string) => {
      const value = ca.getOptionalString(key);
      if (!value?.trim()) {
        throw new Error(
          `Invalid config at ${CONFIG_KEY}.ca.${key}: is required (PEM, e.g. from \${ENV_VAR} or $file)`,
        );
      }
      return value;
    };
    return CertificateAuthority.create({
      certificatePem: text('certificate'),
      privateKeyPem: text('privateKey'),
      maxValidityDays,
      crlValidityHours,
      clock: options.clock,
    });
  }

  /** Parses and checks the CA; throws an Error naming the bad key. */
  static async create(
    options: CertificateAuthorityOptions,
  ): Promise<CertificateAuthority> {
    const clock = options.clock ?? (() => new Date());
    let blocks: Buffer[] = [];
    try {
      blocks = pemBlocks(normalisePem(options.certificatePem), ['CERTIFICATE']);
    } catch (error) {
      invalidCaConfig('certificate', `not valid PEM: ${messageOf(error)}`);
    }
    if (blocks.length !== 1) {
      invalidCaConfig(
        'certificate',
        blocks.length === 0
          ? 'no PEM certificate found (expected -----BEGIN CERTIFICATE-----)'
          : `expected exactly one certificate (the issuing CA), found ${blocks.length}`,
      );
    }
    let caCert: x509.X509Certificate;
    try {
      caCert = new x509.X509Certificate(new Uint8Array(blocks[0]));
      void caCert.publicKey.algorithm;
    } catch (error) {
      invalidCaConfig(
        'certificate',
        `not a readable X.509 certificate: ${messageOf(error)}`,
      );
    }
    const constraints = caCert.getExtension(x509.BasicConstraintsExtension);
    if (!constraints?.ca) {
      invalidCaConfig(
        'certificate',
        `'${caCert.subject}' is not a CA certificate (basicConstraints CA:TRUE is missing)`,
      );
    }
    const usage = caCert.getExtension(x509.KeyUsagesExtension);
    if (
      usage &&
      (!(usage.usages & x509.KeyUsageFlags.keyCertSign) ||
        !(usage.usages & x509.KeyUsageFlags.cRLSign))
    ) {
      invalidCaConfig(
        'certificate',
        `'${caCert.subject}' may not sign certificates and CRLs (keyUsage must include keyCertSign and cRLSign)`,
      );
    }
    const now = clock();
    if (caCert.notAfter.getTime() <= now.getTime()) {
      invalidCaConfig(
        'certificate',
        `'${caCert.subject}' expired on ${caCert.notAfter.toISOString()}`,
      );
    }

    let key: KeyObject;
    try {
      key = createPrivateKey({
        key: normalisePem(options.privateKeyPem),
        format: 'pem',
      });
    } catch (error) {
      // Node's message never quotes the key; encrypted keys end up here too.
      invalidCaConfig(
        'privateKey',
        `not a readable, unencrypted PEM private key (${messageOf(error)})`,
      );
    }
    const signing = signingProfileOf(key);
    if (typeof signing === 'string') invalidCaConfig('privateKey', signing);
    const certificateSpki = spkiOf(
      createPublicKey({
        key: Buffer.from(caCert.publicKey.rawData),
        format: 'der',
        type: 'spki',
      }),
    );
    if (!spkiOf(key).equals(certificateSpki)) {
      invalidCaConfig(
        'privateKey',
        `does not match the public key of the CA certificate '${caCert.subject}'`,
      );
    }
    const signingKey = await crypto.subtle.importKey(
      'pkcs8',
      key.export({ type: 'pkcs8', format: 'der' }),
      signing.importAlgorithm,
      false,
      ['sign'],
    );
    const subjectKeyId =
      caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ??
      Buffer.from(await caCert.publicKey.getKeyIdentifier(crypto)).toString(
        'hex',
      );
    return new CertificateAuthority(
      caCert,
      signingKey,
      signing,
      subjectKeyId,
      options.maxValidityDays ?? 90,
      options.crlValidityHours ?? 24,
      clock,
    );
  }

  /** The CA certificate, PEM: what gateways trust for client certificates. */
  readonly certificatePem: string;

  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
    private readonly profile: SigningProfile,
    private readonly keyId: string,
    readonly maxValidityDays: number,
    readonly crlValidityHours: number,
    private readonly clock: () => Date,
  ) {
    this.certificatePem = toPem(certificate.rawData, 'CERTIFICATE');
  }

  get subject(): string {
    return this.certificate.subject;
  }

  get keyDescription(): string {
    return this.profile.description;
  }

  /**
   * Signs a CSR for a consumer. Throws InputError (400) naming what is wrong
   * with the CSR: not PEM, not a CSR, a bad self-signature, a weak key.
   */
  async sign(csrPem: string, options: SignOptions): Promise<SignedCertificate> {
    const csr = this.parseCsr(csrPem);
    await this.checkCsr(csr);

    const now = this.clock();
    const notBefore = new Date(now.getTime() - BACKDATE_MS);
    const notAfter = new Date(
      Math.min(
        options.notAfter.getTime(),
        now.getTime() + this.maxValidityDays * DAY_MS,
        this.certificate.notAfter.getTime(),
      ),
    );
    // Whole seconds: what the certificate can hold.
    notAfter.setUTCMilliseconds(0);
    if (notAfter.getTime() <= now.getTime()) {
      throw new ConflictError(
        `A certificate ending ${notAfter.toISOString()} would not be valid now`,
      );
    }
    const serial = (options.serial ?? newSerial()).toLowerCase();
    if (!/^(0[1-9a-f]|[1-7][0-9a-f])([0-9a-f]{2}){0,19}$/.test(serial)) {
      throw new Error(
        `Serial '${serial}' must be positive hex of at most 20 bytes, without a leading zero byte`,
      );
    }
    const rsa = this.isRsaKey(csr.publicKey);
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        rsa
          ? x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment
          : x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.AuthorityKeyIdentifierExtension(this.keyId),
      await x509.SubjectKeyIdentifierExtension.create(
        csr.publicKey,
        false,
        crypto,
      ),
    ];
    const names = [
      ...(options.grantId
        ? [
            {
              type: 'url' as const,
              value: `urn:api-access:grant:${options.grantId}`,
            },
          ]
        : []),
      ...(options.apiRef
        ? [
            {
              type: 'url' as const,
              value: `urn:api-access:api:${options.apiRef}`,
            },
          ]
        : []),
    ];
    if (names.length > 0) {
      extensions.push(new x509.SubjectAlternativeNameExtension(names));
    }
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial,
        subject: [
          { O: [CERTIFICATE_ORGANIZATION] },
          { CN: [options.subjectCommonName] },
        ],
        issuer: this.certificate.subjectName,
        notBefore,
        notAfter,
        publicKey: csr.publicKey,
        signingKey: this.signingKey,
        signingAlgorithm: this.profile.signingAlgorithm,
        extensions,
      },
      crypto,
    );
    return {
      certificatePem: toPem(certificate.rawData, 'CERTIFICATE'),
      serial: certificate.serialNumber.toLowerCase(),
      fingerprint: createHash('sha256')
        .update(Buffer.from(certificate.rawData))
        .digest('hex'),
      notBefore,
      notAfter,
    };
  }

  /** A signed X.509 v2 CRL, PEM, valid for `crlValidityHours`. */
  async crl(
    revoked: RevokedCertificate[],
    options: { number?: bigint } = {},
  ): Promise<string> {
    const thisUpdate = this.clock();
    thisUpdate.setUTCMilliseconds(0);
    const nextUpdate = new Date(
      thisUpdate.getTime() + this.crlValidityHours * HOUR_MS,
    );
    // Seconds since 1970 increase across replicas without any shared counter.
    const number = options.number ?? BigInt(thisUpdate.getTime() / 1000);
    const seen = new Set<string>();
    const entries: x509.X509CrlEntryParams[] = [];
    for (const entry of [...revoked].sort((a, b) =>
      a.serial.localeCompare(b.serial),
    )) {
      const serial = entry.serial.toLowerCase();
      if (seen.has(serial)) continue;
      seen.add(serial);
      entries.push({
        serialNumber: serial,
        revocationDate: entry.revokedAt,
        reason: REASONS[entry.reason ?? 'unspecified'],
      });
    }
    const crl = await x509.X509CrlGenerator.create(
      {
        issuer: this.certificate.subjectName,
        thisUpdate,
        nextUpdate,
        entries,
        signingKey: this.signingKey,
        signingAlgorithm: this.profile.signingAlgorithm,
        extensions: [
          new x509.AuthorityKeyIdentifierExtension(this.keyId),
          new x509.Extension(CRL_NUMBER_OID, false, derInteger(number)),
        ],
      },
      crypto,
    );
    return toPem(crl.rawData, 'X509 CRL');
  }

  private parseCsr(csrPem: string): x509.Pkcs10CertificateRequest {
    if (typeof csrPem !== 'string' || !csrPem.trim()) {
      throw new InputError(
        'csr is required: a PEM certificate signing request',
      );
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(csrPem)) {
      // Refused without being read any further, and never echoed.
      throw new InputError(
        'csr contains a private key: send only the certificate signing request; the private key must never leave you',
      );
    }
    let blocks: Buffer[];
    try {
      blocks = pemBlocks(csrPem, [
        'CERTIFICATE REQUEST',
        'NEW CERTIFICATE REQUEST',
      ]);
    } catch (error) {
      throw new InputError(`csr is not valid PEM: ${messageOf(error)}`);
    }
    if (blocks.length !== 1) {
      throw new InputError(
        blocks.length === 0
          ? 'csr is not a PEM certificate signing request (expected -----BEGIN CERTIFICATE REQUEST-----)'
          : `csr must hold exactly one certificate signing request, found ${blocks.length}`,
      );
    }
    try {
      const csr = new x509.Pkcs10CertificateRequest(new Uint8Array(blocks[0]));
      // Reading these parses the rest of the structure.
      void csr.publicKey.algorithm;
      void csr.signatureAlgorithm;
      return csr;
    } catch (error) {
      throw new InputError(
        `csr could not be parsed as a PKCS#10 certificate signing request: ${messageOf(
          error,
        )}`,
      );
    }
  }

  private async checkCsr(csr: x509.Pkcs10CertificateRequest) {
    let key: KeyObject;
    try {
      key = createPublicKey({
        key: Buffer.from(csr.publicKey.rawData),
        format: 'der',
        type: 'spki',
      });
    } catch (error) {
      throw new InputError(
        `csr public key could not be read: ${messageOf(error)}`,
      );
    }
    const details = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === 'rsa') {
      const bits = details.modulusLength ?? 0;
      if (bits < 2048) {
        throw new InputError(
          `csr key is too weak: RSA ${bits} bits; use RSA 2048 bits or more, or EC P-256`,
        );
      }
      if (bits > 8192) {
        throw new InputError(
          `csr key is too large: RSA ${bits} bits; use at most 8192 bits`,
        );
      }
    } else if (key.asymmetricKeyType === 'ec') {
      if (
        !['prime256v1', 'secp384r1', 'secp521r1'].includes(
          details.namedCurve ?? '',
        )
      ) {
        throw new InputError(
          `csr key uses the unsupported EC curve '${details.namedCurve}'; use P-256, P-384 or P-521`,
        );
      }
    } else {
      throw new InputError(
        `csr key type '${key.asymmetricKeyType}' is not supported; use EC P-256 or RSA 2048 bits or more`,
      );
    }

    const algorithm = csr.signatureAlgorithm as x509.HashedAlgorithm;
    const hash =
      typeof algorithm.hash === 'string'
        ? algorithm.hash
        : algorithm.hash?.name;
    if (!hash || !ACCEPTED_CSR_HASHES.includes(hash.toUpperCase())) {
      throw new InputError(
        `csr is signed with ${
          hash ?? algorithm.name
        }, which is too weak or unsupported; sign it with SHA-256`,
      );
    }
    let valid = false;
    try {
      valid = await csr.verify(crypto);
    } catch (error) {
      throw new InputError(
        `csr signature could not be checked: ${messageOf(error)}`,
      );
    }
    if (!valid) {
      throw new InputError(
        'csr signature does not match its public key: the request was altered, or signed with another key',
      );
    }
  }

  private isRsaKey(publicKey: x509.PublicKey): boolean {
    return publicKey.algorithm.name.startsWith('RSA');
  }
}
