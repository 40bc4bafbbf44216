import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const program = fileURLToPath(new URL("../../dist/cli/program.js", import.meta.url));

// Which of the transports' and the demo's heavy libraries a module loads just by being imported
// (CommonJS modules imported from ESM are in require.cache too).
function librariesLoadedBy(module: string): string[] {
  const script = `
    await import(${JSON.stringify(module)});
    const { createRequire } = await import("node:module");
    const cache = createRequire(import.meta.url).cache;
    const names = new Set(Object.keys(cache).flatMap((k) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(k)?.[1] ?? []));
    console.log(JSON.stringify([...names].filter((n) => ["ssh2", "@aws-sdk/client-s3", "ftp-srv"].includes(n)).sort()));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as string[];
}

describe("start-up", () => {
  it("the command line loads neither ssh2, the AWS SDK nor the embedded FTP server until a command uses them", () => {
    expect(librariesLoadedBy(program)).toEqual([]);
  });

  it("the check above sees a library that is loaded (ssh2 through the SFTP transport, when it reads a key)", () => {
    const sftp = fileURLToPath(new URL("../../dist/ship/transports/sftpTransport.js", import.meta.url));
    const script = `
      const m = await import(${JSON.stringify(sftp)});
      try { m.sftpOptionsFromConfig({ config: (k) => ({ "sftp.host": "h", "sftp.user": "u", "sftp.key": ${JSON.stringify(program)} })[k] }, {}); } catch {}
      const { createRequire } = await import("node:module");
      console.log(Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes("/node_modules/ssh2/")));`;
    expect(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }).trim()).toBe("true");
  });
});
