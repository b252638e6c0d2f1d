import { type CheckRow, NO_AGENT } from '../store/types.js';

/**
 * Which agent owns each check id of a client. SLA definitions name their members by check id
 * per client, so a check id is one series per client and belongs to one agent: the first that
 * reports it, in a result or in its heartbeat catalogue. Another agent of the client reporting
 * that id is refused (VIGIL_ERR_CONFLICT) until the id is released — its owner is revoked, or an
 * admin releases it — and then the next agent to report it takes it.
 *
 * Kept in memory, one map per client (a lookup per sample, no key to build); the store keeps the
 * owner in each check's agent_id (NO_AGENT once released), so a restart knows the same owners. A
 * claim is made when an agent's sample or catalogue entry is admitted, before its batch is
 * stored: a claim whose batch then fails stays with that agent, which evidently reports the id.
 */
export class CheckOwners {
  private readonly clients = new Map<string, Map<string, string>>();
  /** Agents revoked: a batch of theirs still in flight claims nothing. */
  private readonly revoked = new Set<string>();

  /** From the stored checks; rows of revoked agents are left out (the engine releases them). */
  load(rows: Iterable<CheckRow>, revoked: Iterable<string>): void {
    this.clients.clear();
    this.revoked.clear();
    for (const id of revoked) this.revoked.add(id);
    for (const c of rows) if (c.agentId !== NO_AGENT && !this.revoked.has(c.agentId)) this.of(c.clientId).set(c.checkId, c.agentId);
  }

  /** Whether this agent may take an id nobody owns (not once it is revoked). */
  mayClaim(agentId: string): boolean {
    return !this.revoked.has(agentId);
  }

  /** The agent is revoked: it takes no more ids (the engine releases those it has). */
  revoke(agentId: string): void {
    this.revoked.add(agentId);
  }

  /** A client's owners, check id → agent id: look up and claim in it synchronously. */
  of(client: string): Map<string, string> {
    let m = this.clients.get(client);
    if (!m) {
      m = new Map();
      this.clients.set(client, m);
    }
    return m;
  }

  /** The agent owning this check id, or undefined when nobody does (never reported, or released). */
  ownerOf(client: string, check: string): string | undefined {
    return this.clients.get(client)?.get(check);
  }

  /** Frees one id; false when nobody owned it. */
  release(client: string, check: string): boolean {
    return this.clients.get(client)?.delete(check) ?? false;
  }

  /** The check ids an agent owns. */
  ownedBy(client: string, agentId: string): string[] {
    const out: string[] = [];
    for (const [check, owner] of this.clients.get(client) ?? []) if (owner === agentId) out.push(check);
    return out;
  }
}
