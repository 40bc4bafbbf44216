import type { MessageKey, MessageParams } from "./i18n/translator.js";

/**
 * Every error sincro raises on purpose is a {@link SincroError}: a stable string `code`
 * for programs, a message for people (`<operation> <what>: <detail>`), and the exit code
 * the command line uses (DESIGN §6: 1 refused input or failed check, 2 usage, 3 transport).
 */
export class SincroError extends Error {
  readonly code: string;
  readonly exitCode: number;
  /** The message's key in the catalogues (src/i18n) and its parameters, where it has one: the command line says it in the user's language. */
  readonly say: Say | undefined;
  constructor(code: string, message: string, options: { cause?: unknown; exitCode?: number; say?: Say } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
    this.say = options.say;
  }
}

/** A catalogue message: its key and parameters (the English text stays the error's `message`). */
export interface Say {
  key: string;
  params: Readonly<Record<string, string | number>>;
}

/** A {@link Say} whose key and parameters the compiler checks against the English catalogue. */
export function say<K extends MessageKey>(key: K, ...params: MessageParams<K>): Say {
  return { key, params: (params[0] ?? {}) as Record<string, string | number> };
}

/**
 * What to say when `file` could not be created for `what` (a command: `backup`, `export log`):
 * a folder that does not exist and a folder this user may not write in have their own plain
 * sentence; any other cause is the system's own words, as the sentence's detail.
 */
export function cannotWriteSay(what: string, file: string, cause: unknown): Say {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return say("refused.cannotWrite.noFolder", { what, file });
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return say("refused.cannotWrite.denied", { what, file });
  return say("refused.cannotWriteThere", { what, file, why: (cause as Error).message });
}

/** A command or a file was refused: `field` names what was wrong. Nothing was written. */
export class RefusedError extends SincroError {
  readonly field: string;
  constructor(field: string, message: string, options: { cause?: unknown; code?: string; say?: Say } = {}) {
    super(options.code ?? "REFUSED", message, { cause: options.cause, exitCode: 1, ...(options.say && { say: options.say }) });
    this.field = field;
  }
}

/** The command line was used wrongly (unknown flag, missing argument): exit 2. */
export class UsageError extends SincroError {
  constructor(message: string, options: { say?: Say } = {}) {
    super("USAGE", message, { exitCode: 2, ...(options.say && { say: options.say }) });
  }
}

/** The parking area could not be reached or answered with an error: exit 3. */
export class TransportError extends SincroError {
  /** The server's reply code, when the server answered (FTP: 550, 530 …). */
  readonly reply: number | undefined;
  constructor(message: string, options: { cause?: unknown; reply?: number; code?: string; say?: Say } = {}) {
    super(options.code ?? "TRANSPORT", message, { cause: options.cause, exitCode: 3, ...(options.say && { say: options.say }) });
    this.reply = options.reply;
  }
}

/** A file of the parking area (segment, snapshot, ack) failed verification or could not be applied. */
export class SegmentError extends SincroError {
  readonly file: string;
  constructor(file: string, message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? "SEGMENT", message, { cause: options.cause, exitCode: 1 });
    this.file = file;
  }
}

/** The database or a stored event breaks an invariant (hash chain, sequence, fork). */
export class IntegrityError extends SincroError {
  constructor(message: string, options: { cause?: unknown; code?: string; say?: Say } = {}) {
    super(options.code ?? "INTEGRITY", message, { cause: options.cause, exitCode: 1, ...(options.say && { say: options.say }) });
  }
}

/**
 * The `default` of a switch over a union: the compiler refuses it while a member is unhandled,
 * and reaching it at run time is a bug in sincro, not a user's mistake.
 */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
