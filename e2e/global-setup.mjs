// Starts one platform for the whole run; the tests read its URL from SHUAN_E2E_URL (Playwright
// passes the environment set here on to its workers) and the returned function stops it.

import { startPlatform } from './lib/platform.mjs';

export default async function globalSetup() {
  const platform = await startPlatform();
  process.env.SHUAN_E2E_URL = platform.url;
  return platform.stop;
}
