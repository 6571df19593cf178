/**
 * Module boundaries of UBOS (ARCHITECTURE.md §1, §3). `pnpm check:boundaries` fails on any
 * violation. Paths are relative to the directory depcruise runs in (the repository root).
 * @type {import('dependency-cruiser').IConfiguration}
 */
const path = require('node:path');

const CONTRACTS = '^packages/domains/[^/]+/src/contracts\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cross-domain-internals',
      comment:
        'A domain may import another domain only through its contracts (@ubos/<other>/contracts, i.e. src/contracts.ts). ' +
        'Talk to other domains through events and workflow actions.',
      severity: 'error',
      from: { path: '^packages/domains/([^/]+)/' },
      to: {
        path: '^packages/domains/([^/]+)/',
        pathNot: ['^packages/domains/$1/', CONTRACTS],
      },
    },
    {
      name: 'no-domain-imports-apps',
      comment: 'Domains never import the host or the web app: the host composes domains, not the other way round.',
      severity: 'error',
      from: { path: '^packages/domains/' },
      to: { path: '^apps/' },
    },
    {
      name: 'platform-imports-no-domain-or-app',
      comment: 'The kernel knows no domain, integration or app; they depend on it.',
      severity: 'error',
      from: { path: '^packages/platform/' },
      to: { path: '^(packages/domains|packages/integrations|apps)/' },
    },
    {
      name: 'web-imports-only-router-type-and-contracts',
      comment:
        'apps/web may import its own files, npm packages, domain contracts and the AppRouter type (import type from @ubos/api/router). Nothing else of the server. ' +
        'Its browser tests (apps/web/test, never bundled) may use the platform test harness to start the real host.',
      severity: 'error',
      from: { path: '^apps/web/', pathNot: '^apps/web/test/' },
      to: {
        path: '^(apps|packages)/',
        // revenue's money.ts: the pure computeInvoice the editor's live totals share with the server and the PDF.
        pathNot: ['^apps/web/', '^apps/api/src/router\\.ts$', CONTRACTS, '^packages/domains/revenue/src/money\\.ts$'],
      },
    },
    {
      name: 'web-imports-router-as-type-only',
      comment: 'apps/web may read the AppRouter type, never the router itself (that would bundle the server).',
      severity: 'error',
      from: { path: '^apps/web/' },
      to: { path: '^apps/api/src/router\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that cannot be resolved is a typo or a missing dependency.',
      severity: 'error',
      from: { pathNot: '(^|/)node_modules/' },
      to: { couldNotResolve: true, pathNot: '^(virtual:|/)' },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '(^|/)(node_modules|dist|coverage|\\.turbo|\\.data)/' },
    // See `import type` edges, so the web rule can tell a type import from a value import.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.base.json') },
    enhancedResolveOptions: {
      // Workspace packages resolve through their package.json "exports" to .ts sources.
      exportsFields: ['exports'],
      conditionNames: ['types', 'import', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    // Resolve pnpm's workspace symlinks to the real package paths the rules talk about.
    preserveSymlinks: false,
    combinedDependencies: false,
    moduleSystems: ['es6', 'cjs'],
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
