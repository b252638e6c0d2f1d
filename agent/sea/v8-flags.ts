/**
 * The first module of the single-file agent: sets its compiler flags (flags.ts) before any other
 * module's code is compiled or run. V8 reads these when it decides how to compile a function, so
 * set here they act as on bin/vigil-agent's command line (no optimising or baseline tier, Liftoff
 * only for WebAssembly, heap growth in small steps). A side-effect import, by design: ES module
 * order is the only thing that runs code ahead of the bundle's other modules.
 */
import { setFlagsFromString } from 'node:v8';
import { SEA_V8_FLAGS } from './flags.js';

for (const flag of SEA_V8_FLAGS) setFlagsFromString(flag);
