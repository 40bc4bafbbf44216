// The contract of `Transport` (src/ship/transport.ts), run over every adapter: each adapter's
// test file calls `runTransportContract` with a setup that gives a transport on a fresh, empty
// parking area.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Transport } from "../../../src/ship/transports/transport.js";
import { isTempName } from "../../../src/ship/transports/transport.js";

export interface TransportFixture {
  transport: Transport;
  /**
   * Uploads `bytes` to `path` of the same parking area through a transport whose upload dies
   * halfway (the connection or the write is cut after half the bytes). Must reject.
   */
  writeBrokenHalfway(path: string, bytes: Buffer): Promise<void>;
  /** A second transport on the same parking area, as another process would open it. */
  openAnother(): Transport;
  /** A secret (password) that must never appear in `describe` or in error messages. */
  secret?: string;
  teardown(): Promise<void>;
}

export interface ContractOptions {
  /**
   * Whether the adapter has the optional `writeNew` (create only if absent). The suite checks
   * the adapter has it exactly when this says so, and then checks what it promises.
   */
  writeNew?: boolean;
}

export function runTransportContract(name: string, setup: () => Promise<TransportFixture>, options: ContractOptions = {}): void {
  describe(`Transport contract: ${name}`, { timeout: 30_000 }, () => {
    let fixture: TransportFixture;
    let t: Transport;
    let folders = 0;
    // Each test works in a folder of its own, so one parking area serves the whole suite.
    const folder = () => `c${++folders}`;

    beforeAll(async () => {
      fixture = await setup();
      t = fixture.transport;
    }, 30_000);
    afterAll(async () => {
      await fixture?.transport.close();
      await fixture?.teardown();
    });

    it("lists the files of a folder sorted by name, with their sizes, without subfolders", async () => {
      const dir = folder();
      await t.write(`${dir}/0000000010.seg`, Buffer.alloc(10, 1));
      await t.write(`${dir}/0000000002.seg`, Buffer.alloc(2, 2));
      await t.write(`${dir}/B.ack`, Buffer.alloc(0));
      await t.write(`${dir}/0000000001.seg`, Buffer.alloc(1234, 3));
      await t.write(`${dir}/a.ack`, Buffer.alloc(7, 4));
      await t.ensureDir(`${dir}/sub`);
      await t.write(`${dir}/sub/inner.seg`, Buffer.alloc(3));
      expect(await t.list(dir)).toEqual([
        { name: "0000000001.seg", size: 1234 },
        { name: "0000000002.seg", size: 2 },
        { name: "0000000010.seg", size: 10 },
        { name: "B.ack", size: 0 },
        { name: "a.ack", size: 7 },
      ]);
      expect(await t.list(`${dir}/sub`)).toEqual([{ name: "inner.seg", size: 3 }]);
    });

    it("lists a missing folder as empty, at any depth", async () => {
      const dir = folder();
      expect(await t.list(dir)).toEqual([]);
      expect(await t.list(`${dir}/deeper/still`)).toEqual([]);
      await t.ensureDir(dir);
      expect(await t.list(dir)).toEqual([]);
    });

    it("lists the folders directly in a folder sorted by name, without files or deeper folders", async () => {
      const dir = folder();
      for (const name of ["b", "_ALL", "B", "AG-01", "0000000001", "a.b"]) await t.ensureDir(`${dir}/${name}`);
      await t.write(`${dir}/0000000001.seg`, Buffer.from("a file, not a folder"));
      await t.ensureDir(`${dir}/b/deeper/still`);
      await t.write(`${dir}/b/inner.seg`, Buffer.from("x"));
      expect(await t.listDirs(dir)).toEqual(["0000000001", "AG-01", "B", "_ALL", "a.b", "b"]);
      expect(await t.listDirs(`${dir}/b`)).toEqual(["deeper"]);
      expect(await t.listDirs(`${dir}/b/deeper`)).toEqual(["still"]);
      expect(await t.list(dir)).toEqual([{ name: "0000000001.seg", size: 20 }]);
    });

    it("lists the folders that writes created, as a parking area's stream folders", async () => {
      const dir = folder();
      await t.write(`${dir}/SincroSede/_ALL/0000000001.seg`, Buffer.from("catalogue"));
      await t.write(`${dir}/SincroSede/AG02/0000000001.seg`, Buffer.from("for AG02"));
      await t.write(`${dir}/SincroAg/AG01/SEDE.ack`, Buffer.from("1"));
      expect(await t.listDirs(dir)).toEqual(["SincroAg", "SincroSede"]);
      expect(await t.listDirs(`${dir}/SincroSede`)).toEqual(["AG02", "_ALL"]);
      expect(await t.listDirs(`${dir}/SincroAg`)).toEqual(["AG01"]);
      expect(await t.listDirs(`${dir}/SincroAg/AG01`)).toEqual([]);
    });

    it("lists no folders in an empty folder, nor in a missing one at any depth", async () => {
      const dir = folder();
      expect(await t.listDirs(dir)).toEqual([]);
      expect(await t.listDirs(`${dir}/deeper/still`)).toEqual([]);
      await t.ensureDir(dir);
      expect(await t.listDirs(dir)).toEqual([]);
      await t.write(`${dir}/only-a-file`, Buffer.from("f"));
      expect(await t.listDirs(dir)).toEqual([]);
    });

    it("reads back every byte value unchanged, and a 2 MB file", async () => {
      const dir = folder();
      const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const lineEnds = Buffer.from("a\r\nb\nc\rd\r\n\r\n\u0000\u001a", "latin1");
      const big = randomBytes(2 * 1024 * 1024 + 17);
      await t.write(`${dir}/bytes.bin`, everyByte);
      await t.write(`${dir}/lines.txt`, lineEnds);
      await t.write(`${dir}/big.seg`, big);
      expect((await t.read(`${dir}/bytes.bin`))?.equals(everyByte)).toBe(true);
      expect((await t.read(`${dir}/lines.txt`))?.equals(lineEnds)).toBe(true);
      const back = await t.read(`${dir}/big.seg`);
      expect(back?.length).toBe(big.length);
      expect(back?.equals(big)).toBe(true);
      expect(await t.list(dir)).toContainEqual({ name: "big.seg", size: big.length });
    });

    it("keeps an empty file: read gives empty bytes, not null", async () => {
      const dir = folder();
      await t.write(`${dir}/empty`, Buffer.alloc(0));
      await t.write(`${dir}/empty`, Buffer.alloc(0));
      expect((await t.read(`${dir}/empty`))?.length).toBe(0);
      expect(await t.list(dir)).toEqual([{ name: "empty", size: 0 }]);
    });

    it("reads a missing file as null, also in a missing folder", async () => {
      const dir = folder();
      await t.write(`${dir}/present.seg`, Buffer.from("x"));
      expect(await t.read(`${dir}/absent.seg`)).toBeNull();
      expect(await t.read(`${dir}/nofolder/absent.seg`)).toBeNull();
      expect(await t.read(`${folder()}/absent.seg`)).toBeNull();
    });

    it("never shows a half-written upload under its final name", async () => {
      const dir = folder();
      const first = Buffer.from("the complete first version");
      const second = randomBytes(4 * 1024 * 1024);
      await t.write(`${dir}/0000000001.seg`, first);

      await expect(fixture.writeBrokenHalfway(`${dir}/0000000001.seg`, second)).rejects.toThrow();
      await expect(fixture.writeBrokenHalfway(`${dir}/0000000002.seg`, second)).rejects.toThrow();

      // A fresh connection sees what a reader elsewhere would see.
      const reader = fixture.openAnother();
      try {
        expect((await reader.read(`${dir}/0000000001.seg`))?.equals(first)).toBe(true);
        expect(await reader.read(`${dir}/0000000002.seg`)).toBeNull();
        const finalNames = (await reader.list(dir)).filter((file) => !isTempName(file.name));
        expect(finalNames).toEqual([{ name: "0000000001.seg", size: first.length }]);
      } finally {
        await reader.close();
      }
    });

    it("leaves no temporary file after a successful write", async () => {
      const dir = folder();
      await t.write(`${dir}/0000000001.seg`, Buffer.from("one"));
      await t.write(`${dir}/0000000001.seg`, Buffer.from("one again"));
      expect((await t.list(dir)).map((file) => file.name)).toEqual(["0000000001.seg"]);
    });

    it("replaces a file written onto an existing name, longer or shorter", async () => {
      const dir = folder();
      await t.write(`${dir}/ack`, Buffer.from("0000000001"));
      await t.write(`${dir}/ack`, Buffer.from("0000000002 and more"));
      expect((await t.read(`${dir}/ack`))?.toString()).toBe("0000000002 and more");
      await t.write(`${dir}/ack`, Buffer.from("3"));
      expect((await t.read(`${dir}/ack`))?.toString()).toBe("3");
      expect(await t.list(dir)).toEqual([{ name: "ack", size: 1 }]);
    });

    it("creates missing parent folders on write", async () => {
      const dir = folder();
      await t.write(`${dir}/SincroAg/AG01/0000000001.seg`, Buffer.from("deep"));
      expect((await t.read(`${dir}/SincroAg/AG01/0000000001.seg`))?.toString()).toBe("deep");
    });

    it("deletes idempotently", async () => {
      const dir = folder();
      await t.write(`${dir}/gone.seg`, Buffer.from("bye"));
      await t.write(`${dir}/kept.seg`, Buffer.from("stay"));
      await t.delete(`${dir}/gone.seg`);
      expect(await t.read(`${dir}/gone.seg`)).toBeNull();
      expect(await t.list(dir)).toEqual([{ name: "kept.seg", size: 4 }]);
      await t.delete(`${dir}/gone.seg`);
      await t.delete(`${dir}/never-there.seg`);
      await t.delete(`${folder()}/no-folder/never-there.seg`);
    });

    it("creates nested folders, and existing folders are fine", async () => {
      const dir = folder();
      await t.ensureDir(`${dir}/SincroSede/AG01`);
      await t.ensureDir(`${dir}/SincroSede/AG01`);
      await t.ensureDir(`${dir}/SincroSede`);
      await t.ensureDir(`${dir}/SincroSede/_ALL`);
      expect(await t.list(`${dir}/SincroSede/AG01`)).toEqual([]);
      await t.write(`${dir}/SincroSede/_ALL/0000000001.snap`, Buffer.from("s"));
      expect(await t.list(`${dir}/SincroSede/_ALL`)).toEqual([{ name: "0000000001.snap", size: 1 }]);
    });

    it("handles every character the engine uses in names: letters, digits, '.', '-', '_'", async () => {
      const dir = folder();
      const names = ["0000000042.seg", "AG-01_x.y.z", "_ALL", "a", "z-9.tmp.ack", "UPPER_lower-09"];
      for (const name of names) await t.write(`${dir}/${name}`, Buffer.from(name));
      expect((await t.list(dir)).map((file) => file.name)).toEqual([...names].sort());
      for (const name of names) expect((await t.read(`${dir}/${name}`))?.toString()).toBe(name);
    });

    it("refuses paths that could leave the parking area", async () => {
      await expect(t.read("../outside")).rejects.toThrow(/invalid path/);
      await expect(t.write("a//b", Buffer.from("x"))).rejects.toThrow(/invalid path/);
      await expect(t.list("a b")).rejects.toThrow(/invalid path/);
      await expect(t.delete("/abs")).rejects.toThrow(/invalid path/);
      await expect(t.listDirs("..")).rejects.toThrow(/invalid path/);
    });

    it("queues calls made at the same time", async () => {
      const dir = folder();
      const names = Array.from({ length: 6 }, (_, i) => `${dir}/f${i}`);
      await Promise.all(names.map((path) => t.write(path, Buffer.from(path))));
      const contents = await Promise.all(names.map((path) => t.read(path)));
      expect(contents.map((bytes) => bytes?.toString())).toEqual(names);
    });

    it("works again after close", async () => {
      const dir = folder();
      await t.write(`${dir}/before`, Buffer.from("1"));
      await t.close();
      await t.write(`${dir}/after`, Buffer.from("2"));
      expect((await t.list(dir)).map((file) => file.name)).toEqual(["after", "before"]);
      await t.close();
      await t.ensureDir(`${dir}/sub`);
      expect(await t.listDirs(dir)).toEqual(["sub"]);
    });

    it("counts commands and bytes", async () => {
      const dir = folder();
      const start = t.stats();
      await t.write(`${dir}/counted`, Buffer.alloc(1000, 7));
      const afterWrite = t.stats();
      expect(afterWrite.commands).toBeGreaterThan(start.commands);
      expect(afterWrite.bytesSent - start.bytesSent).toBe(1000);
      await t.read(`${dir}/counted`);
      const afterRead = t.stats();
      expect(afterRead.commands).toBeGreaterThan(afterWrite.commands);
      expect(afterRead.bytesReceived - afterWrite.bytesReceived).toBe(1000);
      await t.list(dir);
      expect(t.stats().commands).toBeGreaterThan(afterRead.commands);
      const afterList = t.stats();
      await t.listDirs(dir);
      expect(t.stats().commands).toBeGreaterThan(afterList.commands);
    });

    it(options.writeNew === true ? "creates a name only once with writeNew" : "has no writeNew (it cannot refuse a second writer itself)", async () => {
      if (options.writeNew !== true) {
        expect(t.writeNew).toBeUndefined();
        return;
      }
      const writeNew = t.writeNew?.bind(t);
      if (writeNew === undefined) throw new Error("the adapter has no writeNew");
      const dir = folder();
      const first = Buffer.from("the first writer's segment");
      expect(await writeNew(`${dir}/SincroAg/AG01/0000000001.seg`, first)).toBe("created");
      expect(await writeNew(`${dir}/SincroAg/AG01/0000000001.seg`, Buffer.from("another PC's segment, longer"))).toBe("exists");
      expect(await writeNew(`${dir}/SincroAg/AG01/0000000001.seg`, first)).toBe("exists");
      expect((await t.read(`${dir}/SincroAg/AG01/0000000001.seg`))?.equals(first)).toBe(true);
      expect(await t.list(`${dir}/SincroAg/AG01`)).toEqual([{ name: "0000000001.seg", size: first.length }]);
      // An empty file is a file: the name is taken.
      expect(await writeNew(`${dir}/empty`, Buffer.alloc(0))).toBe("created");
      expect(await writeNew(`${dir}/empty`, Buffer.from("x"))).toBe("exists");
      expect((await t.read(`${dir}/empty`))?.length).toBe(0);
      // A deleted name is free again.
      await t.delete(`${dir}/empty`);
      expect(await writeNew(`${dir}/empty`, Buffer.from("y"))).toBe("created");
    });

    if (options.writeNew === true) {
      it("of writers racing with writeNew for the same names, exactly one wins each name", async () => {
        const dir = folder();
        const others = [fixture.openAnother(), fixture.openAnother(), fixture.openAnother()];
        try {
          const writers = [t, ...others];
          const names = Array.from({ length: 8 }, (_, i) => `${dir}/${String(i + 1).padStart(10, "0")}.seg`);
          const outcomes = await Promise.all(
            writers.flatMap((writer, w) => names.map(async (path) => ({ path, w, outcome: await writer.writeNew?.(path, Buffer.from(`writer ${w}`)) }))),
          );
          for (const path of names) {
            const winners = outcomes.filter((o) => o.path === path && o.outcome === "created");
            expect(winners).toHaveLength(1);
            expect(outcomes.filter((o) => o.path === path && o.outcome === "exists")).toHaveLength(writers.length - 1);
            // The file holds the winner's bytes: no later writer replaced them.
            expect((await t.read(path))?.toString()).toBe(`writer ${winners[0]?.w}`);
          }
        } finally {
          for (const other of others) await other.close();
        }
      });
    }

    it("stamps a file just written with the server's time, and a missing file as null", async () => {
      const dir = folder();
      expect(t.stamp).toBeDefined();
      const stamp = t.stamp?.bind(t) as NonNullable<Transport["stamp"]>;
      const before = Date.now();
      await t.write(`${dir}/clock.probe`, Buffer.from("x"));
      const after = Date.now();
      const got = await stamp(`${dir}/clock.probe`);
      expect(got).not.toBeNull();
      const { ms, precisionMs } = got as { ms: number; precisionMs: number };
      // The servers here run on this machine's clock: the stamp falls in the write, give or take its precision.
      expect(precisionMs).toBeGreaterThan(0);
      expect(precisionMs).toBeLessThanOrEqual(60_000);
      expect(ms).toBeGreaterThanOrEqual(before - precisionMs - 1_000);
      expect(ms).toBeLessThanOrEqual(after + 1_000);
      expect(await stamp(`${dir}/missing.seg`)).toBeNull();
      expect(await stamp(`${dir}/nowhere/missing.seg`)).toBeNull();
    });

    it("describes itself, and fails, without showing the password", async () => {
      expect(t.describe.length).toBeGreaterThan(0);
      const secret = fixture.secret;
      if (secret === undefined) return;
      expect(t.describe).not.toContain(secret);
      const error = await t.read("../x").catch((err: unknown) => err);
      expect(String(error)).not.toContain(secret);
      const listing = await t.listDirs("../x").catch((err: unknown) => err);
      expect(String(listing)).not.toContain(secret);
    });
  });
}
