import { startEmbeddedFtpServer } from "../../../src/ship/transports/embeddedFtpServer.js";
import { ftpFixture } from "../../support/ftpFixture.js";
import { startPureFtpd, startVsftpd } from "../../support/ftpServers.js";
import { runTransportContract } from "./transportContract.js";

runTransportContract("ftp over ftp-srv (embedded, plain)", async () => ftpFixture(await startEmbeddedFtpServer()));
runTransportContract("ftp over vsftpd (plain)", async () => ftpFixture(await startVsftpd()));
runTransportContract("ftp over vsftpd (explicit FTPS)", async () => ftpFixture(await startVsftpd({ tls: true })));
runTransportContract("ftp over pure-ftpd (plain)", async () => ftpFixture(await startPureFtpd()));
runTransportContract("ftp over pure-ftpd (explicit FTPS)", async () => ftpFixture(await startPureFtpd({ tls: true })));
