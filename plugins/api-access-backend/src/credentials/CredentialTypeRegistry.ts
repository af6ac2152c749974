/*
 * The credential types this backend offers: the core's `api-key` and
 * `mtls-certificate`, then whatever backend modules added through
 * `apiAccessCredentialTypesExtensionPoint`. Requests name one by id; the
 * request form lists them (GET /credential-types); a module type's
 * credentials are issued by CredentialIssuer, its remote work runs as a
 * provisioner of its own grants, and bearer-token types are asked about
 * tokens at /authorize and /introspect.
 *
 * The built-in types keep their own issue paths (CredentialService for API
 * keys, CertificateService for certificates): here they only describe
 * themselves and say whether they are offered.
 */
import { ConflictError, InputError } from '@backstage/errors';
import type {
  ApiAccessCredentialType,
  ApiAccessProvisioner,
  CredentialPresentation,
  CredentialTypeAvailability,
} from '@api-access/backstage-plugin-api-access-node';
import type { CredentialTypeInfo } from '@api-access/backstage-plugin-api-access-common';
import { excerpt } from '@api-access/backstage-plugin-api-access-common';

/** What a credential type id looks like (requests and grants store it). */
export const CREDENTIAL_TYPE_ID = /^[a-z][a-z0-9-]{1,31}$/;

const PRESENTATIONS: readonly CredentialPresentation[] = [
  'api-key',
  'bearer-token',
  'client-certificate',
];

/** Today's reason, kept word for word: requests and tests quote it. */
export const NO_CA_REASON =
  'this Backstage has no certificate authority configured (apiAccess.certificates.ca)';

function builtInOnly(id: string): never {
  throw new Error(
    `The built-in credential type '${id}' is issued by its own route, not through CredentialIssuer`,
  );
}

/** The core's two types, as descriptors. */
function builtInTypes(options: {
  certificatesConfigured: () => boolean;
}): ApiAccessCredentialType[] {
  return [
    {
      id: 'api-key',
      title: 'API key',
      description:
        'A secret key sent in a request header; the gateway checks it on every call. Shown once when issued, rotated with an overlap.',
      presentation: 'api-key',
      availability: () => ({ offered: true }),
      issue: async () => builtInOnly('api-key'),
    },
    {
      id: 'mtls-certificate',
      title: 'mTLS client certificate',
      description:
        'A client certificate signed by this Backstage’s certificate authority for a key you keep; the gateway checks it in the TLS handshake.',
      presentation: 'client-certificate',
      availability: () =>
        options.certificatesConfigured()
          ? { offered: true }
          : { offered: false, reason: NO_CA_REASON },
      issue: async () => builtInOnly('mtls-certificate'),
    },
  ];
}

/**
 * A type's provisioner as the queue runs it: for that type's grants only,
 * whatever the module set (its `credentialTypes` is forced to the type).
 */
function ownGrantsOnly(
  typeId: string,
  provisioner: ApiAccessProvisioner,
): ApiAccessProvisioner {
  return {
    id: provisioner.id,
    credentialTypes: [typeId],
    provision: task => provisioner.provision(task),
    revoke: task => provisioner.revoke(task),
    ...(provisioner.rotate
      ? { rotate: task => provisioner.rotate!(task) }
      : {}),
    ...(provisioner.retire
      ? { retire: task => provisioner.retire!(task) }
      : {}),
  };
}

export interface CredentialTypeRegistryOptions {
  /** Whether a certificate authority is configured (mtls-certificate is offered). */
  certificatesConfigured: () => boolean;
  /** The types backend modules added, in the order they were added. */
  moduleTypes?: ApiAccessCredentialType[];
}

export class CredentialTypeRegistry {
  private readonly types = new Map<string, ApiAccessCredentialType>();
  private readonly builtIns = new Set<string>();

  constructor(options: CredentialTypeRegistryOptions) {
    for (const type of builtInTypes(options)) {
      this.types.set(type.id, type);
      this.builtIns.add(type.id);
    }
    for (const type of options.moduleTypes ?? []) this.register(type);
  }

  /** Adds a module's type; a bad or taken id is a start-up error. */
  register(type: ApiAccessCredentialType) {
    const id = String(type?.id ?? '');
    if (!CREDENTIAL_TYPE_ID.test(id)) {
      throw new Error(
        `An api-access credential type has the id '${excerpt(
          id,
        )}'; ids must match ${CREDENTIAL_TYPE_ID} (lowercase letters, digits and dashes, 2-32 characters)`,
      );
    }
    if (this.builtIns.has(id)) {
      throw new Error(
        `A backend module adds the credential type '${id}', which is built into api-access; choose another id`,
      );
    }
    if (this.types.has(id)) {
      throw new Error(
        `Two api-access credential types have the id '${id}'; ids must be unique`,
      );
    }
    if (!PRESENTATIONS.includes(type.presentation)) {
      throw new Error(
        `The api-access credential type '${id}' has the presentation '${excerpt(
          String(type.presentation),
        )}'; it must be one of ${PRESENTATIONS.join(', ')}`,
      );
    }
    if (
      type.presentation === 'bearer-token' &&
      typeof type.verifyToken !== 'function'
    ) {
      throw new Error(
        `The api-access credential type '${id}' presents bearer tokens but has no verifyToken()`,
      );
    }
    this.types.set(id, type);
  }

  get(id: string): ApiAccessCredentialType | undefined {
    return this.types.get(id);
  }

  isBuiltIn(id: string): boolean {
    return this.builtIns.has(id);
  }

  /** Every installed type, the built-ins first. */
  all(): ApiAccessCredentialType[] {
    return Array.from(this.types.values());
  }

  /** A type's availability; a type that throws is not offered, with why. */
  availability(id: string): CredentialTypeAvailability {
    const type = this.types.get(id);
    if (!type) {
      return {
        offered: false,
        reason: 'no credential type of that name is installed',
      };
    }
    try {
      const answer = type.availability();
      if (answer?.offered === true) return { offered: true };
      return {
        offered: false,
        reason:
          (answer && 'reason' in answer && answer.reason) ||
          'its module says it is not available',
      };
    } catch (error) {
      return {
        offered: false,
        reason: `its module could not tell whether it is available (${excerpt(
          String(error instanceof Error ? error.message : error),
          200,
        )})`,
      };
    }
  }

  /** The ids offered now. */
  offeredIds(): string[] {
    return this.all()
      .filter(type => this.availability(type.id).offered)
      .map(type => type.id);
  }

  /** Why `id` cannot be chosen now, or undefined when it can. */
  refusal(id: string): string | undefined {
    const availability = this.availability(id);
    if (availability.offered) return undefined;
    return `credentialType '${excerpt(id)}' is not offered here: ${
      availability.reason
    }; offered: ${this.offeredIds().join(', ') || 'none'}`;
  }

  /** For new requests: 400 naming the type, why, and what is offered. */
  assertOffered(id: string) {
    const refusal = this.refusal(id);
    if (refusal) throw new InputError(refusal);
  }

  /** For renewals of an existing grant: 409, its type is gone or no longer offered. */
  assertStillOffered(id: string) {
    const refusal = this.refusal(id);
    if (refusal) {
      throw new ConflictError(`The grant cannot be renewed: ${refusal}`);
    }
  }

  /** GET /credential-types. */
  list(): CredentialTypeInfo[] {
    return this.all().map(type => {
      const availability = this.availability(type.id);
      return {
        id: type.id,
        title: type.title,
        description: type.description,
        presentation: type.presentation,
        offered: availability.offered,
        ...(availability.offered ? {} : { reason: availability.reason }),
      };
    });
  }

  /** Types whose credentials are bearer tokens (asked at /authorize and /introspect). */
  tokenTypes(): ApiAccessCredentialType[] {
    return this.all().filter(type => type.presentation === 'bearer-token');
  }

  /** The module types' provisioners, each for its own type's grants only. */
  provisioners(): ApiAccessProvisioner[] {
    return this.all().flatMap(type =>
      type.provisioner ? [ownGrantsOnly(type.id, type.provisioner)] : [],
    );
  }
}
