// Counts type assertions (`x as T` and `<T>x`, not `as const`) in src/: issue 11 keeps them under
// 40, and test/unit/type-assertions.test.ts holds that line.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface Assertion {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

export function typeAssertions(dir: string): Assertion[] {
  const found: Assertion[] = [];
  for (const file of sourceFiles(dir)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !(ts.isTypeReferenceNode(node.type) && node.type.getText(source) === 'const')) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push({ file: path.relative(process.cwd(), file), line: line + 1, text: node.getText(source).slice(0, 80) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('scripts', 'count-assertions.ts'))) {
  const found = typeAssertions(path.resolve(process.argv[2] ?? 'src'));
  for (const a of found) console.log(`${a.file}:${a.line}  ${a.text}`);
  console.log(`${found.length} type assertions`);
}
