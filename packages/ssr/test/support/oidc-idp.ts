/**
 * The real OpenID provider (node-oidc-provider) the server's provider tests use, shared rather than
 * copied: one IdP harness for every package's tests.
 */
export * from '../../../server/test/support/oidc-idp.js';
