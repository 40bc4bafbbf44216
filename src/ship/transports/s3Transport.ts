import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { ListObjectsV2CommandOutput, S3Client } from "@aws-sdk/client-s3";
import { RefusedError, say, TransportError } from "../../errors.js";
import { checkBucketName, checkConfig, type ConfigKey } from "../../node/config.js";
import { compareNames, splitRemotePath } from "./remotePath.js";
import type { RemoteFile, ServerStamp, Transport, TransportStats } from "./transport.js";
import type { ConfigSource, TransportKind } from "./transportKind.js";

// The AWS SDK is loaded when an S3 parking area is first used, not at every command's start-up.
type Sdk = typeof import("@aws-sdk/client-s3");
const require = createRequire(import.meta.url);
let loaded: Sdk | undefined;
const sdk = (): Sdk => (loaded ??= require("@aws-sdk/client-s3") as Sdk);

const DEFAULT_REGION = "us-east-1";

/** Where and how to reach the S3 bucket of a parking area. */
export interface S3TransportOptions {
  /**
   * The S3 service's URL, e.g. `http://127.0.0.1:7480` for a Ceph radosgw; absent for AWS
   * itself. With an endpoint, requests use path-style addressing (`endpoint/bucket/key`).
   */
  endpoint?: string;
  /** Default `us-east-1`, which S3-compatible stores such as radosgw accept. */
  region?: string;
  bucket: string;
  /** Key prefix that plays the parking area's root, e.g. `sincro` (default: the bucket's root). */
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Limit for connecting and for each request's silence. Default 30 s. */
  timeoutMs?: number;
  /** Attempts per request, the SDK retrying network failures and 5xx replies. Default 3. */
  maxAttempts?: number;
  /** Keys asked for per page of a listing (`MaxKeys`). Default 1000, the most S3 gives. */
  listPageSize?: number;
}

/**
 * A parking area in an S3 bucket, over `@aws-sdk/client-s3` (DESIGN §4.1, contract in
 * `transport.ts`), tried on Ceph radosgw.
 *
 * A folder is a key prefix: `SincroAg/AG01/0000000042.seg` is the object
 * `<prefix>/SincroAg/AG01/0000000042.seg`. `list` and `listDirs` are `ListObjectsV2` with the
 * delimiter `/` (the objects and the common prefixes of one level), page after page. A PUT is
 * atomic, so `write` needs no temporary name: an interrupted upload leaves no object (the body
 * carries its MD5, which the store checks). `writeNew` is a PUT with `If-None-Match: *`, which the
 * store refuses (412) when the key exists: the store itself tells the first writer of a name from
 * the second. `ensureDir` writes a folder marker, an empty object whose key ends with `/` (as the
 * S3 consoles do), so that an empty folder is listed; `list` never shows markers.
 *
 * `stats().commands` counts HTTP requests, retries included: `read`, `write`, `writeNew`,
 * `delete`, `ensureDir` 1; `list` and `listDirs` 1 per page of 1000 keys.
 */
export class S3Transport implements Transport {
  readonly describe: string;
  private readonly options: S3TransportOptions;
  private readonly root: string;
  private readonly counters: TransportStats = { commands: 0, bytesSent: 0, bytesReceived: 0 };
  private client: S3Client | undefined;

  constructor(options: S3TransportOptions) {
    this.options = options;
    const prefix = splitRemotePath("use prefix", options.prefix?.replace(/^\/+|\/+$/g, "") ?? "");
    this.root = prefix.length === 0 ? "" : `${prefix.join("/")}/`;
    this.describe = `s3://${options.bucket}/${this.root}${options.endpoint === undefined ? "" : ` at ${options.endpoint}`}`;
  }

  async list(dir: string): Promise<RemoteFile[]> {
    const folder = this.folderKey("list", dir);
    const files: RemoteFile[] = [];
    await this.eachPage("list", dir, folder, (page) => {
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(folder.length) ?? "";
        // The folder's own marker has no name of its own.
        if (name !== "") files.push({ name, size: object.Size ?? 0 });
      }
    });
    return files.sort((a, b) => compareNames(a.name, b.name));
  }

  async listDirs(dir: string): Promise<string[]> {
    const folder = this.folderKey("list folders in", dir);
    const names: string[] = [];
    await this.eachPage("list folders in", dir, folder, (page) => {
      for (const common of page.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(folder.length, -1) ?? "";
        if (name !== "") names.push(name);
      }
    });
    return names.sort(compareNames);
  }

  async read(path: string): Promise<Buffer | null> {
    const key = this.fileKey("download", path);
    try {
      const reply = await this.send((client) => client.send(new (sdk().GetObjectCommand)({ Bucket: this.options.bucket, Key: key })));
      const bytes = Buffer.from((await reply.Body?.transformToByteArray()) ?? new Uint8Array());
      this.counters.bytesReceived += bytes.length;
      if (reply.ContentLength !== undefined && bytes.length !== reply.ContentLength) {
        throw new Error(`got ${bytes.length} of ${reply.ContentLength} bytes (connection closed early)`);
      }
      return bytes;
    } catch (err) {
      if (statusOf(err) === 404 && nameOf(err) !== "NoSuchBucket") return null;
      throw this.failure("download", path, err);
    }
  }

  async write(path: string, bytes: Buffer): Promise<void> {
    const key = this.fileKey("upload", path);
    try {
      await this.put(key, bytes, false);
    } catch (err) {
      throw this.failure("upload", path, err);
    }
  }

  async writeNew(path: string, bytes: Buffer): Promise<"created" | "exists"> {
    const key = this.fileKey("create", path);
    try {
      await this.put(key, bytes, true);
      return "created";
    } catch (err) {
      if (statusOf(err) === 412) return "exists";
      throw this.failure(
        "create",
        path,
        err,
        statusOf(err) === 409 ? "another client was creating the same name at the same moment; sync again" : undefined,
      );
    }
  }

  async delete(path: string): Promise<void> {
    const key = this.fileKey("delete", path);
    try {
      // S3 answers a delete of a missing key with success too.
      await this.send((client) => client.send(new (sdk().DeleteObjectCommand)({ Bucket: this.options.bucket, Key: key })));
    } catch (err) {
      if (statusOf(err) === 404 && nameOf(err) !== "NoSuchBucket") return;
      throw this.failure("delete", path, err);
    }
  }

  /** The object's Last-Modified (HEAD): whole seconds, the time the store finished the PUT. */
  async stamp(path: string): Promise<ServerStamp | null> {
    const key = this.fileKey("stamp", path);
    try {
      const reply = await this.send((client) => client.send(new (sdk().HeadObjectCommand)({ Bucket: this.options.bucket, Key: key })));
      return reply.LastModified === undefined ? null : { ms: reply.LastModified.getTime(), precisionMs: 1_000 };
    } catch (err) {
      if (statusOf(err) === 404 && nameOf(err) !== "NoSuchBucket") return null;
      throw this.failure("stamp", path, err);
    }
  }

  async ensureDir(dir: string): Promise<void> {
    const folder = this.folderKey("create folder", dir);
    if (folder === "") return; // The bucket (or the prefix) always lists.
    try {
      await this.send((client) =>
        client.send(new (sdk().PutObjectCommand)({ Bucket: this.options.bucket, Key: folder, Body: Buffer.alloc(0), ContentLength: 0 })),
      );
    } catch (err) {
      throw this.failure("create folder", dir, err);
    }
  }

  async close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  private async put(key: string, bytes: Buffer, onlyIfAbsent: boolean): Promise<void> {
    const md5 = createHash("md5").update(bytes).digest("base64");
    await this.send((client) =>
      client.send(
        new (sdk().PutObjectCommand)({
          Bucket: this.options.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentMD5: md5,
          ...(onlyIfAbsent && { IfNoneMatch: "*" }),
        }),
      ),
    );
    this.counters.bytesSent += bytes.length;
  }

  // Every page of the listing of one level under `folder`.
  private async eachPage(operation: string, dir: string, folder: string, take: (page: ListObjectsV2CommandOutput) => void): Promise<void> {
    let token: string | undefined;
    try {
      do {
        const page = await this.send((client) =>
          client.send(
            new (sdk().ListObjectsV2Command)({
              Bucket: this.options.bucket,
              Prefix: folder,
              Delimiter: "/",
              MaxKeys: this.options.listPageSize ?? 1000,
              ...(token !== undefined && { ContinuationToken: token }),
            }),
          ),
        );
        take(page);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (err) {
      throw this.failure(operation, dir, err);
    }
  }

  private send<T>(request: (client: S3Client) => Promise<T>): Promise<T> {
    return request(this.connection());
  }

  private connection(): S3Client {
    if (this.client !== undefined) return this.client;
    const { endpoint, region, accessKeyId, secretAccessKey, sessionToken, timeoutMs = 30_000, maxAttempts = 3 } = this.options;
    // The SDK warns on Node 20 that its releases after January 2027 will need Node 22; sincro
    // pins a release that runs on Node 20, so the warning would only alarm whoever reads stderr.
    const quiet = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    try {
      this.client = new (sdk().S3Client)({
        ...(endpoint !== undefined && { endpoint, forcePathStyle: true }),
        region: region ?? DEFAULT_REGION,
        credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) },
        maxAttempts,
        // S3-compatible stores (radosgw 16) do not all know the newer CRC checksums; the
        // uploads carry Content-MD5 instead.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
      });
    } finally {
      if (quiet === undefined) delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      else process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = quiet;
    }
    this.client.middlewareStack.add(
      (next) => async (args) => {
        this.counters.commands++;
        return next(args);
      },
      { step: "finalizeRequest", name: "sincroCountRequests" },
    );
    return this.client;
  }

  // `SincroAg/AG01` → `<prefix>SincroAg/AG01/`; the root → `<prefix>`.
  private folderKey(operation: string, dir: string): string {
    const names = splitRemotePath(operation, dir);
    return names.length === 0 ? this.root : `${this.root}${names.join("/")}/`;
  }

  private fileKey(operation: string, path: string): string {
    const names = splitRemotePath(operation, path);
    if (names.length === 0) throw new TransportError(`${operation} "": a file needs a name`, { code: "TRANSPORT_PATH" });
    return `${this.root}${names.join("/")}`;
  }

  private failure(operation: string, path: string, err: unknown, hint?: string): TransportError {
    const status = statusOf(err);
    const name = nameOf(err);
    let detail: string;
    if ((loaded !== undefined && err instanceof loaded.S3ServiceException) || status !== undefined) {
      const message = err instanceof Error && err.message !== "" && err.message !== name && err.message !== "UnknownError" ? `: ${err.message}` : "";
      detail = `the server replied ${status ?? "?"} ${name ?? "error"}${message}`;
    } else {
      detail = err instanceof Error ? err.message : String(err);
    }
    hint ??= s3Hint(name, status, detail, this.options);
    const where = `${path === "" ? "(root)" : path} on ${this.describe}`;
    return new TransportError(`${operation} ${where}: ${detail}${hint === undefined ? "" : ` (${hint})`}`, {
      cause: err,
      ...(status !== undefined && { reply: status }),
      ...(name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch" ? { code: "TRANSPORT_LOGIN" } : {}),
    });
  }
}

function statusOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("$metadata" in err)) return undefined;
  const metadata = (err as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return metadata?.httpStatusCode;
}

function nameOf(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

function s3Hint(name: string | undefined, status: number | undefined, detail: string, options: S3TransportOptions): string | undefined {
  if (name === "InvalidAccessKeyId") return "the store does not know this access key: check s3.access-key (or AWS_ACCESS_KEY_ID)";
  if (name === "SignatureDoesNotMatch") return "the secret key does not match the access key: check s3.secret-key (or AWS_SECRET_ACCESS_KEY)";
  if (name === "NoSuchBucket") return `bucket "${options.bucket}" does not exist: create it, or check s3.bucket`;
  if (name === "AccessDenied" || status === 403) return "the access key lacks permission on this bucket (it needs list, get, put and delete)";
  if (detail.includes("ECONNREFUSED")) return "nothing answers at that address and port: is the S3 service running? check s3.endpoint";
  if (detail.includes("ENOTFOUND") || detail.includes("EAI_AGAIN")) return "the host name cannot be resolved: check s3.endpoint";
  if (/timeout|ETIMEDOUT/i.test(detail)) return "no answer in time: a firewall may block the connection";
  return undefined;
}

/**
 * The `s3` transport: the `s3.*` keys of a node's configuration, each falling back to the usual
 * AWS variable (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`),
 * or `s3://bucket/prefix?endpoint=URL&region=R` on a command line (keys from the AWS variables).
 */
export const s3TransportKind: TransportKind<"s3"> = {
  name: "s3",
  configKeys: ["s3.endpoint", "s3.region", "s3.bucket", "s3.prefix", "s3.access-key", "s3.secret-key"],
  fromConfig: (node, env) => new S3Transport(s3OptionsFromConfig(node, env)),
  location: {
    value: "url",
    describe: "the parking area at s3://bucket/prefix?endpoint=URL&region=R (keys: $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY)",
    open: (text, env, option) => new S3Transport(parseS3Url(text, env, option)),
  },
};

/**
 * The options the `s3.*` keys of a node's configuration give; a key that is not set falls back to
 * its AWS variable. A missing bucket, access key or secret key is refused naming the key.
 */
export function s3OptionsFromConfig(node: ConfigSource, env: NodeJS.ProcessEnv): S3TransportOptions {
  const setting = (key: ConfigKey, variable: string): string | undefined => {
    const value = node.config(key);
    if (value !== undefined && value !== "") return value;
    const fallback = env[variable];
    return fallback === undefined || fallback === "" ? undefined : fallback;
  };
  const required = (key: ConfigKey, variable: string): string => {
    const value = setting(key, variable);
    if (value !== undefined) return value;
    const how = key === "s3.bucket" ? `"sincro config set ${key} VALUE"` : `"sincro config set ${key} VALUE" or ${variable}`;
    throw new RefusedError(key, `sync: ${key} is not set; set it with ${how}`, { code: "MISSING_CONFIG", say: say("error.missingConfig", { key, how }) });
  };
  const options: S3TransportOptions = {
    bucket: required("s3.bucket", ""),
    accessKeyId: required("s3.access-key", "AWS_ACCESS_KEY_ID"),
    secretAccessKey: required("s3.secret-key", "AWS_SECRET_ACCESS_KEY"),
    region: setting("s3.region", "AWS_REGION") ?? DEFAULT_REGION,
    prefix: node.config("s3.prefix") ?? "",
  };
  const endpoint = setting("s3.endpoint", "AWS_ENDPOINT_URL");
  if (endpoint !== undefined) options.endpoint = endpoint;
  if (node.config("s3.access-key") === undefined && env.AWS_SESSION_TOKEN) options.sessionToken = env.AWS_SESSION_TOKEN;
  return options;
}

/**
 * The options `s3://bucket/prefix?endpoint=URL&region=R` gives, the keys coming from
 * `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and the endpoint and region from
 * `AWS_ENDPOINT_URL` and `AWS_REGION` when the URL has none). A text that is not such a URL is
 * refused (field `s3`), the message starting with `option`.
 */
export function parseS3Url(text: string, env: NodeJS.ProcessEnv, option: string): S3TransportOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RefusedError("s3", `${option} ${text}: not a URL; expected s3://bucket/prefix?endpoint=URL`, { code: "BAD_URL", say: say("transport.s3.notUrl", { option, url: text }) });
  }
  if (url.protocol !== "s3:") throw new RefusedError("s3", `${option}: "${url.protocol}" is not s3:`, { code: "BAD_URL", say: say("transport.s3.scheme", { option, scheme: url.protocol }) });
  if (url.username !== "" || url.password !== "") {
    throw new RefusedError("s3", `${option}: put no keys in the URL; give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`, {
      code: "BAD_URL",
      say: say("transport.s3.keysInUrl", { option }),
    });
  }
  const bucket = url.hostname;
  const problem = checkBucketName(bucket);
  if (problem !== undefined) throw new RefusedError("s3", `${option}: bucket "${bucket}" ${problem}`, { code: "BAD_URL", say: say("transport.s3.badBucket", { option, bucket }) });
  const prefix = decodeURIComponent(url.pathname);
  try {
    checkConfig("s3.prefix", prefix);
  } catch {
    throw new RefusedError("s3", `${option}: prefix "${prefix}" must be names of [A-Za-z0-9._-] separated by "/"`, { code: "BAD_URL", say: say("transport.s3.badPrefix", { option, prefix }) });
  }
  const keys: Array<[string, string]> = [
    ["AWS_ACCESS_KEY_ID", env.AWS_ACCESS_KEY_ID ?? ""],
    ["AWS_SECRET_ACCESS_KEY", env.AWS_SECRET_ACCESS_KEY ?? ""],
  ];
  for (const [variable, value] of keys) {
    if (value === "") throw new RefusedError("s3", `${option}: ${variable} is not set; the S3 keys come from the AWS variables`, {
        code: "MISSING_CONFIG",
        say: say("transport.s3.missingKey", { option, variable }),
      });
  }
  const options: S3TransportOptions = {
    bucket,
    prefix,
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
    region: url.searchParams.get("region") ?? env.AWS_REGION ?? DEFAULT_REGION,
  };
  const endpoint = url.searchParams.get("endpoint") ?? env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && endpoint !== "") options.endpoint = endpoint;
  if (env.AWS_SESSION_TOKEN) options.sessionToken = env.AWS_SESSION_TOKEN;
  return options;
}
