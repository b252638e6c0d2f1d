import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { VigilError } from './errors.js';

/** Reads a YAML config file: VIGIL_ERR_CONFIG_NOT_FOUND when missing, VIGIL_ERR_CONFIG_INVALID when not YAML. */
export function readYamlFile(path: string): unknown {
  if (!existsSync(path)) throw new VigilError('CONFIG_NOT_FOUND', `configuration file ${path} not found`);
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `${path}: not valid YAML`, [{ path: '/', message: (e as Error).message }]);
  }
}
