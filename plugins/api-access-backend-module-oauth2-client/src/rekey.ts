/*
 * The scheduled sweep: re-seals registration access tokens under the current
 * (first) encryption key, so an old key can be dropped from config once
 * none is left, and retries deleting clients that were orphaned with a
 * token (a rotation rolled back whose delete failed).
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ClientStore } from './ClientStore';
import type { SecretBox } from './SecretBox';
import { OAuth2ClientProvisioner, ratAad } from './OAuth2ClientProvisioner';

export const REKEY_BATCH = 200;

export interface SweepResult {
  resealed: number;
  failed: number;
  remaining: number;
  orphansDeleted: number;
}

export async function sweepClients(options: {
  store: ClientStore;
  box: SecretBox;
  provisioner: OAuth2ClientProvisioner;
  logger: LoggerService;
  batch?: number;
}): Promise<SweepResult> {
  const { store, box, provisioner, logger } = options;
  const batch = options.batch ?? REKEY_BATCH;
  const rows = await store.sealedWithOtherKey(box.currentKeyId, batch);
  let resealed = 0;
  let failed = 0;
  for (const row of rows) {
    const sealed = row.sealedRegistrationAccessToken!;
    try {
      const plain = box.open(sealed, ratAad(row.id));
      const replaced = await store.replaceSealedToken(
        row.id,
        sealed,
        box.seal(plain, ratAad(row.id)),
        box.currentKeyId,
      );
      if (replaced) resealed += 1;
    } catch (error) {
      failed += 1;
      logger.warn(
        `The registration access token of OAuth2 client row ${
          row.id
        } could not be re-sealed: ${(error as Error).message}`,
      );
    }
  }
  const remaining = await store.countSealedWithOtherKey(box.currentKeyId);
  if (resealed > 0) {
    logger.info(
      remaining === 0
        ? `Re-sealed ${resealed} registration access tokens under encryption key '${box.currentKeyId}'; none is sealed with another key, so older keys can be removed from apiAccess.oauth2Client.encryption.keys`
        : `Re-sealed ${resealed} registration access tokens under encryption key '${box.currentKeyId}'; ${remaining} still sealed with other keys`,
    );
  }

  let orphansDeleted = 0;
  for (const orphan of await store.deletableOrphans(20)) {
    try {
      await provisioner.deleteClient(orphan);
      orphansDeleted += 1;
    } catch (error) {
      logger.warn(
        `Orphaned OAuth2 client ${orphan.clientId} of grant ${
          orphan.grantId
        } could not be deleted yet: ${(error as Error).message}`,
      );
    }
  }
  return { resealed, failed, remaining, orphansDeleted };
}
