import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { SlaDefinition } from '../../shared/sla/types.js';
import type { CollectorConfig } from './config.js';
import type { StateMachine } from './engine/state-machine.js';
import type { Incidents } from './incidents/wiring.js';
import type { CollectorMetrics } from './metrics.js';
import type { Sink } from './sinks/types.js';
import type { AgentTokens } from './agent-tokens.js';
import type { Store } from './store/types.js';
import type { Principals } from './access/api-tokens.js';
import type { Auditor } from './access/audit.js';
import type { ReportLinks } from './reports/links.js';
import type { ReportSigner } from './reports/signing.js';
import type { FleetConfig } from './fleet/fleet-config.js';
import type { FleetReports } from './fleet/agent-reports.js';

export type VigilFastify = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger, TypeBoxTypeProvider>;

/** What every route gets: passed in, never imported as module state. */
export interface AppContext {
  config: CollectorConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  engine: StateMachine;
  metrics: CollectorMetrics;
  sinks: Sink[];
  definitions: () => readonly SlaDefinition[];
  incidents: Incidents;
  agentTokens: AgentTokens;
  principals: Principals;
  /** Records an admin or operator action (access/audit.ts). */
  audit: Auditor;
  reportSigner: ReportSigner;
  reportLinks: ReportLinks;
  /** Central configuration (fleet.configDir) and what the agents report they run (collector/src/fleet). */
  fleet: FleetConfig;
  fleetReports: FleetReports;
}
