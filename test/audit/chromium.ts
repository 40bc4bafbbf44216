import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * Screenshots `html` in headless Chromium (window 1200×900) into `png`. Throws when Chromium is
 * missing: scripts/install-chromium.sh installs it, and .ci/run calls that script.
 */
export function screenshot(html: string, png: string): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh (as root) to render the audit report${process.env.CI === "true" ? " — required in CI" : ""}`);
  }
  const profile = mkdtempSync(join(tmpdir(), "sincro-chromium-"));
  try {
    const r = spawnSync(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        `--user-data-dir=${profile}`,
        `--screenshot=${png}`,
        "--window-size=1200,900",
        `file://${html}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (!existsSync(png)) throw new Error(`chromium wrote no screenshot (exit ${r.status}): ${r.stderr}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
