#!/usr/bin/env node
/*
 * Offline check of an api-access audit export (GET /audit/export), for
 * auditors: needs Node.js 18+ and nothing else, not the backend, not the
 * database. It rehashes every event exactly as the backend's AuditLog does
 * (SHA-256 over the previous hash, a newline and the JSON array of the
 * hashed fields), checks that each event links to the one before it and the
 * first to the trailer's anchor, and checks the trailer (count, span, head,
 * the backend's own verification). Reads JSON Lines or CSV, from a file or
 * stdin, streaming, so a file of millions of events needs little memory.
 *
 *   verify-audit-export [--format ndjson|csv] [--anchor <hash>] [--json] [file | -]
 *
 * --anchor: the hash the span must start from (e.g. the last hash of the
 * previous period's export), instead of trusting the trailer's. Exits 0 when
 * the file verifies, 1 when it does not (the first problem is printed), 2 on
 * a usage or read error.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';

const FORMAT_ID = 'api-access-audit-export/1';
const GENESIS = '0'.repeat(64);
const COLUMNS = [
  'type',
  'seq',
  'id',
  'subjectType',
  'subjectId',
  'requestId',
  'action',
  'actorRef',
  'occurredAt',
  'fromStatus',
  'toStatus',
  'details',
  'prevHash',
  'hash',
];
const NULLABLE = new Set(['requestId', 'fromStatus', 'toStatus']);
const HEX64 = /^[0-9a-f]{64}$/;

/** The chain hash of one event, exactly as AuditLog's hashOf computes it. */
function hashOfEvent(event) {
  const canonical = JSON.stringify([
    Number(event.seq),
    event.id,
    event.subjectType,
    event.subjectId,
    event.requestId,
    event.action,
    event.actorRef,
    event.occurredAt,
    event.fromStatus,
    event.toStatus,
    event.details,
  ]);
  return createHash('sha256')
    .update(`${event.prevHash}\n${canonical}`)
    .digest('hex');
}

class Broken extends Error {}

/** Records of a CSV stream (RFC 4180); an unquoted empty field is null. */
async function* csvRecords(chunks) {
  let record = [];
  let field = '';
  let quoted = false; // the current field was quoted
  let inQuotes = false;
  let afterQuote = false; // just read a quote inside quotes
  let pendingCr = false;
  let any = false; // the record has begun
  const endField = () => {
    // Unquoted and empty is null; quoted (even "") is the text itself.
    record.push(!quoted && field === '' ? null : field);
    field = '';
    quoted = false;
  };
  for await (const chunk of chunks) {
    for (const c of chunk) {
      if (pendingCr) {
        pendingCr = false;
        if (c === '\n') continue;
      }
      if (inQuotes) {
        if (afterQuote) {
          afterQuote = false;
          if (c === '"') {
            field += '"';
            continue;
          }
          inQuotes = false; // the closing quote; c is read below
        } else if (c === '"') {
          afterQuote = true;
          continue;
        } else {
          field += c;
          continue;
        }
      }
      if (c === '"') {
        if (field !== '' || quoted) {
          throw new Broken('a quote inside an unquoted CSV field');
        }
        quoted = true;
        inQuotes = true;
        any = true;
      } else if (c === ',') {
        endField();
        any = true;
      } else if (c === '\r' || c === '\n') {
        if (c === '\r') pendingCr = true;
        endField();
        yield record;
        record = [];
        any = false;
      } else {
        if (quoted) throw new Broken('text after a closing quote in CSV');
        field += c;
        any = true;
      }
    }
  }
  if (inQuotes && !afterQuote) throw new Broken('a CSV field is never closed');
  if (any || field !== '' || quoted) {
    endField();
    yield record;
  }
}

/** Lines of a JSON Lines stream, parsed. */
async function* ndjsonRecords(chunks) {
  let rest = '';
  let line = 0;
  const parse = text => {
    line += 1;
    try {
      return JSON.parse(text);
    } catch {
      throw new Broken(`line ${line} is not JSON`);
    }
  };
  for await (const chunk of chunks) {
    rest += chunk;
    for (
      let newline = rest.indexOf('\n');
      newline >= 0;
      newline = rest.indexOf('\n')
    ) {
      const text = rest.slice(0, newline).replace(/\r$/, '');
      rest = rest.slice(newline + 1);
      if (text !== '') yield parse(text);
      else line += 1;
    }
  }
  if (rest.replace(/\r$/, '') !== '') yield parse(rest.replace(/\r$/, ''));
}

/** Turns a CSV row into the object an ndjson line would hold. */
function fromCsv(row, index) {
  if (row.length !== COLUMNS.length) {
    throw new Broken(
      `CSV row ${index} has ${row.length} columns, not ${COLUMNS.length}`,
    );
  }
  const value = Object.fromEntries(COLUMNS.map((c, i) => [c, row[i]]));
  if (value.type === 'trailer') {
    try {
      return JSON.parse(value.details ?? '');
    } catch {
      throw new Broken(`CSV row ${index}: the trailer is not JSON`);
    }
  }
  if (typeof value.seq === 'string' && /^\d+$/.test(value.seq)) {
    value.seq = Number(value.seq);
  }
  return value;
}

function checkEventShape(event, where) {
  if (!Number.isSafeInteger(event.seq) || event.seq < 1) {
    throw new Broken(`${where}: seq is not a positive whole number`);
  }
  for (const column of COLUMNS.slice(2)) {
    const v = event[column];
    if (v === null && NULLABLE.has(column)) continue;
    if (typeof v !== 'string') {
      throw new Broken(`${where} (event ${event.seq}): ${column} is missing`);
    }
  }
}

/**
 * Verifies an export read from `chunks` (strings). Returns a summary;
 * throws Broken with the first problem.
 */
async function verifyExport(chunks, options = {}) {
  const records =
    options.format === 'csv' ? csvRecords(chunks) : ndjsonRecords(chunks);
  let index = 0;
  let count = 0;
  let first;
  let last;
  let trailer;
  for await (const raw of records) {
    index += 1;
    let record = raw;
    if (options.format === 'csv') {
      if (index === 1) {
        if (raw.join(',') !== COLUMNS.join(',')) {
          throw new Broken(`the CSV header is not ${COLUMNS.join(',')}`);
        }
        continue;
      }
      record = fromCsv(raw, index);
    }
    const where =
      options.format === 'csv' ? `CSV row ${index}` : `line ${index}`;
    if (trailer) throw new Broken(`${where}: something follows the trailer`);
    if (record === null || typeof record !== 'object') {
      throw new Broken(`${where} is not an object`);
    }
    if (record.type === 'trailer') {
      trailer = record;
      continue;
    }
    if (record.type !== 'event') {
      throw new Broken(`${where}: unknown type ${JSON.stringify(record.type)}`);
    }
    checkEventShape(record, where);
    if (last) {
      if (record.seq !== last.seq + 1) {
        throw new Broken(
          `${where}: event ${record.seq} follows event ${last.seq}; the events between are missing`,
        );
      }
      if (record.prevHash !== last.hash) {
        throw new Broken(
          `${where} (event ${record.seq}): its link to the previous event's hash does not match`,
        );
      }
    }
    if (hashOfEvent(record) !== record.hash) {
      throw new Broken(
        `${where} (event ${record.seq}, ${record.id}): its content does not match its hash`,
      );
    }
    first = first ?? record;
    last = record;
    count += 1;
  }

  if (!trailer) {
    throw new Broken(
      'the trailer is missing: the file is cut short, or not an api-access audit export',
    );
  }
  if (trailer.format !== FORMAT_ID) {
    throw new Broken(`the trailer's format is not ${FORMAT_ID}`);
  }
  if (trailer.count !== count) {
    throw new Broken(
      `the trailer counts ${trailer.count} events, the file holds ${count}`,
    );
  }
  const anchor = trailer.anchor ?? {};
  const head = trailer.head ?? {};
  if (!HEX64.test(String(head.hash)) || !Number.isSafeInteger(head.seq)) {
    throw new Broken("the trailer's head is not a position and a hash");
  }
  if (options.anchor && options.anchor !== anchor.hash) {
    throw new Broken(
      `the span starts from ${anchor.hash}, not from the given anchor ${options.anchor}`,
    );
  }
  if (count > 0) {
    if (first.seq !== trailer.firstSeq || last.seq !== trailer.lastSeq) {
      throw new Broken(
        `the trailer says events ${trailer.firstSeq} to ${trailer.lastSeq}, the file holds ${first.seq} to ${last.seq}`,
      );
    }
    if (anchor.seq !== first.seq - 1 || first.prevHash !== anchor.hash) {
      throw new Broken(
        `event ${first.seq} does not link to the anchor (event ${anchor.seq}, ${anchor.hash})`,
      );
    }
    if (anchor.seq === 0 && anchor.hash !== GENESIS) {
      throw new Broken('the chain does not start from the genesis hash');
    }
    if (last.seq > head.seq) {
      throw new Broken(`event ${last.seq} lies beyond the head ${head.seq}`);
    }
    if (last.seq === head.seq && last.hash !== head.hash) {
      throw new Broken(
        `the last event is the head (event ${head.seq}), but its hash is not the head's`,
      );
    }
  } else if (trailer.lastSeq >= trailer.firstSeq) {
    throw new Broken(
      `the trailer says events ${trailer.firstSeq} to ${trailer.lastSeq}, the file holds none`,
    );
  }
  const verification = trailer.verification ?? {};
  if (verification.ok !== true) {
    const broken = verification.firstBroken;
    throw new Broken(
      `the backend's verification while exporting failed${
        broken ? ` at event ${broken.seq}: ${broken.reason}` : ''
      }`,
    );
  }
  return {
    ok: true,
    count,
    firstSeq: count > 0 ? first.seq : null,
    lastSeq: count > 0 ? last.seq : null,
    anchor,
    head,
    range: trailer.range,
    exportedAt: trailer.exportedAt,
    lastHash: count > 0 ? last.hash : anchor.hash,
  };
}

async function main() {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        anchor: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help || positionals.length > 1) {
    process.stderr.write(
      'usage: verify-audit-export [--format ndjson|csv] [--anchor <hash>] [--json] [file | -]\n',
    );
    return values.help ? 0 : 2;
  }
  const file = positionals[0] ?? '-';
  let format = values.format;
  if (!format) format = /\.csv$/i.test(file) ? 'csv' : 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') {
    process.stderr.write(`--format must be ndjson or csv, not ${format}\n`);
    return 2;
  }
  const input = file === '-' ? process.stdin : createReadStream(file);
  input.setEncoding('utf8');
  try {
    const result = await verifyExport(input, {
      format,
      anchor: values.anchor,
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      const span =
        result.count > 0
          ? `events ${result.firstSeq} to ${result.lastSeq}`
          : 'no events';
      process.stdout.write(
        `OK: ${result.count} events verified (${span}), linked from event ${
          result.anchor.seq
        } (${result.anchor.hash}); last hash ${
          result.lastHash
        }; chain head at export: event ${result.head.seq} (${
          result.head.hash
        }); range ${result.range?.from ?? 'start'} to ${
          result.range?.to ?? 'head'
        }, exported ${result.exportedAt}\n`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof Broken) {
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ ok: false, problem: error.message })}\n`,
        );
      } else {
        process.stdout.write(`BROKEN: ${error.message}\n`);
      }
      return 1;
    }
    process.stderr.write(`cannot read ${file}: ${error.message}\n`);
    return 2;
  }
}

process.exitCode = await main();
