#!/usr/bin/env node
/*
 * Lists the largest functions (by lines, first to last line of the body) in the plugins'
 * non-test source, so docs/architecture.md's "largest function" figure can be re-measured.
 * Uses the TypeScript compiler's parser only: no type check, no build.
 *
 *   node scripts/largest-functions.mjs [count=10] [glob root=plugins]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(new URL('..', import.meta.url).pathname);
const count = Number(process.argv[2] ?? 10);
const base = join(root, process.argv[3] ?? 'plugins');

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.'))
      continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (
      /\.tsx?$/.test(name) &&
      !/\.d\.ts$/.test(name) &&
      !/\.test\.tsx?$/.test(name) &&
      !path.includes('__testUtils__') &&
      !path.includes('/generated/')
    )
      yield path;
  }
}

function nameOf(node, sf) {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent))
    return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  if (parent && ts.isCallExpression(parent)) {
    const callee = parent.expression.getText(sf);
    const first = parent.arguments[0];
    const label = first && ts.isStringLiteral(first) ? ` ${first.text}` : '';
    return `(callback of ${callee}${label})`;
  }
  return '(anonymous)';
}

const found = [];
for (const dirent of readdirSync(base)) {
  const src = join(base, dirent, 'src');
  try {
    statSync(src);
  } catch {
    continue;
  }
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = node => {
      if (ts.isFunctionLike(node) && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        found.push({
          lines: end - start + 1,
          where: `${relative(root, file)}:${start + 1}`,
          name: nameOf(node, sf),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
}
found.sort((a, b) => b.lines - a.lines);
for (const f of found.slice(0, count)) {
  console.log(`${String(f.lines).padStart(5)}  ${f.name}  ${f.where}`);
}
