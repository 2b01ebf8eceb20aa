// Compiles the shared ledger's contracts with solc-js (the version package-lock.json pins), EVM "paris", and writes each
// contract's ABI and bytecode beside its source as <Name>.json. With --check it writes nothing and exits 1 when a
// committed artifact no longer matches what its source compiles to. --sources DIR reads (and writes) another folder of
// contracts than cloud/AgriInsure.Ledger.Evm/Contracts (the drift test checks a changed copy).
import { readFileSync, writeFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");
const here = dirname(fileURLToPath(import.meta.url));
const at = process.argv.indexOf("--sources");
const sources = at > 0 ? resolve(process.argv[at + 1]) : resolve(here, "../../cloud/AgriInsure.Ledger.Evm/Contracts");
const check = process.argv.includes("--check");

const files = readdirSync(sources).filter(f => f.endsWith(".sol")).sort();
const input = {
  language: "Solidity",
  sources: Object.fromEntries(files.map(f => [f, { content: readFileSync(join(sources, f), "utf8") }])),
  settings: {
    evmVersion: "paris",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const findImports = path => {
  const file = join(here, "node_modules", path);
  return existsSync(file) ? { contents: readFileSync(file, "utf8") } : { error: `not found: ${path}` };
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors ?? []).filter(e => e.severity === "error");
for (const e of output.errors ?? []) console.error(e.formattedMessage.trim());
if (errors.length > 0) process.exit(2);

let stale = 0;
for (const file of files) {
  for (const [name, contract] of Object.entries(output.contracts[file] ?? {})) {
    const artifact = JSON.stringify({
      contract: name,
      compiler: `solc ${solc.version()}`,
      evmVersion: "paris",
      abi: contract.abi,
      bytecode: "0x" + contract.evm.bytecode.object,
    }, null, 2) + "\n";
    const target = join(sources, `${name}.json`);
    const current = existsSync(target) ? readFileSync(target, "utf8") : "";
    if (check) {
      if (current !== artifact) {
        console.error(`${target} does not match ${file}: run node tools/contracts/build.mjs`);
        stale++;
      }
    } else if (current !== artifact) {
      writeFileSync(target, artifact);
      console.log(`wrote ${target}`);
    }
  }
}
process.exit(stale > 0 ? 1 : 0);
