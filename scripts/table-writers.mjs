#!/usr/bin/env node
/*
 * Which source files write each database table: a knex chain that starts at a table
 * (`tx(GRANTS)`, `db('api_access_grants')`, `.into(...)`, `.table(...)`) and calls insert,
 * update, del/delete, increment or decrement. docs/architecture.md's "one writer per
 * table" figure comes from here. Parser only: tables named through a variable of another
 * module are not followed.
 *
 *   node scripts/table-writers.mjs [src dir=plugins/api-access-backend/src]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(new URL('..', import.meta.url).pathname);
const base = resolve(root, process.argv[2] ?? 'plugins/api-access-backend/src');
const WRITES = new Set([
  'insert',
  'update',
  'del',
  'delete',
  'increment',
  'decrement',
]);

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (
      /\.ts$/.test(name) &&
      !/\.test\.ts$/.test(name) &&
      !path.includes('__testUtils__')
    )
      yield path;
  }
}

const writers = new Map();
for (const file of sourceFiles(base)) {
  const sf = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const constants = new Map();
  const collect = node => {
    if (
      ts.isVariableDeclaration(node) &&
      node.initializer &&
      ts.isStringLiteral(node.initializer) &&
      node.initializer.text.startsWith('api_access_')
    )
      constants.set(node.name.getText(sf), node.initializer.text);
    ts.forEachChild(node, collect);
  };
  collect(sf);
  const tableOf = arg => {
    if (!arg) return undefined;
    if (ts.isStringLiteral(arg) && arg.text.startsWith('api_access_'))
      return arg.text;
    if (ts.isIdentifier(arg)) return constants.get(arg.text);
    return undefined;
  };
  const visit = node => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      WRITES.has(node.expression.name.text)
    ) {
      // Walk down the chain to the call that names the table.
      let cur = node.expression.expression;
      while (cur) {
        if (ts.isCallExpression(cur)) {
          const t = tableOf(cur.arguments[0]);
          if (t) {
            if (!writers.has(t)) writers.set(t, new Set());
            writers.get(t).add(relative(base, file));
            break;
          }
          cur = ts.isPropertyAccessExpression(cur.expression)
            ? cur.expression.expression
            : undefined;
        } else if (ts.isPropertyAccessExpression(cur)) cur = cur.expression;
        else if (ts.isAwaitExpression(cur) || ts.isParenthesizedExpression(cur))
          cur = cur.expression;
        else break;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
for (const [table, files] of [...writers].sort()) {
  console.log(
    `${table}: ${files.size} writer${files.size === 1 ? '' : 's'} (${[...files]
      .sort()
      .join(', ')})`,
  );
}
