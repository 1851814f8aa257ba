// Prints the package.json of the server image: the repo's, with the optional peers that local models need
// (onnxruntime-node, @huggingface/tokenizers) moved from devDependencies to dependencies at the exact versions
// package-lock.json pins, so `npm ci --omit=dev` installs them from the lockfile. Used by the Dockerfile.
//   node deploy/docker/runtime-package.mjs package.json package-lock.json > runtime/package.json
import { readFileSync } from "node:fs";

const PEERS = ["onnxruntime-node", "@huggingface/tokenizers"];
const [pkgPath = "package.json", lockPath = "package-lock.json"] = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
const locked = JSON.parse(readFileSync(lockPath, "utf8")).packages;
for (const name of PEERS) {
  const version = locked[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${lockPath} does not pin ${name}`);
  pkg.dependencies[name] = version;
  delete pkg.devDependencies[name];
}
process.stdout.write(`${JSON.stringify(pkg, null, 2)}\n`);
