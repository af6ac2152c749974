/*
 * The incident revocation batches and their items (migration
 * 20261203020000): the only writer of both tables. An item's `revoked`
 * outcome is written inside the grant's own revocation transaction, so a
 * batch never claims a revocation that did not commit.
 */
import { Knex } from 'knex';
import type {
  RevocationOutcome,
  RevocationSelector,
} from '@api-access/backstage-plugin-api-access-common';
import { toIso } from '../rows';

const BATCHES = 'api_access_revocation_batches';
const ITEMS = 'api_access_revocation_batch_items';

type Db = Knex | Knex.Transaction;

interface BatchRow {
  id: string;
  started_by: string;
  started_at: Date | string | number;
  finished_at: Date | string | number | null;
  selector_kind: string;
  selector_ref: string;
  reason: string;
  left_out: number;
}

interface ItemRow {
  batch_id: string;
  grant_id: string;
  position: number;
  outcome: RevocationOutcome;
  error: string | null;
}

export interface StoredBatch {
  id: string;
  startedBy: string;
  startedAt: string;
  finishedAt?: string;
  selector: RevocationSelector;
  reason: string;
  leftOut: number;
}

export interface StoredBatchItem {
  grantId: string;
  outcome: RevocationOutcome;
  error?: string;
}

const SELECTOR_KINDS = ['apiRef', 'consumerRef', 'requesterRef'] as const;

function toBatch(row: BatchRow): StoredBatch {
  const kind = SELECTOR_KINDS.find(k => k === row.selector_kind) ?? 'apiRef';
  return {
    id: row.id,
    startedBy: row.started_by,
    startedAt: toIso(row.started_at),
    finishedAt: row.finished_at ? toIso(row.finished_at) : undefined,
    selector: { [kind]: row.selector_ref } as RevocationSelector,
    reason: row.reason,
    leftOut: Number(row.left_out),
  };
}

/** The selector's one key and its ref. */
export function selectorParts(selector: {
  apiRef?: string;
  consumerRef?: string;
  requesterRef?: string;
}): {
  kind: (typeof SELECTOR_KINDS)[number];
  ref: string;
} {
  for (const kind of SELECTOR_KINDS) {
    const ref = (selector as Record<string, string | undefined>)[kind];
    if (ref) return { kind, ref };
  }
  throw new Error('A revocation selector names an API, consumer or requester');
}

export class RevocationBatchStore {
  constructor(readonly db: Knex) {}

  async insertBatch(
    db: Db,
    batch: {
      id: string;
      startedBy: string;
      startedAt: Date;
      selector: RevocationSelector;
      reason: string;
      leftOut: number;
    },
  ) {
    const { kind, ref } = selectorParts(batch.selector);
    await db<BatchRow>(BATCHES).insert({
      id: batch.id,
      started_by: batch.startedBy,
      started_at: batch.startedAt,
      finished_at: null,
      selector_kind: kind,
      selector_ref: ref,
      reason: batch.reason,
      left_out: batch.leftOut,
    });
  }

  async addItem(
    db: Db,
    batchId: string,
    item: StoredBatchItem & { position: number },
  ) {
    await db<ItemRow>(ITEMS).insert({
      batch_id: batchId,
      grant_id: item.grantId,
      position: item.position,
      outcome: item.outcome,
      error: item.error ?? null,
    });
  }

  async finish(db: Db, batchId: string, at: Date) {
    await db<BatchRow>(BATCHES)
      .where({ id: batchId })
      .update({ finished_at: at });
  }

  async getBatch(db: Db, id: string): Promise<StoredBatch | undefined> {
    const row = await db<BatchRow>(BATCHES).where({ id }).first();
    return row ? toBatch(row) : undefined;
  }

  async items(db: Db, batchId: string): Promise<StoredBatchItem[]> {
    const rows = await db<ItemRow>(ITEMS)
      .where({ batch_id: batchId })
      .orderBy('position');
    return rows.map(row => ({
      grantId: row.grant_id,
      outcome: row.outcome,
      error: row.error ?? undefined,
    }));
  }
}
