// No Docker engine runs here: the image and compose rules are checked from the files.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };

describe('Docker image and compose', () => {
  it('keeps local data, secrets, host installs and test artefacts out of the build context', () => {
    const ignore = fs.readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['data/', '.env', 'node_modules/', 'test-artifacts/', 'dist/']) expect(ignore, p).toContain(p);
  });

  it('uses a maintained Node LTS base, runs compiled JavaScript, has a VOLUME and a healthcheck on $PORT', () => {
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)[-\w.]*/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    for (const major of bases) expect([22, 24]).toContain(major); // 20 is past end of life
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]/m);
    const health = /^HEALTHCHECK .*$/m.exec(dockerfile)?.[0] ?? '';
    expect(health).toMatch(/process\.env\.PORT/);
    expect(health).not.toMatch(/:3000\//);
    const cmd = /^CMD .*$/m.exec(dockerfile)?.[0] ?? '';
    expect(cmd).toMatch(/exec node dist\/src\/main\.js/);
    expect(cmd).not.toMatch(/tsx/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('keeps test-only packages and the runtime transpiler out of production dependencies', () => {
    for (const p of ['wechaty-puppet-mock', 'vitest', 'playwright-core', 'tsx', 'dependency-cruiser']) {
      expect(pkg.dependencies[p], p).toBeUndefined();
      expect(pkg.devDependencies[p], p).toBeDefined();
    }
    expect(pkg.scripts['start:prod']).toBe('exec node dist/src/main.js');
    expect(pkg.scripts.start).toMatch(/^exec node /); // npm's SIGTERM reaches the service
  });

  it('gives every compose service a restart policy and Redis persistence', () => {
    const compose = parse(fs.readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, { restart?: string; command?: string[]; volumes?: string[] }> };
    for (const [name, s] of Object.entries(compose.services)) expect(s.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
    const redis = compose.services.redis!;
    expect(redis.command?.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
    expect(JSON.stringify(compose)).not.toMatch(/zhibu:zhibu@/); // no hard-coded database password
  });
});
