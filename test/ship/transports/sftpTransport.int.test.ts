import { sftpFixture } from "../../support/sftpFixture.js";
import { startSshd } from "../../support/sshServer.js";
import { runTransportContract } from "./transportContract.js";

runTransportContract("sftp over OpenSSH sshd (key login)", async () => sftpFixture(await startSshd({ passwordAuthentication: false }), "key"));
runTransportContract("sftp over OpenSSH sshd (password login)", async () => sftpFixture(await startSshd(), "password"));
