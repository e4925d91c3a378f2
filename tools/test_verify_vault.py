"""End-to-end check that docs/FORMAT.md is enough: vaults made by the real
`consent-ledger` binary are verified by tools/verify_vault.py (which shares no
code with it), both agree on roots, and both name the same tampered event.

Usage: python3 tools/test_verify_vault.py [PATH-TO-consent-ledger]
"""

import datetime
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


class KeySlots(unittest.TestCase):
    def test_a_slot_asking_too_much_of_the_reader_is_refused(self):
        slot = {
            "id": "a", "kind": "passphrase", "aead": "xchacha20poly1305",
            "kdf": {"algorithm": "argon2id", "m_kib": 131072, "t": 3, "p": 1,
                    "salt": "AAAAAAAAAAAAAAAAAAAAAA=="},
            "nonce": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "wrapped_key": "A" * 64,
        }
        verify_vault.check_slot(slot)
        for field, huge in (("m_kib", 4 * 1024 * 1024), ("t", 10**9), ("p", 17)):
            bad = json.loads(json.dumps(slot))
            bad["kdf"][field] = huge
            with self.assertRaisesRegex(ValueError, "beyond what a reader accepts"):
                verify_vault.check_slot(bad)


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


class EvidencePack(unittest.TestCase):
    """tools/verify_pack.py checks a pack made by the CLI as `pack verify`
    does (a person pack and an inspection pack, docs/FORMAT.md §15), and
    both find a changed byte of its PDF or JSON, a swapped proof, another
    vault's key, an issued.json whose later checkpoint does not extend
    checkpoint.txt, and a pack.json naming another checkpoint."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        vault = root / "v"
        env = {"CONSENT_LEDGER_DATA_DIR": str(root / "app-data")}

        def cli(*a):
            out = run([BIN, "--vault", str(vault), "--json", *a], env)
            assert out.returncode == 0, (a, out.stdout, out.stderr)
            return json.loads(out.stdout) if out.stdout.strip() else None

        cli("init", "--org", "ООО «Ромашка»")
        cli("org", "set", "--full-name", "ООО «Ромашка»", "--address", "Москва", "--email", "privacy@romashka.example")
        cli("agreement", "new", "--template", "processing", "--lang", "ru")
        cli("agreement", "publish", "1")
        s = cli("consent", "add", "--agreement", "A1", "--name", "Анна Смирнова", "--email", "anna@example.org")["subject"]
        r = cli("request", "new", "--kind", "access", "--subject", s)["id"]
        cli("request", "identity", str(r), "--method", "email")
        cli("request", "fulfil", str(r))
        # A withdrawal long past, its data neither erased nor kept on another ground: overdue.
        cli("consent", "add", "--agreement", "A1", "--name", "Пётр Иванов", "--email", "petr@example.org",
            "--at", "2025-01-10T10:00:00Z")
        cls.withdrawal = cli("consent", "withdraw", "--agreement", "A1", "--email", "petr@example.org",
                             "--at", "2025-01-15T10:00:00Z")["subject"]
        cls.pack = root / "pack.zip"
        cli("pack", "person", s, "--out", str(cls.pack))
        cls.inspection = root / "inspection.zip"
        cli("pack", "inspection", "--lang", "en", "--out", str(cls.inspection))
        cls.key = cli("info")["verifier_key"]
        other = root / "other"
        cls.other_key = json.loads(run([BIN, "--vault", str(other), "--json", "init", "--org", "Другая"], env).stdout)["verifier_key"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def both(self, path, key):
        """(exit, Python's JSON); the CLI must exit alike and, for an intact pack, report the same facts."""
        py = run([sys.executable, str(HERE / "verify_pack.py"), str(path), "--json", "--verifier-key", key])
        cl = run([BIN, "--json", "pack", "verify", str(path), "--verifier-key", key])
        both = py.stdout + py.stderr + cl.stdout + cl.stderr
        self.assertEqual(py.returncode, cl.returncode, both)
        got, cli_got = json.loads(py.stdout), json.loads(cl.stdout)
        self.assertEqual(got["ok"], cli_got["ok"], both)
        if got["ok"]:
            self.assertEqual(got["pack"], cli_got["pack"], both)
        return py.returncode, got

    def fails(self, path, *words, key=None):
        """Both checkers reject the pack, each naming every one of `words`."""
        key = key or self.key
        py = run([sys.executable, str(HERE / "verify_pack.py"), str(path), "--json", "--verifier-key", key])
        cl = run([BIN, "--json", "pack", "verify", str(path), "--verifier-key", key])
        for who, r in (("verify_pack.py", py), ("pack verify", cl)):
            self.assertEqual(r.returncode, 3, f"{who}: {r.stdout}{r.stderr}")
            out = json.loads(r.stdout)
            self.assertFalse(out["ok"], who)
            for w in words:
                self.assertIn(w, out["problem"], who)

    def files(self, pack):
        import zipfile
        with zipfile.ZipFile(pack) as z:
            return {n: z.read(n) for n in z.namelist()}

    def changed(self, name, f, pack=None):
        import zipfile
        pack = pack or self.pack
        dst_path = Path(self.tmp.name) / f"changed-{pack.stem}-{name}-{len(list(Path(self.tmp.name).glob('changed-*')))}.zip"
        with zipfile.ZipFile(dst_path, "w") as dst:
            for n, data in self.files(pack).items():
                dst.writestr(n, f(data) if n == name else data)
        return dst_path

    def changed_issued(self, f, pack=None):
        """The pack with issued.json's object passed through `f`."""
        def edit(b):
            issued = json.loads(b)
            f(issued)
            return json.dumps(issued, ensure_ascii=False, indent=2).encode()
        return self.changed("issued.json", edit, pack)

    def anchors(self, pack):
        """checkpoint.txt's size and root (hex), pack.json, issued.json."""
        import base64
        files = self.files(pack)
        lines = files["checkpoint.txt"].decode().split("\n")
        size, root = int(lines[1]), base64.b64decode(lines[2]).hex()
        return size, root, json.loads(files["pack.json"]), json.loads(files["issued.json"])

    def test_an_intact_pack_checks_alike(self):
        code, out = self.both(self.pack, self.key)
        self.assertEqual(code, 0, out)
        self.assertTrue(out["ok"])
        self.assertEqual(out["pack"]["kind"], "person")
        self.assertGreaterEqual(out["pack"]["events"], 4)
        size, root, facts, issued = self.anchors(self.pack)
        self.assertEqual(facts["checkpoint"], {"tree_size": size, "root": root, "verifier_key": self.key})
        self.assertEqual((out["pack"]["tree_size"], out["pack"]["root"]), (size, root))
        self.assertEqual(set(issued), {"event", "checkpoint", "inclusion", "consistency"})
        self.assertGreater(issued["event"]["seq"], size, "the pack's event comes after checkpoint.txt")
        self.assertGreater(int(issued["checkpoint"].split("\n")[1]), size)
        self.assertNotIn(str(issued["event"]["seq"]), json.loads(self.files(self.pack)["proofs.json"])["proofs"])

    def test_an_intact_inspection_pack_checks_alike(self):
        code, out = self.both(self.inspection, self.key)
        self.assertEqual(code, 0, out)
        self.assertEqual(out["pack"]["kind"], "inspection")
        size, root, facts, issued = self.anchors(self.inspection)
        self.assertEqual(facts["checkpoint"], {"tree_size": size, "root": root, "verifier_key": self.key})
        i = facts["inspection"]
        # The whole log was verified just before checkpoint.txt was signed.
        self.assertEqual((i["verification"]["events"], i["verification"]["root"]), (size, root))
        self.assertEqual(i["period"], {"from": None, "to": None})
        self.assertEqual([a["label"] for a in i["agreements"]], ["A1-v1"])
        self.assertEqual([t["label"] for t in facts["texts"]], ["A1-v1"])
        self.assertEqual([e["kind"] for e in facts["events"]], ["agreement.published"])
        self.assertEqual(out["pack"]["events"], 2)
        self.assertEqual(i["register"]["total"], 3)
        self.assertEqual(sorted((t["name"], t["action"], t["n"]) for t in i["register"]["by_version"]),
                         [("A1-v1", "given", 2), ("A1-v1", "withdrawn", 1)])
        self.assertEqual(i["requests"]["deadlines"], {"met": 1})
        w = i["destruction"]["withdrawals"]
        self.assertEqual((w["total"], w["overdue"], w["erased_in_time"], w["kept_consent_in_force"]), (1, 1, 0, 0))
        self.assertEqual([(x["subject"], x["due"], x["deadline"], x["erased_on"]) for x in w["exceptions"]],
                         [(self.withdrawal, "2025-02-14", "overdue", None)])
        self.assertEqual(i["acts"], [])

    def test_a_changed_pdf_byte(self):
        code, out = self.both(self.changed("pack.pdf", lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:]), self.key)
        self.assertEqual(code, 3)
        self.assertIn("pack.pdf", out["problem"])

    def test_a_changed_json(self):
        code, out = self.both(self.changed("pack.json", lambda b: b.replace(b"anna@example.org", b"anna@example.com", 1)), self.key)
        self.assertEqual(code, 3)
        self.assertIn("pack.json", out["problem"])
        self.fails(self.changed("pack.json", lambda b: b.replace(b'"register":{"total":3', b'"register":{"total":4', 1), self.inspection),
                   "pack.json", "changed")

    def test_a_swapped_proof(self):
        def swap(b):
            p = json.loads(b)
            k = list(p["proofs"])
            p["proofs"][k[0]], p["proofs"][k[1]] = p["proofs"][k[1]], p["proofs"][k[0]]
            return json.dumps(p).encode()
        code, out = self.both(self.changed("proofs.json", swap), self.key)
        self.assertEqual(code, 3)
        self.assertIn("inclusion proof", out["problem"])

    def test_another_vaults_key(self):
        code, out = self.both(self.pack, self.other_key)
        self.assertEqual(code, 3)
        self.assertIn("another vault", out["problem"])
        swapped = self.changed("verifier-key.txt", lambda b: (self.other_key + "\n").encode())
        code, _ = self.both(swapped, self.other_key)
        self.assertEqual(code, 3, "the checkpoint is not signed by the other vault's key")

    def test_issued_under_checkpoint_txt_itself(self):
        # The pack's event proven against checkpoint.txt's own note: that tree does not hold it.
        for pack in (self.pack, self.inspection):
            note = self.files(pack)["checkpoint.txt"].decode()
            dst = self.changed_issued(lambda i: i.update(checkpoint=note), pack)
            self.assertEqual(self.both(dst, self.key)[0], 3)
            self.fails(dst, "consistency")

    def test_issued_without_its_consistency_proof(self):
        dst = self.changed_issued(lambda i: i.update(consistency=[]))
        self.assertEqual(self.both(dst, self.key)[0], 3)
        self.fails(dst, "consistency")

    def test_issued_with_a_changed_consistency_hash(self):
        def flip(i):
            h = i["consistency"][0]
            i["consistency"][0] = ("0" if h[0] != "0" else "1") + h[1:]
        self.fails(self.changed_issued(flip, self.inspection), "consistency")

    def test_pack_json_names_another_checkpoint_root(self):
        size, root, _, _ = self.anchors(self.pack)
        other = ("0" if root[0] != "0" else "1") + root[1:]

        def edit(b):
            before = f'"root": "{root}"'.encode()
            self.assertEqual(b.count(before), 1, "pack.json's checkpoint.root")
            return b.replace(before, f'"root": "{other}"'.encode())
        dst = self.changed("pack.json", edit)
        self.assertEqual(self.both(dst, self.key)[0], 3)
        self.fails(dst, "pack.json", "checkpoint")


class VerifierKey(unittest.TestCase):
    def test_a_key_whose_base64_holds_a_plus_is_read(self):
        name, key = verify_vault.parse_verifier_key(
            "consent-ledger/e128c47ff0d85057a1d73a9a6affc63d+f09ae8dd+AeRpmOhT7eMMI33BsN9nKieZysSTrviyG1+qtum9KgwZ")
        self.assertEqual(name, "consent-ledger/e128c47ff0d85057a1d73a9a6affc63d")
        self.assertEqual(len(key), 32)


class SampleVault(unittest.TestCase):
    """docs/sample-vault: the committed sample verifies with the results it
    states, through both readers, and is left unchanged."""

    def test_sample_vault_verifies_as_expected(self):
        root = HERE.parent / "docs" / "sample-vault"
        expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
        before = snapshot(root / "vault")
        for backend in ("sqlcipher3", "builtin"):
            py = run(TOOL + ["--vault", str(root / "vault"), "--json", "--backend", backend,
                             "--witness", str(root / "witness"), "--verifier-key", expected["verifier_key"]],
                     {"CONSENT_LEDGER_PASSPHRASE": expected["passphrase"]})
            self.assertEqual(py.returncode, 0, py.stdout + py.stderr)
            got = json.loads(py.stdout)
            self.assertEqual((got["events"], got["checkpoints"], got["root"], got["vault_id"]),
                             (expected["events"], expected["checkpoints"], expected["root"], expected["vault_id"]), backend)
        self.assertEqual(snapshot(root / "vault"), before)

    def test_sample_pack_checks_with_the_vaults_key(self):
        root = HERE.parent / "docs" / "sample-vault"
        expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
        for pack in ("pack", "inspection_pack"):
            py = run([sys.executable, str(HERE / "verify_pack.py"), str(root / expected[pack]["file"]), "--json",
                      "--verifier-key", expected["verifier_key"]])
            self.assertEqual(py.returncode, 0, py.stdout + py.stderr)
            got = json.loads(py.stdout)["pack"]
            self.assertEqual((got["id"], got["events"]), (expected[pack]["id"], expected[pack]["events"]))


def raw(dst, script):
    """Runs SQL on a vault with its key, as someone holding the passphrase
    could (triggers dropped by the script itself). `script` is SQL text or a
    function of the connection."""
    kf = verify_vault.load_keys(dst)
    master, _ = verify_vault.unlock(kf, "passphrase", PASS.encode())
    import sqlcipher3
    conn = sqlcipher3.connect(str(dst / "vault.db"))
    conn.execute("PRAGMA key = \"x'%s'\"" % master.hex())
    if callable(script):
        script(conn)
    else:
        conn.executescript(script)
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def store_nodes(conn):
    """Stores the Merkle nodes (level 6 and up) of the events as they are now, as whoever holds the key can
    after rewriting events with their hashes (its triggers already dropped)."""
    frontier, nodes = verify_vault.Frontier(), []
    for (leaf,) in conn.execute("SELECT leaf_hash FROM events ORDER BY seq"):
        frontier.push(leaf, lambda level, idx, h: nodes.append((level, idx, h)) if level >= verify_vault.STORED_MIN_LEVEL else None)
    conn.execute("DELETE FROM merkle_nodes")
    conn.executemany("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)


def snapshot(folder):
    return sorted((f.name, f.read_bytes()) for f in Path(folder).iterdir())


class TamperedFactsNamedAlikeByBoth(unittest.TestCase):
    """Each edit of the issue's table, on a copy of a vault made by the CLI:
    both verifiers exit 3 and name the same code and seq, and neither
    changes a byte of the vault it checks."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.vault = root / "v"
        cls.data = root / "app-data"
        cls.witness = cls.data / "witness"

        def cli(*a, env=None):
            out = run([BIN, "--vault", str(cls.vault), "--json", *a], {"CONSENT_LEDGER_DATA_DIR": str(cls.data), **(env or {})})
            assert out.returncode == 0, (a, out.stdout, out.stderr)
            return json.loads(out.stdout) if out.stdout.strip() else None

        def last(kind):
            events = cli("log", "--limit", "20")["events"]
            return next(e["seq"] for e in events if e["kind"] == kind)

        cli("init", "--org", "ООО «Ромашка»")
        cli("org", "set", "--full-name", "ООО «Ромашка»", "--inn", "7707083893", "--address", "Москва",
            "--email", "privacy@romashka.example")
        cls.requisites = last("organisation.requisites_changed")
        cli("agreement", "new", "--template", "gdpr", "--lang", "en")
        cli("agreement", "publish", "1")
        cli("consent", "add", "--agreement", "A1", "--name", "Анна Смирнова", "--email", "anna@example.org",
            "--at", "2025-03-01T10:00:00Z", "--channel", "web_form")
        cls.given = last("consent.given")
        for name, email in (("Смирнова А.", "anna@home.example"), ("Пётр Иванов", "petr@example.org")):
            cli("consent", "add", "--agreement", "A1", "--name", name, "--email", email, "--at", "2025-03-02T10:00:00Z")
        who = lambda q: cli("consent", "search", q)[0]["subject"]
        cli("consent", "merge", who("anna@example.org"), who("anna@home.example"))
        cls.merge = last("subject.merged")
        cls.erased_subject = who("petr@example.org")
        cls.act = cli("subject", "erase", cls.erased_subject, "--reason", "request 12", "--yes")["act"]
        cls.erased = last("subject.erased")
        csv = root / "consents.csv"
        csv.write_text("Дата;ФИО;E-mail\n2025-03-14 10:00;Олег;oleg@example.org\n", encoding="utf-8")
        cli("import", str(csv), "--agreement", "A1")
        cls.imported = last("consent.imported")
        # Requests: a withdrawal with a letter attached, fulfilled; a restriction with a legal hold;
        # a calendar year loaded.
        anna = who("anna@example.org")
        letter = root / "letter.txt"
        letter.write_text("Отзываю согласие", encoding="utf-8")
        cls.request = cli("request", "new", "--kind", "withdrawal", "--subject", anna, "--attach", str(letter))["id"]
        cls.attached = last("request.file_attached")
        cli("request", "identity", str(cls.request), "--method", "email")
        cli("request", "fulfil", str(cls.request))
        cls.fulfilled = last("request.fulfilled")
        hold = cli("request", "new", "--kind", "restriction", "--subject", anna)["id"]
        cli("request", "identity", str(hold), "--method", "email")
        cli("request", "fulfil", str(hold), "--legal-hold")
        cls.restricted = last("subject.restricted")
        year = root / "ru-2027.json"
        year.write_text('{"region":"RU","year":2027,"status":"decreed","source":"test","days_off":["2027-01-01"],"working_days":[]}',
                        encoding="utf-8")
        cli("calendar", "load", str(year))
        cls.calendar = last("calendar.loaded")
        # A letter issued (schema 10): the acknowledgement of the withdrawal.
        cls.document = cli("letter", "issue", str(cls.request), "acknowledgement")["seq"]
        # An incident (schema 11): recorded, edited, a notice recorded as sent, and that notice's draft issued.
        cls.incident = cli("incident", "new", "--title", "CRM export left open", "--detected", "now",
                           "--summary", "A CRM export was public for a day", "--subjects", "5")["id"]
        cls.incident_updated = cli("incident", "edit", str(cls.incident), "--records", "10")["seq"]
        cls.notified = cli("incident", "sent", str(cls.incident), "rkn-24h", "--at", "now", "--reference", "portal 1")["seq"]
        cls.notice = cli("incident", "notice", str(cls.incident), "rkn-24h", "--out", str(root / "rkn-24h.pdf"))["seq"]
        # Processing activities (schema 13): one made from the agreement and edited; one retired. Before
        # the operators: their tests cut the log after an operator event.
        cls.activity = cli("activity", "from-agreement", "1")["id"]
        cls.activity_updated = cli("activity", "edit", str(cls.activity), "--people", "Customers",
                                   "--security", "Disk encryption")["seq"]
        cls.old_activity = cli("activity", "new", "--name", "Old newsletter", "--purpose", "News", "--basis", "consent")["id"]
        cls.activity_retired = cli("activity", "retire", str(cls.old_activity))["seq"]
        # The GDPR records published from the register: a document keeping its snapshot as facts.
        cls.records = cli("ropa", "publish")["seq"]
        # The notice to Roskomnadzor (§19.4): published, an item changed, published again (which issues the
        # notice of changes), and the notice of changes recorded as sent.
        cls.notice_activity = cli("activity", "new", "--name", "Обращения с сайта", "--law", "152-fz",
                                  "--purpose", "Ответ на обращения", "--basis", "consent", "--people", "Посетители сайта",
                                  "--data", "Имя", "--action", "сбор", "--methods", "automated", "--security", "Шифрование",
                                  "--responsible", "Иванова М. П.", "--started", "2025-01-15",
                                  "--storage-country", "Россия", "--retention", "1 год")["id"]
        cli("notice", "publish")
        cli("activity", "edit", str(cls.notice_activity), "--retention", "2 года")
        cli("notice", "publish")
        cls.change_due = cli("notice", "changes")["notices"][0]["due"]
        cls.notice_sent = cli("notice", "sent", "NTFCH-ru-2")["seq"]
        # Operators (schema 12): an auditor made an operator, another auditor who signs in once, and an
        # operator added then removed. Each has their own passphrase.
        add = lambda name, role, passphrase: cli("operator", "add", "--name", name, "--role", role,
                                                 env={"CONSENT_LEDGER_NEW_PASSPHRASE": passphrase})["slot"]
        cls.maria = add("Иванова Мария", "auditor", "maple quartz river lantern 77")
        cls.maria_added = last("operator.added")
        cls.maria_role = cli("operator", "role", "Иванова Мария", "--role", "operator")["seq"]
        cls.auditor = add("Пётр Ревизор", "auditor", "copper meadow falcon signal 31")
        cls.auditor_added = last("operator.added")
        cli("checkpoint", env={"CONSENT_LEDGER_PASSPHRASE": "copper meadow falcon signal 31"})
        cls.temporary = add("Олег Временный", "operator", "violet harbour cinder compass 58")
        cls.temporary_added = last("operator.added")
        cls.removed = cli("operator", "remove", "Олег Временный")["seq"]
        cls.operators = cli("operator", "list")
        cli("info")  # a run that records nothing but its unlock, lock and checkpoint
        cls.checkpoints = cli("checkpoint", "list")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tampered(self, name, script):
        dst = Path(self.tmp.name) / name
        dst.mkdir()
        for f in self.vault.iterdir():
            (dst / f.name).write_bytes(f.read_bytes())
        raw(dst, script)
        return dst

    def both(self, dst, witness=True):
        """(exit, code, seq) of the CLI and of the Python tool; the vault unchanged by either."""
        before = snapshot(dst)
        data = self.data if witness else Path(self.tmp.name) / "no-witness"
        cli = run([BIN, "--vault", str(dst), "--json", "verify"], {"CONSENT_LEDGER_DATA_DIR": str(data)})
        py = run(TOOL + ["--vault", str(dst), "--json", "--witness", str(data / "witness")])
        self.assertEqual(snapshot(dst), before, "verify changed the vault")
        out = []
        for r in (cli, py):
            self.assertIn(r.returncode, (0, 3), r.stdout + r.stderr)
            p = json.loads(r.stdout)["problem"]
            out.append((r.returncode, p and p["code"], p and p["seq"]))
        self.assertEqual(out[0], out[1], f"CLI and Python disagree: {out}")
        return out[0]

    def test_intact_vault_verifies_alike(self):
        self.assertEqual(self.both(self.vault), (0, None, None))

    def test_register_action_changed(self):
        dst = self.tampered("action", f"DROP TRIGGER consents_no_update; UPDATE consents SET action = 'refused' WHERE id = {self.given};")
        self.assertEqual(self.both(dst), (3, "register_mismatch", self.given))
        shown = run([BIN, "--vault", str(dst), "--json", "consent", "show", str(self.given)],
                    {"CONSENT_LEDGER_DATA_DIR": str(Path(self.tmp.name) / "show")})
        self.assertEqual(json.loads(shown.stdout)["matches_ledger"], False, shown.stdout + shown.stderr)

    def test_personal_data_deleted(self):
        dst = self.tampered("data", f"DELETE FROM subject_data WHERE event_seq = {self.given};")
        self.assertEqual(self.both(dst), (3, "data_missing", self.given))

    def test_inn_changed(self):
        dst = self.tampered("inn", "UPDATE organisation SET requisites = replace(requisites, '7707083893', '7707083894');")
        self.assertEqual(self.both(dst), (3, "requisites_mismatch", self.requisites))

    def test_merge_deleted(self):
        dst = self.tampered("merge", "DROP TRIGGER subject_merges_no_delete; DELETE FROM subject_merges;")
        self.assertEqual(self.both(dst), (3, "merge_mismatch", self.merge))

    def test_erasure_undone(self):
        dst = self.tampered("unerase", f"UPDATE subjects SET erased_at = NULL WHERE id = '{self.erased_subject}';")
        self.assertEqual(self.both(dst), (3, "erasure_mismatch", self.erased))

    def test_import_counts_changed(self):
        dst = self.tampered("import", "UPDATE imports SET rows_added = 99;")
        self.assertEqual(self.both(dst), (3, "register_mismatch", self.imported))

    def test_wrong_sql_types_are_mismatches_not_errors(self):
        dst = self.tampered("types", f"DROP TRIGGER consents_no_update; UPDATE consents SET version = 'one' WHERE id = {self.given};")
        self.assertEqual(self.both(dst), (3, "register_mismatch", self.given))
        dst = self.tampered("blob", f"UPDATE subject_data SET data = CAST(data AS BLOB) WHERE event_seq = {self.given};")
        self.assertEqual(self.both(dst), (3, "data_mismatch", self.given))

    def test_request_status_changed(self):
        dst = self.tampered("request", f"UPDATE requests SET status = 'refused' WHERE id = {self.request};")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.fulfilled))

    def test_request_row_deleted(self):
        dst = self.tampered("request-gone", f"DELETE FROM request_events; DELETE FROM followups; DELETE FROM request_files; DELETE FROM requests WHERE id = {self.request};")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.request))

    def test_request_file_changed(self):
        dst = self.tampered("file", f"UPDATE request_files SET content = CAST('Даю согласие' AS BLOB) WHERE id = {self.attached};")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.attached))

    def test_restriction_lifted_without_an_event(self):
        dst = self.tampered("unrestrict", "DELETE FROM restrictions;")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.restricted))

    def test_issued_letter_changed(self):
        dst = self.tampered("letter", f"UPDATE documents SET pdf = pdf || x'0a' WHERE event_seq = {self.document};")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.document))

    def test_issued_letter_emptied_without_an_erasure(self):
        dst = self.tampered("letter-gone", f"UPDATE documents SET text = '', pdf = x'', erased = 1 WHERE event_seq = {self.document};")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.document))

    def test_destruction_act_facts_changed(self):
        dst = self.tampered("act", f"UPDATE documents SET facts = replace(facts, 'request 12', 'request 13') WHERE id = '{self.act}';")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.erased + 1))

    def test_destruction_act_emptied_without_an_event(self):
        dst = self.tampered("act-gone", f"UPDATE documents SET facts = NULL, text = '', pdf = x'', erased = 1 WHERE id = '{self.act}';")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.erased + 1))

    def test_intact_incidents_verify_with_python(self):
        shown = run([BIN, "--vault", str(self.vault), "--json", "incident", "show", str(self.incident)],
                    {"CONSENT_LEDGER_DATA_DIR": str(Path(self.tmp.name) / "show-incident")})
        history = [e["seq"] for e in json.loads(shown.stdout)["history"]]
        self.assertEqual(history, [self.incident, self.incident_updated, self.notified, self.notice], shown.stdout)
        py = run(TOOL + ["--vault", str(self.vault), "--json"])
        self.assertEqual(py.returncode, 0, py.stdout + py.stderr)
        self.assertTrue(json.loads(py.stdout)["ok"])

    def test_incident_details_changed(self):
        dst = self.tampered("incident-details", "UPDATE incidents SET details = replace(details, 'for a day', 'for an hour');")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.incident_updated))

    def test_incident_detection_moved(self):
        dst = self.tampered("incident-detected", "UPDATE incidents SET detected_at = '2020-01-01T00:00:00Z';")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.incident_updated))

    def test_incident_closed_without_an_event(self):
        dst = self.tampered("incident-closed", "UPDATE incidents SET status = 'closed', closed_at = '2026-12-31T00:00:00Z';")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.incident_updated))

    def test_incident_notice_deleted(self):
        dst = self.tampered("notice-gone", "DELETE FROM incident_notices;")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.notified))

    def test_incident_notice_changed(self):
        dst = self.tampered("notice-sent-at", "UPDATE incident_notices SET sent_at = '2020-01-01T00:00:00Z';")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.notified))
        dst = self.tampered("notice-reference", "UPDATE incident_notices SET reference = 'portal 2';")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.notified))

    def test_incident_history_row_deleted(self):
        dst = self.tampered("incident-history", f"DELETE FROM incident_events WHERE seq = {self.notified};")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.notified))

    def test_incident_notice_draft_unlinked(self):
        dst = self.tampered("notice-draft", f"UPDATE documents SET incident_id = NULL WHERE event_seq = {self.notice};")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.notice))

    def test_incident_deleted_entirely(self):
        dst = self.tampered("incident-gone", "DELETE FROM incident_notices; DELETE FROM incident_events; "
                                             "UPDATE documents SET incident_id = NULL WHERE incident_id IS NOT NULL; DELETE FROM incidents;")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.incident))

    def test_intact_activities_verify_with_python(self):
        py = run(TOOL + ["--vault", str(self.vault), "--json"])
        self.assertEqual(py.returncode, 0, py.stdout + py.stderr)
        self.assertTrue(json.loads(py.stdout)["ok"])

    def test_activity_details_changed(self):
        dst = self.tampered("activity-details", "UPDATE activities SET details = replace(details, 'Disk encryption', 'None');")
        self.assertEqual(self.both(dst), (3, "activity_mismatch", self.activity_updated))

    def test_activity_brought_back_without_an_event(self):
        dst = self.tampered("activity-unretired", f"UPDATE activities SET status = 'active', retired_at = NULL WHERE id = {self.old_activity};")
        self.assertEqual(self.both(dst), (3, "activity_mismatch", self.activity_retired))

    def test_activity_history_row_deleted(self):
        dst = self.tampered("activity-history", f"DELETE FROM activity_events WHERE seq = {self.activity_updated};")
        self.assertEqual(self.both(dst), (3, "activity_mismatch", self.activity_updated))

    def test_published_records_snapshot_changed(self):
        # The row is frozen (schema 14); whoever holds the key can drop the trigger, and verify still sees it.
        dst = self.tampered("records-facts", "DROP TRIGGER processing_documents_frozen; "
                                             "UPDATE documents SET facts = replace(facts, 'Disk encryption', 'None') WHERE id = 'ROPA-en';")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.records))

    def test_notice_sending_rewritten(self):
        # The sending rewritten to name the GDPR records, which are no notice to Roskomnadzor.
        seq = self.notice_sent
        today = datetime.date.today().isoformat()
        body = json.dumps({"due": self.change_due, "id": "ROPA-en", "late": False, "sent_on": today}, separators=(",", ":"))
        # The operators added after it go with the events cut (the rewrite cuts the log after it).
        later = f"DELETE FROM operators WHERE added_seq > {seq};"
        dst = self.rewritten("sent-not-a-notice", seq, body=body, then=later)
        self.assertEqual(self.both(dst, witness=False), (3, "activity_mismatch", seq))
        # On no day.
        body = json.dumps({"due": self.change_due, "id": "NTFCH-ru-2", "late": False, "sent_on": "2027-02-30"}, separators=(",", ":"))
        dst = self.rewritten("sent-on-no-day", seq, body=body, then=later)
        self.assertEqual(self.both(dst, witness=False), (3, "activity_mismatch", seq))

    def test_activity_deleted_entirely(self):
        dst = self.tampered("activity-gone", "DELETE FROM activity_events; DELETE FROM activities;")
        self.assertEqual(self.both(dst), (3, "activity_mismatch", self.activity))

    def test_hostile_incident_rows_are_mismatches_not_errors(self):
        dst = self.tampered("notice-type", "UPDATE incident_notices SET incident_id = 'five';")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.notified))
        # The negative seq reads as a u64 in the CLI, past every real one: the missing notice is named.
        dst = self.tampered("notice-negative", "UPDATE incident_notices SET event_seq = -event_seq;")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", self.notified))
        dst = self.tampered("incident-extra", "INSERT INTO incidents (id, details, detected_at, law, status, last_seq) "
                                              "SELECT -id, details, detected_at, law, status, last_seq FROM incidents;")
        self.assertEqual(self.both(dst), (3, "incident_mismatch", 2**64 - self.incident))

    def test_incident_event_rewritten_as_a_non_object(self):
        seq = self.incident_updated

        def rewrite(conn):
            conn.executescript(f"""DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
                DROP TRIGGER checkpoints_no_delete; DROP TRIGGER merkle_nodes_no_delete;
                DELETE FROM events WHERE seq > {seq}; DELETE FROM checkpoints WHERE tree_size >= {seq};
                DROP TRIGGER processing_documents_no_delete; DELETE FROM documents WHERE event_seq > {seq};""")
            ra, actor, kind = conn.execute("SELECT recorded_at, actor, kind FROM events WHERE seq = ?", (seq,)).fetchone()
            leaf = verify_vault.leaf_hash(verify_vault.leaf_input(seq, ra.encode(), actor.encode(), kind.encode(), None, b"[]"))
            conn.execute("UPDATE events SET body = '[]', leaf_hash = ? WHERE seq = ?", (leaf, seq))
            store_nodes(conn)

        dst = self.tampered("incident-rewritten", rewrite)
        # The update names no incident, so the row's last_seq is not the one its events expect (#recorded).
        self.assertEqual(self.both(dst, witness=False), (3, "incident_mismatch", self.incident))
        self.assertEqual(self.both(dst), (3, "log_truncated", seq + 1))

    def test_intact_operators_verify_with_python(self):
        self.assertEqual([(o["name"], o["role"], o["added_seq"]) for o in self.operators],
                         [("owner", "owner", None), ("Иванова Мария", "operator", self.maria_added),
                          ("Пётр Ревизор", "auditor", self.auditor_added)])
        self.assertEqual([o["slot"] for o in self.operators][1:], [self.maria, self.auditor])
        py = run(TOOL + ["--vault", str(self.vault), "--json"])
        self.assertEqual(py.returncode, 0, py.stdout + py.stderr)
        self.assertTrue(json.loads(py.stdout)["ok"])

    def test_auditor_made_an_owner(self):
        dst = self.tampered("auditor-owner", f"UPDATE operators SET role = 'owner' WHERE slot_id = '{self.auditor}';")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", self.auditor_added))
        # A role changed back to the one the operator was added with: the event that changed it is named.
        dst = self.tampered("role-back", f"UPDATE operators SET role = 'auditor' WHERE slot_id = '{self.maria}';")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", self.maria_role))

    def test_operator_renamed(self):
        dst = self.tampered("renamed", f"UPDATE operators SET name = 'Мария Иванова' WHERE slot_id = '{self.maria}';")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", self.maria_role))
        # The vault's creator was made by vault.created, named by its actor.
        dst = self.tampered("creator-renamed", "UPDATE operators SET name = 'Главный' WHERE added_seq IS NULL;")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", 1))

    def test_operator_row_inserted(self):
        dst = self.tampered("operator-extra", "INSERT INTO operators (slot_id, name, role, added_seq) "
                                              "VALUES ('00112233445566ff', 'Чужой', 'owner', NULL);")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", None))
        # The removed operator put back, as they were: no event made them after operator.removed.
        dst = self.tampered("operator-back", "INSERT INTO operators (slot_id, name, role, added_seq) VALUES "
                                             f"('{self.temporary}', 'Олег Временный', 'operator', {self.temporary_added});")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", None))

    def test_operator_row_deleted(self):
        dst = self.tampered("operator-gone", f"DELETE FROM operators WHERE slot_id = '{self.auditor}';")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", self.auditor_added))

    def test_hostile_operator_rows(self):
        dst = self.tampered("operator-null-slot", f"UPDATE operators SET slot_id = NULL WHERE slot_id = '{self.auditor}';")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", self.auditor_added))
        dst = self.tampered("operator-real-role", f"UPDATE operators SET role = 1.5 WHERE slot_id = '{self.maria}';")
        self.assertEqual(self.both(dst), (3, "operator_mismatch", self.maria_role))
        # Columns are read through CAST, as in sections 7 and 8: the same text as a blob still matches.
        dst = self.tampered("operator-blob-role", f"UPDATE operators SET role = CAST(role AS BLOB), "
                                                  f"name = CAST(name AS BLOB) WHERE slot_id = '{self.maria}';")
        self.assertEqual(self.both(dst), (0, None, None))
        # added_seq is not compared.
        dst = self.tampered("operator-added-seq", "UPDATE operators SET added_seq = 7;")
        self.assertEqual(self.both(dst), (0, None, None))

    def rewritten(self, name, seq, kind=None, body=None, then=""):
        """A copy whose event `seq` is rewritten with its hash (its kind and/or body), the events after it and
        their checkpoints deleted, the Merkle nodes stored anew, then the SQL `then` run: what the key's
        holder can do past the last note kept outside."""
        def rewrite(conn):
            conn.executescript(f"""DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
                DROP TRIGGER checkpoints_no_delete; DROP TRIGGER merkle_nodes_no_delete;
                DELETE FROM events WHERE seq > {seq}; DELETE FROM checkpoints WHERE tree_size >= {seq};""")
            ra, actor, k, b = conn.execute("SELECT recorded_at, actor, kind, body FROM events WHERE seq = ?", (seq,)).fetchone()
            k, b = kind or k, b if body is None else body
            leaf = verify_vault.leaf_hash(verify_vault.leaf_input(seq, ra.encode(), actor.encode(), k.encode(), None, b.encode()))
            conn.execute("UPDATE events SET kind = ?, body = ?, leaf_hash = ? WHERE seq = ?", (k, b, leaf, seq))
            store_nodes(conn)
            conn.executescript(then)

        return self.tampered(name, rewrite)

    def test_operator_removal_rewritten(self):
        seq = self.removed
        # Not an object: it removes nobody (and names no slot), so the removed operator's row is missing.
        dst = self.rewritten("removal-non-object", seq, body="[]")
        self.assertEqual(self.both(dst, witness=False), (3, "operator_mismatch", self.temporary_added))
        self.assertEqual(self.both(dst), (3, "log_truncated", seq + 1))
        # Kinds are compared exactly: OPERATOR.removed is no operator event (an SQL LIKE would take it).
        dst = self.rewritten("removal-upper-case", seq, kind="OPERATOR.removed")
        self.assertEqual(self.both(dst, witness=False), (3, "operator_mismatch", self.temporary_added))
        # NaN is not JSON (RFC 8785), for the CLI's parser as for Python's: the body names no slot either.
        dst = self.rewritten("removal-nan", seq, body=f'{{"slot":"{self.temporary}","x":NaN}}')
        self.assertEqual(self.both(dst, witness=False), (3, "operator_mismatch", self.temporary_added))

    def test_operator_added_again_over_the_creator(self):
        # The removal rewritten as an operator.added of the creator's slot under a new name, the creator's row
        # renamed to match and the removed operator put back: adding a slot already made fails, naming the
        # event, and the operator is made anew by it (the creator's renamed row is not named, at seq 1).
        creator = self.operators[0]["slot"]
        dst = self.rewritten("added-again", self.removed, kind="operator.added",
                             body=json.dumps({"name": "Главный", "role": "owner", "slot": creator}, ensure_ascii=False),
                             then=f"UPDATE operators SET name = 'Главный' WHERE slot_id = '{creator}'; "
                                  "INSERT INTO operators (slot_id, name, role, added_seq) VALUES "
                                  f"('{self.temporary}', 'Олег Временный', 'operator', {self.temporary_added});")
        self.assertEqual(self.both(dst, witness=False), (3, "operator_mismatch", self.removed))

    def test_calendar_year_changed(self):
        dst = self.tampered("calendar", "UPDATE calendar_years SET body = replace(body, '2027-01-01', '2027-01-02');")
        self.assertEqual(self.both(dst), (3, "request_mismatch", self.calendar))

    def test_monthly_counts_changed(self):
        dst = self.tampered("months", "UPDATE consent_months SET n = n + 1 WHERE action = 'given';")
        self.assertEqual(self.both(dst), (3, "register_mismatch", None))

    def test_checkpoint_row_deleted(self):
        first = min(self.checkpoints, key=lambda c: c["id"])
        dst = self.tampered("checkpoint", f"DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints WHERE id = {first['id']};")
        self.assertEqual(self.both(dst), (3, "checkpoint_unrecorded", first["tree_size"] + 1))

    def test_last_events_deleted_are_caught_by_the_witness_only(self):
        # The last run (info) recorded an unlock, a lock and a checkpoint: cut them off.
        cps = sorted(self.checkpoints, key=lambda c: c["tree_size"])
        keep = cps[-2]["tree_size"] + 1  # the checkpoint.created event of the run before
        dst = self.tampered("cut", f"""DROP TRIGGER events_no_delete; DROP TRIGGER checkpoints_no_delete;
            DROP TRIGGER merkle_nodes_no_delete; DELETE FROM events WHERE seq > {keep};
            DELETE FROM checkpoints WHERE tree_size >= {keep}; DELETE FROM merkle_nodes WHERE (idx + 1) << level > {keep};""")
        self.assertEqual(self.both(dst), (3, "log_truncated", keep + 1))
        # Without a note kept outside, a clean cut looks like a shorter log: said plainly in FORMAT.md.
        self.assertEqual(self.both(dst, witness=False), (0, None, None))

    def test_consent_event_rewritten_with_its_hash_after_the_last_checkpoint(self):
        seq = self.given

        def rewrite(conn):
            conn.executescript(f"""DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
                DROP TRIGGER checkpoints_no_delete; DROP TRIGGER merkle_nodes_no_delete;
                DELETE FROM events WHERE seq > {seq}; DELETE FROM checkpoints WHERE tree_size >= {seq};""")
            ra, actor, kind, subject, body = conn.execute(
                "SELECT recorded_at, actor, kind, subject, body FROM events WHERE seq = ?", (seq,)).fetchone()
            body = body.replace('"channel":"web_form"', '"channel":"paper"')
            leaf = verify_vault.leaf_hash(verify_vault.leaf_input(
                seq, ra.encode(), actor.encode(), kind.encode(), subject.encode(), body.encode()))
            conn.execute("UPDATE events SET body = ?, leaf_hash = ? WHERE seq = ?", (body, leaf, seq))
            store_nodes(conn)

        dst = self.tampered("rewritten", rewrite)
        self.assertEqual(self.both(dst, witness=False), (3, "register_mismatch", seq))
        self.assertEqual(self.both(dst), (3, "log_truncated", seq + 1))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or not result.testsRun else 0)
