import { RefusedError, say } from "../../errors.js";
import type { ConfigKey, TransportName } from "../../node/config.js";
import type { Transport } from "./transport.js";

/** Where a transport reads its settings: a node's configuration (`SincroNode` is one). */
export interface ConfigSource {
  config(key: string): string | undefined;
}

/**
 * One kind of parking area, as the registry in `transports.ts` lists it: the settings that name
 * one in a node's configuration, how a command line names one, and how to open it. Opening never
 * connects; the transport does on its first call. Nothing here shows a password.
 */
export interface TransportKind<Name extends TransportName = TransportName> {
  /** The value of the `transport` config key. */
  readonly name: Name;
  /** The config keys it reads, each declared and checked in `src/node/config.ts`. */
  readonly configKeys: readonly ConfigKey[];
  /**
   * Opens the parking area a node's configuration names. A missing setting is refused
   * ({@link RefusedError}, code `MISSING_CONFIG`) naming the key and how to set it.
   */
  fromConfig(node: ConfigSource, env: NodeJS.ProcessEnv): Transport;
  /** How a command line names one of this kind: `sincro audit --<name> <value>`. */
  readonly location: {
    /** The placeholder of the value in help texts, e.g. `url`. */
    readonly value: string;
    /** What the value names, for help texts, e.g. `the parking area in this folder`. */
    readonly describe: string;
    /**
     * Opens the parking area `text` names. A value that names none is refused
     * ({@link RefusedError}, field the kind's name), the message starting with `option`
     * (e.g. `audit --ftp`).
     */
    open(text: string, env: NodeJS.ProcessEnv, option: string): Transport;
  };
}

/** The value of `key`, refused when it is not set. */
export function requiredConfig(node: ConfigSource, key: ConfigKey): string {
  const value = node.config(key);
  if (value === undefined || value === "") {
    throw new RefusedError(key, `sync: ${key} is not set; set it with "sincro config set ${key} VALUE"`, {
      code: "MISSING_CONFIG",
      say: say("error.missingConfig", { key, how: `"sincro config set ${key} VALUE"` }),
    });
  }
  return value;
}
