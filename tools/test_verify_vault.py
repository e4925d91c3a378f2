"""End-to-end check that docs/FORMAT.md is enough: vaults made by the real
`consent-ledger` binary are verified by tools/verify_vault.py (which shares no
code with it), both agree on roots, and both name the same tampered event.

Usage: python3 tools/test_verify_vault.py [PATH-TO-consent-ledger]
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import verify_vault  # noqa: E402

BIN = os.environ.get("CONSENT_LEDGER_BIN") or str(HERE.parent / "target" / "debug" / "consent-ledger")
PASS = "tulip orbit canyon ledger 42"
TOOL = [sys.executable, str(HERE / "verify_vault.py")]


def run(cmd, env_extra=None):
    env = dict(os.environ, CONSENT_LEDGER_PASSPHRASE=PASS)
    env.pop("CONSENT_LEDGER_VAULT", None)
    env.update(env_extra or {})
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


class VerifyWithoutConsentLedger(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.vault = Path(cls.tmp.name) / "v"
        out = run([BIN, "--vault", str(cls.vault), "--json", "init", "--org", "ООО «Ромашка»"])
        assert out.returncode == 0, out.stderr
        cls.code = json.loads(out.stdout)["recovery_code"]
        note = run([BIN, "--vault", str(cls.vault), "checkpoint"])
        assert note.returncode == 0, note.stderr
        cls.note = Path(cls.tmp.name) / "cp.txt"
        cls.note.write_text(note.stdout, encoding="utf-8")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def copy(self, name):
        dst = Path(self.tmp.name) / name
        dst.mkdir()
        for f in self.vault.iterdir():
            (dst / f.name).write_bytes(f.read_bytes())
        return dst

    def test_roots_agree_with_both_readers(self):
        cli = run([BIN, "--vault", str(self.vault), "--json", "verify"])
        self.assertEqual(cli.returncode, 0, cli.stderr)
        rep = json.loads(cli.stdout)
        for backend in ("sqlcipher3", "builtin"):
            py = run(TOOL + ["--vault", str(self.vault), "--json", "--backend", backend,
                             "--checkpoint", str(self.note), "--root-at", str(rep["events"])])
            self.assertEqual(py.returncode, 0, py.stdout + py.stderr)
            got = json.loads(py.stdout)
            self.assertTrue(got["ok"])
            self.assertEqual(got["root_at"]["root"], rep["root"], backend)
            self.assertEqual(got["organisation"], "ООО «Ромашка»")

    def test_wrong_passphrase_and_recovery_code(self):
        py = run(TOOL + ["--vault", str(self.vault)], {"CONSENT_LEDGER_PASSPHRASE": "wrong wrong wrong 1"})
        self.assertEqual(py.returncode, 1)
        self.assertIn("wrong passphrase", py.stderr + py.stdout)
        py = run(TOOL + ["--vault", str(self.vault), "--recovery-code"],
                 {"CONSENT_LEDGER_RECOVERY_CODE": self.code.lower().replace("-", " ")})
        self.assertEqual(py.returncode, 0, py.stdout + py.stderr)

    def test_an_interrupted_import_is_not_read(self):
        dst = self.copy("interrupted")
        (dst / "vault.db-journal").write_bytes(b"\x00" * 512)
        for backend in ("sqlcipher3", "builtin"):
            py = run(TOOL + ["--vault", str(dst), "--json", "--backend", backend])
            self.assertNotEqual(py.returncode, 0, backend)
            self.assertIn("journal_not_empty", py.stdout + py.stderr, backend)
        # An empty journal is no crash's.
        (dst / "vault.db-journal").write_bytes(b"")
        py = run(TOOL + ["--vault", str(dst), "--json"])
        self.assertEqual(py.returncode, 0, py.stdout + py.stderr)

    def test_same_tampered_event_named_by_both(self):
        dst = self.copy("tampered")
        kf = verify_vault.load_keys(dst)
        master, _ = verify_vault.unlock(kf, "passphrase", PASS.encode())
        import sqlcipher3
        conn = sqlcipher3.connect(str(dst / "vault.db"))
        conn.execute("PRAGMA key = \"x'%s'\"" % master.hex())
        conn.executescript("DROP TRIGGER events_no_update; UPDATE events SET body = '{\"forged\":1}' WHERE seq = 3;")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        py = run(TOOL + ["--vault", str(dst), "--json"])
        self.assertEqual(py.returncode, 3, py.stdout + py.stderr)
        self.assertEqual(json.loads(py.stdout)["problem"]["seq"], 3)
        cli = run([BIN, "--vault", str(dst), "--json", "verify"])
        self.assertEqual(cli.returncode, 3, cli.stdout + cli.stderr)
        self.assertEqual(json.loads(cli.stdout)["problem"]["seq"], 3)

    def test_same_altered_agreement_named_by_both(self):
        dst = self.copy("agreement")
        cli = lambda *a: run([BIN, "--vault", str(dst), "--json", *a])
        self.assertEqual(cli("org", "set", "--full-name", "ООО «Ромашка»", "--address", "Москва",
                             "--email", "p@romashka.example").returncode, 0)
        self.assertEqual(cli("agreement", "new", "--template", "gdpr", "--lang", "en").returncode, 0)
        pub = cli("agreement", "publish", "1")
        self.assertEqual(pub.returncode, 0, pub.stderr)
        seq = json.loads(pub.stdout)["seq"]
        py = run(TOOL + ["--vault", str(dst), "--json"])
        self.assertEqual(py.returncode, 0, py.stdout + py.stderr)
        kf = verify_vault.load_keys(dst)
        master, _ = verify_vault.unlock(kf, "passphrase", PASS.encode())
        import sqlcipher3
        conn = sqlcipher3.connect(str(dst / "vault.db"))
        conn.execute("PRAGMA key = \"x'%s'\"" % master.hex())
        conn.executescript("DROP TRIGGER agreement_versions_frozen; "
                           "UPDATE agreement_versions SET content = replace(content, 'enquiry', 'data sale');")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        for out in (run(TOOL + ["--vault", str(dst), "--json"]), cli("verify")):
            self.assertEqual(out.returncode, 3, out.stdout + out.stderr)
            problem = json.loads(out.stdout)["problem"]
            self.assertEqual((problem["code"], problem["seq"]), ("agreement_altered", seq))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or not result.testsRun else 0)
