import { describe, expect, it } from "vitest";
import { sincroAsync } from "../support/cli.js";

describe("sincro demo", () => {
  it("prints its table in the user's language (Italian from the locale), every rule held", async () => {
    const r = await sincroAsync(["demo"], { LANG: "it_IT.UTF-8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^server FTP incorporato su ftp:\/\/\S*127\.0\.0\.1:\d+\S* \(cartella .+\)$/);
    expect(r.stdout).toContain("mattina in sede: agenti, catalogo, listini, clienti\n");
    // The forged file stops the agent's folder, said in Italian.
    expect(r.stdout).toMatch(/^ {2}la ricezione dalla sede è ferma al file SincroSede\/_ALL\/\d{10}\.seg, che non ha superato la verifica \(dettaglio tecnico: .+\); è stato chiesto di nuovo/m);
    expect(lines.find((l) => l.startsWith("regola"))).toMatch(/^regola +rispettata su ogni nodo +dettaglio$/);
    expect(lines.find((l) => l.startsWith("la prima sincronizzazione aspetta che la sede pubblichi"))).toMatch(/ sì +/);
    expect(lines.find((l) => l.startsWith("una connessione caduta a metà invio non perde e non duplica niente"))).toMatch(/ sì +/);
    expect(lines.some((l) => / NO +/.test(l))).toBe(false);
    expect(lines.at(-2)).toMatch(/^14 regole rispettate su 14 \(\d+(,\d)? s\)$/);
  }, 240_000);
});
