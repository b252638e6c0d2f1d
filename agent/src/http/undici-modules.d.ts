// Types for the undici modules agent/src/http/undici.ts imports by path (undici ships types for its index only).
declare module 'undici/lib/dispatcher/client.js' {
  import type { Client } from 'undici';
  const ClientClass: typeof Client;
  export default ClientClass;
}
