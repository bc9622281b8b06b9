"use strict";
// Lazy provider submodules for the jsii kernel, preloaded with `node --require` (blueprint/__init__.py).
//
// A provider package's lib/index.js (@cdktn/provider-aws, -google, -azurerm) is TypeScript output of
// one `export * as <name> from "./<dir>"` per resource: `exports.<name> = __importStar(require("./<dir>"))`.
// Node runs all of them when the kernel loads the package, so loading @cdktn/provider-aws evaluates
// every one of its ~1,600 submodules (hundreds of MB of JavaScript), some 5 s on two cores, although a
// stack uses a few dozen. This hook rewrites each such line, as the file is compiled, into a getter that
// requires the submodule on first access and then keeps the value. The kernel reaches a class through
// `exports.<name>.<Class>`, so it sees the same objects either way; synthesis output is byte-identical
// (tests/blueprint/test_lazy_providers.py). An index of any other shape is left exactly as it is.
//
// BLUEPRINT_LAZY_PROVIDERS_REPORT=<file> appends one JSON line per rewritten index and per provider
// submodule compiled, so a test can see what the kernel really evaluated.
const fs = require("fs");
const Module = require("module");

const INDEX = /[\\/]node_modules[\\/]@cdktn[\\/]provider-[a-z0-9-]+[\\/]lib[\\/]index\.js$/;
const SUBMODULE = /[\\/]node_modules[\\/]@cdktn[\\/]provider-[a-z0-9-]+[\\/]lib[\\/]([^\\/]+)[\\/]index\.js$/;
const EXPORT = /^exports\.([A-Za-z_$][\w$]*) = __importStar\(require\("(\.\/[^"\\]+)"\)\);$/gm;
const REPORT = process.env.BLUEPRINT_LAZY_PROVIDERS_REPORT;

function report(entry) {
  if (REPORT) fs.appendFileSync(REPORT, `${JSON.stringify(entry)}\n`);
}

// Defines exports.<name> as a getter that loads the submodule once and then keeps the value.
const HELPER = `function __blueprintLazy(name, load) {
  Object.defineProperty(exports, name, {
    enumerable: true,
    configurable: true,
    get() {
      const value = load();
      Object.defineProperty(exports, name, { enumerable: true, value });
      return value;
    },
  });
}
`;

function lazyIndex(source, filename) {
  const requires = (source.match(/\brequire\(/g) || []).length;
  let rewritten = 0;
  const out = source.replace(EXPORT, (_line, name, path) => {
    rewritten += 1;
    return `__blueprintLazy(${JSON.stringify(name)}, () => __importStar(require(${JSON.stringify(path)})));`;
  });
  // Any require() this hook does not understand means a different shape: keep the file as it is.
  if (rewritten === 0 || rewritten !== requires) {
    report({ index: filename, rewritten: 0 });
    return source;
  }
  report({ index: filename, rewritten });
  // Appended, not prepended: a function declaration is hoisted, and the file's "use strict" stays first.
  return `${out}\n${HELPER}`;
}

const compile = Module.prototype._compile;
Module.prototype._compile = function compileLazily(content, filename) {
  if (INDEX.test(filename)) return compile.call(this, lazyIndex(content, filename), filename);
  const submodule = REPORT && SUBMODULE.exec(filename);
  if (submodule) report({ loaded: submodule[1] });
  return compile.call(this, content, filename);
};
