import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A self-signed certificate for `cn` made by openssl in `dir` (overwriting one there): the paths of key.pem and cert.pem. */
export function selfSigned(dir: string, cn = 'localhost'): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', `/CN=${cn}`, '-keyout', key, '-out', cert], {
    stdio: 'ignore',
  });
  return { key, cert };
}
