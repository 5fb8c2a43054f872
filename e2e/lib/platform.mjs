// Starts the real platform for the browser tests and the screenshots: `shuan demo` over a fresh
// data dir, on a port the operating system picks, and waits until it answers and the demo's
// seeded scans have finished (so every test starts from the same inventory).

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from '@playwright/test';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_PASSWORD = 'Shuan-demo-2026';

const STARTUP_TIMEOUT_MS = 120_000;
const DEMO_SCANS_TIMEOUT_MS = 300_000;
// The suites sign in as the same few demo users from one address many times a minute, more
// than the production sign-in limits allow (20 a minute per address, 5 per username); the
// limits have their own tests in crates/server.
const TEST_CONFIG = `login_rate_per_address: {burst: 1000, per_minute: 1000}
login_rate_per_username: {burst: 1000, per_minute: 1000}
`;

/** The `shuan` binary: `SHUAN_BIN` when set (CI reuses the one `cargo test` built), else a
 * fresh debug build, copied into `workDir` at once: in a target dir shared by several
 * checkouts, another checkout's build may replace `target/debug/shuan` during the run. */
function shuanBinary(workDir) {
  if (process.env.SHUAN_BIN) {
    return path.resolve(process.env.SHUAN_BIN);
  }
  const build = spawnSync('cargo', ['build', '-p', 'shuan'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    throw new Error('cargo build -p shuan failed');
  }
  const targetDir = path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR ?? 'target');
  const copy = path.join(workDir, 'shuan');
  copyFileSync(path.join(targetDir, 'debug', 'shuan'), copy);
  return copy;
}

/** Resolves with the URL the server prints once it listens; rejects if it exits first. */
function listeningUrl(child, output) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`shuan demo did not start in time:\n${output.text}`)),
      STARTUP_TIMEOUT_MS,
    );
    child.stdout.on('data', () => {
      const match = output.text.match(/Shu'an platform at (http:\/\/[^\s]+?)\/?\s/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`shuan demo exited with ${code}:\n${output.text}`));
    });
  });
}

async function waitUntilReady(url) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // Not accepting connections yet.
    }
    if (Date.now() > deadline) throw new Error(`${url}/readyz never answered 200`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Signs `page` in through the login form (labels in Chinese, the default language) and
 * waits for the signed-in navigation. */
export async function signIn(page, username) {
  await page.goto('/login');
  await page.getByLabel('用户名', { exact: true }).fill(username);
  await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('navigation', { name: 'main' }).waitFor();
}

/** A request context signed in through the login form (the same path a browser takes). */
export async function signedInRequest(baseURL, username) {
  const context = await request.newContext({ baseURL });
  const form = await (await context.get('/login')).text();
  const csrf = form.match(/name="csrf" value="([^"]+)"/)[1];
  const response = await context.post('/login', {
    form: { csrf, username, password: DEMO_PASSWORD },
    maxRedirects: 0,
  });
  if (response.status() !== 303) {
    throw new Error(`signing in as ${username} answered ${response.status()}`);
  }
  return context;
}

async function waitForDemoScans(url) {
  const admin = await signedInRequest(url, 'admin');
  try {
    const deadline = Date.now() + DEMO_SCANS_TIMEOUT_MS;
    for (;;) {
      const jobs = await (await admin.get('/api/v1/jobs')).json();
      const unfinished = jobs.filter((job) => job.status === 'queued' || job.status === 'running');
      const failed = jobs.filter((job) => job.status === 'failed');
      if (failed.length > 0) throw new Error(`demo scans failed: ${JSON.stringify(failed)}`);
      if (jobs.length > 0 && unfinished.length === 0) return;
      if (Date.now() > deadline) throw new Error('the demo scans did not finish in time');
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await admin.dispose();
  }
}

/** Starts `shuan demo`; returns its URL and a `stop()` that ends it and removes its files. */
export async function startPlatform() {
  const workDir = mkdtempSync(path.join(tmpdir(), 'shuan-e2e-'));
  const dataDir = path.join(workDir, 'data');
  const configFile = path.join(workDir, 'shuan.yaml');
  writeFileSync(configFile, TEST_CONFIG);
  let binary;
  try {
    binary = shuanBinary(workDir);
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  const args = ['demo', '--data-dir', dataDir, '--config', configFile, '--listen', '127.0.0.1:0'];
  const child = spawn(binary, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept for the error message should the server die: its output says why.
  const output = { text: '' };
  const keep = (chunk) => {
    output.text += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    const url = await listeningUrl(child, output);
    await waitUntilReady(url);
    await waitForDemoScans(url);
    console.log(`shuan demo at ${url}, demo scans done in ${(Date.now() - started) / 1000} s`);
    return { url, stop };
  } catch (error) {
    await stop();
    error.message += `\n--- shuan demo's output:\n${output.text}`;
    throw error;
  }
}
