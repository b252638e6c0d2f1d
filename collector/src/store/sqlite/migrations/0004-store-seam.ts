/**
 * The async store seam: outbox claims with a lease (two workers never send one row at
 * once; a dead worker's claim expires), and no hourly rollups (written on every result,
 * never read: SLA math reads transitions).
 */
export default `DROP TABLE rollups_hourly;
   ALTER TABLE deliveries ADD COLUMN claim TEXT;
   ALTER TABLE deliveries ADD COLUMN lease_until INTEGER;
   CREATE INDEX deliveries_incident ON deliveries (incident_id, channel, id);
   CREATE INDEX agents_client ON agents (client_id);`;
