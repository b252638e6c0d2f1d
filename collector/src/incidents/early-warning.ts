import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import { selectDefinition } from '../../../shared/sla/definition.js';
import type { ServiceFigures, SlaDefinition } from '../../../shared/sla/types.js';
import type { IncidentKind, IncidentRow, IncidentStore } from '../store/types.js';
import type { WarningFacts } from './messages.js';
import type { IncidentNotifier } from './notifier.js';
import { DEFAULT_PRIORITY } from './recorder.js';

type Window = keyof NonNullable<ServiceFigures['burnRate']>;
export interface BurnRule {
  long: Window;
  short: Window;
  factor: number;
}

/**
 * Multi-window, multi-burn-rate rules (Google SRE workbook, ch. 5): an alert needs both
 * the long window (significance) and its 1/12 short window (still happening) above the
 * factor. 14.4 over 1 h spends 2 % of a 30-day budget; 6 over 6 h 5 %; 3 over 24 h and
 * 1 over 72 h are the slow burns. A factor ≥ 6 is "fast" (critical), lower ones "slow".
 */
export const DEFAULT_BURN_RULES: readonly BurnRule[] = [
  { long: '1h', short: '5m', factor: 14.4 },
  { long: '6h', short: '30m', factor: 6 },
  { long: '24h', short: '2h', factor: 3 },
  { long: '72h', short: '6h', factor: 1 },
];

export type CurrentFigures = () => Promise<ReadonlyArray<{ client: string; figures: ServiceFigures }>>;

/**
 * Early warning while the period can still be saved: a burn-rate warning and a
 * projected-breach warning per service, each an incident of its own kind (opened once,
 * resolved when the condition clears), sent through the same channels and routing.
 */
export class EarlyWarning {
  constructor(
    private readonly incidents: IncidentStore,
    private readonly notifier: IncidentNotifier,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly definitions: () => readonly SlaDefinition[],
    private readonly figures: CurrentFigures,
    private readonly rules: readonly BurnRule[] = DEFAULT_BURN_RULES,
  ) {}

  async evaluate(): Promise<void> {
    const now = this.clock.now();
    for (const { client, figures: f } of await this.figures()) {
      if (!f.burnRate || !f.toDate) continue;
      const burn = this.rules.find((r) => (f.burnRate![r.long] ?? 0) >= r.factor && (f.burnRate![r.short] ?? 0) >= r.factor);
      const facts = (b?: BurnRule): WarningFacts => ({
        target: f.target,
        availabilityPercent: f.toDate!.availabilityPercent,
        projectedAvailabilityPercent: f.toDate!.projectedAvailabilityPercent,
        timeToBreachSeconds: f.toDate!.timeToBreachSeconds,
        ...(b ? { burn: { window: b.long, rate: f.burnRate![b.long] ?? 0, threshold: b.factor } } : {}),
      });
      const fast = burn !== undefined && burn.factor >= 6;
      // told once when opened, and once more if a slow burn turns fast; never for a fast one slowing down
      await this.track(client, f.id, 'burn-rate', burn !== undefined, now, async (i, opened) => {
        if (opened || fast) await this.notifier.send(i, 'sla.burn_rate', `sla.burn_rate#${fast ? 'fast' : 'slow'}`, { warning: facts(burn) });
      });
      await this.track(client, f.id, 'projected-breach', f.toDate.projectedBreach, now, async (i, opened) => {
        if (opened) await this.notifier.send(i, 'sla.projected_breach', 'sla.projected_breach', { warning: facts() });
      });
    }
  }

  private async track(
    client: string,
    service: string,
    kind: IncidentKind,
    active: boolean,
    now: number,
    notify: (i: IncidentRow, opened: boolean) => Promise<void>,
  ): Promise<void> {
    const open = await this.incidents.findOpen(client, service, kind);
    if (active) {
      const i =
        open ??
        (await this.incidents.open({
          client,
          service,
          kind,
          priority: this.priorityOf(client, service, now),
          startedAt: now,
          detectedAt: now,
          members: [],
          muted: false,
        }));
      if (!open) this.logger.warn({ incident: i.id, client, service, kind }, 'SLA early warning');
      await notify(i, !open);
    } else if (open && (await this.incidents.resolve(open.id, now, now))) {
      await this.notifier.followUp((await this.incidents.get(open.id))!, 'incident.resolved', 'incident.resolved');
    }
  }

  private priorityOf(client: string, service: string, now: number): string {
    return selectDefinition(this.definitions(), client, now)?.services.find((s) => s.id === service)?.priority ?? DEFAULT_PRIORITY;
  }
}
