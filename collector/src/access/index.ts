export { Principals, tokenView } from './api-tokens.js';
export { auditor, type Auditor } from './audit.js';
export { AuthFailures, installGuard, principalOf, type RouteAccess } from './guard.js';
export { type Access, clientsOf, type Principal, principalName, requireClient, scopeFor, seesClient, visibleClients } from './principal.js';
