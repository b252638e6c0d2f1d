import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The installers, checked as far as this machine can: every shell script parses in dash and passes
 * shellcheck; the launchd plist parses and is what the macOS script writes; the PowerShell script is
 * parsed by pwsh where it exists (not on this machine: see README, "Installing agents") and otherwise
 * checked for what can be read without it. tests/e2e/installer.test.ts runs the Linux and macOS scripts.
 */
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const shellScripts = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? shellScripts(join(dir, e.name)) : e.name.endsWith('.sh') ? [join(dir, e.name)] : [],
  );

/** A strict reader of Apple's XML property lists: dict, key, array, string, integer, true, false; anything else throws. */
function parsePlist(xml: string): unknown {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*<!DOCTYPE plist[^>]*>\s*/, '').replace(/<!--[\s\S]*?-->/g, '');
  const tokens = [...body.matchAll(/<(\/?)(\w+)(?:\s[^>]*)?(\/?)>|([^<]+)/g)].filter((m) => m[4] === undefined || m[4].trim() !== '');
  let i = 0;
  const next = () =>
    tokens[i++] ??
    (() => {
      throw new Error('unexpected end');
    })();
  const close = (tag: string) => {
    const t = next();
    if (t[1] !== '/' || t[2] !== tag) throw new Error(`expected </${tag}>, got ${t[0]}`);
  };
  const text = (tag: string) => {
    const t = tokens[i]![4] !== undefined ? next()[4]! : '';
    close(tag);
    return t;
  };
  const value = (): unknown => {
    const t = next();
    if (t[4] !== undefined || t[1] === '/') throw new Error(`unexpected ${t[0]}`);
    if (t[3] === '/') {
      if (t[2] === 'true' || t[2] === 'false') return t[2] === 'true';
      throw new Error(`unexpected <${t[2]}/>`);
    }
    switch (t[2]) {
      case 'string':
        return text('string');
      case 'integer': {
        const n = text('integer');
        if (!/^-?\d+$/.test(n)) throw new Error(`not an integer: ${n}`);
        return Number(n);
      }
      case 'array': {
        const out: unknown[] = [];
        while (tokens[i]?.[1] !== '/') out.push(value());
        close('array');
        return out;
      }
      case 'dict': {
        const out: Record<string, unknown> = {};
        while (tokens[i]?.[1] !== '/') {
          const k = next();
          if (k[2] !== 'key') throw new Error(`expected <key>, got ${k[0]}`);
          out[text('key')] = value();
        }
        close('dict');
        return out;
      }
      default:
        throw new Error(`unknown element <${t[2]}>`);
    }
  };
  const root = next();
  if (root[2] !== 'plist') throw new Error('no <plist> root');
  const v = value();
  close('plist');
  if (i !== tokens.length) throw new Error('content after </plist>');
  return v;
}

describe('installer scripts', () => {
  const scripts = [...shellScripts('install'), 'bin/vigil-agent'];

  it('every shell script parses in dash (POSIX sh), and shellcheck finds nothing', () => {
    expect(scripts).toEqual(expect.arrayContaining(['install/agent-install.sh', 'install/macos/install-agent.sh', 'install/test-peers.sh']));
    for (const f of scripts.filter((s) => !s.endsWith('test-peers.sh'))) {
      const r = spawnSync('dash', ['-n', f], { encoding: 'utf8' });
      expect([f, r.status, r.stderr]).toEqual([f, 0, '']);
    }
    if (!has('shellcheck')) return void console.warn('shellcheck is not installed (install/test-peers.sh installs it): only dash -n ran');
    for (const f of scripts) {
      const r = spawnSync('shellcheck', ['-s', f.endsWith('test-peers.sh') ? 'bash' : 'sh', f], { encoding: 'utf8' });
      expect([f, r.status, r.stdout]).toEqual([f, 0, '']);
    }
  });

  it('no installer prints the token: no message names it but the redaction', () => {
    for (const [f, token, printers] of [
      ['install/agent-install.sh', '$token', /\b(say|did|die|printf|echo)\b/],
      ['install/macos/install-agent.sh', '$token', /\b(say|did|die|printf|echo)\b/],
      ['install/windows/install-agent.ps1', '$Token', /\b(Say|Did|Fail|Write-\w+)\b/],
    ] as const) {
      const leaks = readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => printers.test(l) && new RegExp(`\\${token}(?!\\w)`).test(l.slice(l.search(printers))) && !l.includes('<token>'));
      expect([f, leaks]).toEqual([f, []]);
    }
  });

  it('the launchd plist parses and is what install/macos/install-agent.sh writes', () => {
    const file = 'install/macos/com.vigil.agent.plist';
    const plist = readFileSync(file, 'utf8');
    expect(parsePlist(plist)).toMatchObject({
      Label: 'com.vigil.agent',
      ProgramArguments: ['/Library/Vigil/bin/vigil-agent', 'run', '--config', '/Library/Vigil/agent.yaml'],
      RunAtLoad: true,
      KeepAlive: true,
      Umask: 0o77,
      StandardErrorPath: '/Library/Logs/Vigil/agent.log',
    });
    expect(() => parsePlist(plist.replace('</array>', ''))).toThrow(/unknown element <key>/);
    const printed = spawnSync('sh', ['install/macos/install-agent.sh', '--print-plist'], { encoding: 'utf8', env: { ...process.env, VIGIL_INSTALL_ROOT: '' } });
    expect([printed.status, printed.stdout]).toEqual([0, plist]);
    if (has('plutil')) expect(spawnSync('plutil', ['-lint', file]).status).toBe(0);
    else console.warn('plutil is not installed (macOS only): the plist was checked by parsePlist only');
  });

  it('the PowerShell installer: parsed by pwsh where it exists; here, what can be checked without it', () => {
    const ps1 = readFileSync('install/windows/install-agent.ps1', 'utf8');
    if (has('pwsh')) {
      const cmd = `$e=$null; [void][System.Management.Automation.Language.Parser]::ParseFile('install/windows/install-agent.ps1',[ref]$null,[ref]$e); $e.Count`;
      expect(spawnSync('pwsh', ['-NoProfile', '-Command', cmd], { encoding: 'utf8' }).stdout.trim()).toBe('0');
    } else console.warn('pwsh is not installed: install/windows/install-agent.ps1 was not parsed by PowerShell, only read');
    const cs = /\$HostSource = @'\n([\s\S]*?)\n'@/.exec(ps1)?.[1] ?? '';
    const balance = (s: string, open: string, close: string) => s.split(open).length - s.split(close).length;
    expect([cs.includes('class VigilAgentService : ServiceBase'), balance(cs, '{', '}'), balance(cs, '(', ')')]).toEqual([true, 0, 0]);
    const rest = ps1.replace(cs, '');
    expect([balance(rest, '{', '}'), balance(rest, '(', ')')]).toEqual([0, 0]);
    for (const part of [
      'New-Service -Name $ServiceName',
      'sc.exe failure $ServiceName',
      'Get-FileHash -Algorithm SHA256',
      'sc.exe delete $ServiceName',
      "'*S-1-5-18:(OI)(CI)F'",
    ])
      expect(ps1).toContain(part);
    for (const p of ['Collector', 'Token', 'TokenFile', 'Name', 'Binary', 'Sha256', 'NoService', 'Reenroll', 'Uninstall', 'KeepState'])
      expect(ps1).toMatch(new RegExp(`\\[(string|switch)\\]\\$${p}\\b`));
  });
});
