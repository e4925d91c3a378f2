//! Command-line syntax: every command, its options and its help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Secrets:
  The passphrase is read from CONSENT_LEDGER_PASSPHRASE when set, otherwise
  asked for without echo. `passwd` and `recover` read the new passphrase from
  CONSENT_LEDGER_NEW_PASSPHRASE, `recover` the code from
  CONSENT_LEDGER_RECOVERY_CODE, when set.

Exit codes:
  0 success, 1 error, 2 usage, 3 verification failed

Examples:
  consent-ledger --vault ./acme init --org \"ООО Ромашка\"
  consent-ledger --vault ./acme verify
  consent-ledger --vault ./acme log --limit 20
  consent-ledger --vault ./acme checkpoint > checkpoint.txt
  consent-ledger --vault ./acme checkpoint check checkpoint.txt";

#[derive(Debug, Parser)]
#[command(name = "consent-ledger", version, about = "Encrypted consent register with a tamper-evident ledger", after_help = AFTER_HELP)]
pub struct Cli {
    /// The vault folder.
    #[arg(long, global = true, env = "CONSENT_LEDGER_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,

    /// A folder outside the vault that keeps a copy of its latest checkpoint
    /// (repeatable; e.g. a USB stick or a synced folder). The app's data
    /// folder's `witness` folder is always one (CONSENT_LEDGER_DATA_DIR moves it).
    #[arg(long = "witness", global = true, value_name = "DIR")]
    pub witnesses: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new vault and print its recovery code (shown only this once).
    #[command(
        after_help = "Example:\n  CONSENT_LEDGER_PASSPHRASE='…' consent-ledger --vault ./acme init --org \"ООО Ромашка\""
    )]
    Init {
        /// Organisation name (the data controller / operator).
        #[arg(long)]
        org: String,
        /// Name of the person who will use this passphrase; recorded as the actor of events.
        #[arg(long, default_value = "owner")]
        operator: String,
    },

    /// Show the vault's organisation, size and checkpoint verifier key.
    #[command(after_help = "Example:\n  consent-ledger --vault ./acme info")]
    Info,

    /// Recompute everything the vault claims (events, Merkle tree, checkpoints, register, personal
    /// data, merges, erasures, requisites, agreements), also against the checkpoints kept in the
    /// witness folders; exit 3 on the first mismatch. Read-only: no byte of the vault changes.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme verify\n  consent-ledger --vault ./acme --json verify\n  consent-ledger --vault ./acme verify --checkpoint /media/usb/acme.checkpoint"
    )]
    Verify {
        /// Also check a checkpoint note kept elsewhere (repeatable).
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },

    /// List events, newest first, one page at a time.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme log\n  consent-ledger --vault ./acme log --limit 50 --before 1200"
    )]
    Log {
        /// Events per page.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        /// Only events older than this seq (the next page starts at the last seq shown).
        #[arg(long, value_name = "SEQ")]
        before: Option<u64>,
        /// Only events of this kind, or of kinds starting with it when it ends with a dot
        /// (e.g. `read.`: every view, search and export).
        #[arg(long)]
        kind: Option<String>,
        /// Only events recorded by this operator (their name).
        #[arg(long)]
        actor: Option<String>,
    },

    /// Show one event in full.
    #[command(after_help = "Example:\n  consent-ledger --vault ./acme show 1")]
    Show { seq: u64 },

    /// Sign a checkpoint of the ledger and print it as text to keep outside the vault.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme checkpoint > 2026-11-22.checkpoint\n  consent-ledger --vault ./acme checkpoint list\n  consent-ledger --vault ./acme checkpoint check 2026-11-22.checkpoint"
    )]
    Checkpoint {
        #[command(subcommand)]
        action: Option<CheckpointAction>,
    },

    /// Print an inclusion proof: event SEQ is in the signed log.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme prove 42\n  consent-ledger --vault ./acme --json prove 42 --size 1000"
    )]
    Prove {
        seq: u64,
        /// Tree size to prove against (default: the latest checkpoint that contains SEQ, else the whole log).
        #[arg(long)]
        size: Option<u64>,
    },

    /// Print a consistency proof: the log of OLD events is a prefix of the log of NEW events.
    #[command(after_help = "Example:\n  consent-ledger --vault ./acme consistency 100 250")]
    Consistency {
        old: u64,
        /// Default: the whole log.
        new: Option<u64>,
    },

    /// Show or set the organisation's requisites (filled into every agreement).
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme org show\n  consent-ledger --vault ./acme org set --short-name \"ООО «Ромашка»\" --inn 7707083893 --email privacy@romashka.ru"
    )]
    Org {
        #[command(subcommand)]
        action: OrgAction,
    },

    /// Write, check, publish, compare, export and retire consent agreements.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme agreement new --template processing --lang ru\n  consent-ledger --vault ./acme agreement edit 1 --purpose \"Ответ на обращение\" --form-field Телефон\n  consent-ledger --vault ./acme agreement check 1\n  consent-ledger --vault ./acme agreement publish 1 --acknowledge storage.missing\n  consent-ledger --vault ./acme agreement export 1 --format pdf --out consent.pdf"
    )]
    Agreement {
        #[command(subcommand)]
        action: AgreementAction,
    },

    /// Record, find and review consents, refusals and withdrawals.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme consent add --agreement A1 --name \"Иванов Иван\" --email ivan@example.ru --channel paper\n  consent-ledger --vault ./acme consent search иван\n  consent-ledger --vault ./acme consent list --action withdrawn --from 2025-01-01\n  consent-ledger --vault ./acme consent withdraw --agreement A1 --email ivan@example.ru"
    )]
    Consent {
        #[command(subcommand)]
        action: ConsentAction,
    },

    /// Erase a person for good: their personal data, key, contacts and search entries.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme consent search иван\n  consent-ledger --vault ./acme subject erase s-0192a6f1c2d3e4f5a6b7c8d9 --reason \"request 12 of 14.03.2025\"\n  consent-ledger --vault ./acme --json subject erase s-0192a6f1c2d3e4f5a6b7c8d9 --reason \"request 12\" --yes"
    )]
    Subject {
        #[command(subcommand)]
        action: SubjectAction,
    },

    /// Data subjects' requests: take one in, check identity, extend, fulfil, refuse, cancel, export.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme request new --kind access --channel email --email ivan@example.ru --name \"Иванов Иван\"\n  consent-ledger --vault ./acme request new --kind withdrawal --subject s-0192a6f1c2d3e4f5a6b7c8d9 --received 2026-03-02\n  consent-ledger --vault ./acme request list --open\n  consent-ledger --vault ./acme request identity 41 --method email\n  consent-ledger --vault ./acme request extend 41 --reason \"archive search\" --notice-sent 2026-03-10\n  consent-ledger --vault ./acme request fulfil 41\n  consent-ledger --vault ./acme request export 41 --out ./answer-41"
    )]
    Request {
        #[command(subcommand)]
        action: RequestAction,
    },

    /// Operators of the vault and their roles: owner (everything, manages operators and
    /// settings), operator (records consents, imports, handles requests and incidents),
    /// auditor (reads and exports evidence, changes nothing). Each has their own passphrase.
    #[command(
        after_help = "The new operator's passphrase is read from CONSENT_LEDGER_NEW_PASSPHRASE when set, otherwise asked for twice.\n\nExamples:\n  consent-ledger --vault ./acme operator list\n  consent-ledger --vault ./acme operator add --name \"Иванова Мария\" --role auditor\n  consent-ledger --vault ./acme operator role \"Иванова Мария\" --role operator\n  consent-ledger --vault ./acme operator remove \"Иванова Мария\""
    )]
    Operator {
        #[command(subcommand)]
        action: OperatorAction,
    },

    /// The processing register: processing activities (GDPR Art. 30(1) records; what the
    /// 152-FZ art. 22 notice and the art. 18.1 policy describe), made from an agreement or
    /// written, and what the agreements they rely on collect that they do not list (drift).
    #[command(
        after_help = "On edit, only the options given change; a repeatable option given replaces its list.\nA --file holds the whole activity as JSON (as `activity show --json` prints its details).\n\nExamples:\n  consent-ledger --vault ./acme activity from-agreement 3\n  consent-ledger --vault ./acme activity new --name \"Рассылка\" --purpose \"Информирование об акциях\" --basis consent --data \"ФИО\" --data \"E-mail\" --storage-country Россия\n  consent-ledger --vault ./acme activity edit 57 --processor \"ООО «Рассыльщик»\" --transfer \"Германия; Mailer GmbH; стандартные договорные условия\"\n  consent-ledger --vault ./acme activity show 57\n  consent-ledger --vault ./acme activity list"
    )]
    Activity {
        #[command(subcommand)]
        action: ActivityAction,
    },

    /// The privacy policy (152-FZ art. 18.1) the processing register generates: check, preview, publish, list, export (PDF, text, web page).
    #[command(after_help = "Examples:\n  consent-ledger --vault ./acme policy check --lang ru\n  consent-ledger --vault ./acme policy publish --lang ru --out policy.pdf\n  consent-ledger --vault ./acme policy export --lang ru --html privacy.html")]
    Policy {
        #[command(subcommand)]
        action: RegisterDocAction,
    },
    /// The notice of intent to process to Roskomnadzor (152-FZ art. 22) the processing register generates: check, preview, publish, list, export; its notices of changes and their sending.
    #[command(after_help = "Examples:\n  consent-ledger --vault ./acme notice check --lang ru\n  consent-ledger --vault ./acme notice publish --out notice.pdf\n  consent-ledger --vault ./acme notice changes\n  consent-ledger --vault ./acme notice export --revision NTFCH-ru-2 --out changes.pdf\n  consent-ledger --vault ./acme notice sent NTFCH-ru-2 --on 2027-01-10")]
    Notice {
        #[command(subcommand)]
        action: RegisterDocAction,
    },
    /// The records of processing activities (GDPR Art. 30(1)) the processing register generates: check, preview, publish, list, export.
    #[command(after_help = "Examples:\n  consent-ledger --vault ./acme ropa check\n  consent-ledger --vault ./acme ropa publish --out records.pdf")]
    Ropa {
        #[command(subcommand)]
        action: RegisterDocAction,
    },

    /// The incident register: record a breach, its notice clocks (24 h and 72 h to Roskomnadzor,
    /// 72 h under GDPR), the people affected, the fine bracket, drafts of the notices.
    #[command(
        after_help = "Times are RFC 3339 (2026-12-03T14:30:00+03:00), or YYYY-MM-DD HH:MM in this computer's time zone, or `now`.\n\nExamples:\n  consent-ledger --vault ./acme incident new --title \"CRM export left open\" --detected \"2026-12-03 14:30\" --summary \"…\" --category e-mail --subjects 1500\n  consent-ledger --vault ./acme incident affected 57 --agreement 3 --from 2026-01-01\n  consent-ledger --vault ./acme incident notice 57 rkn-24h --lang ru --out rkn-24h.pdf\n  consent-ledger --vault ./acme incident sent 57 rkn-24h --at now --reference \"portal № 77-1234\"\n  consent-ledger --vault ./acme incident list"
    )]
    Incident {
        #[command(subcommand)]
        action: IncidentAction,
    },

    /// Letters of a request (acknowledgement, identity details, extension, answer, refusal, notices): issue, list, show.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme letter list 41\n  consent-ledger --vault ./acme letter issue 41 answer --lang ru --out answer-41.pdf\n  consent-ledger --vault ./acme letter issue 41 acknowledgement --text\n  consent-ledger --vault ./acme letter show R41-ANS-ru --out answer-41.pdf"
    )]
    Letter {
        #[command(subcommand)]
        action: LetterAction,
    },

    /// Destruction acts and log extracts (Roskomnadzor order No. 179), issued with each erasure and kept three years.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme act list\n  consent-ledger --vault ./acme act show E120-ACT-ru --out act.pdf\n  consent-ledger --vault ./acme act show E120-LOG-ru --out extract.pdf\n  consent-ledger --vault ./acme act issue E120-ACT-ru --lang en\n  consent-ledger --vault ./acme act destroy E120-ACT-ru --reason \"three years of retention ended\" --yes"
    )]
    Act {
        #[command(subcommand)]
        action: ActAction,
    },

    /// Evidence packs: one ZIP (PDF, JSON, proofs, signed checkpoint, key) that an inspector checks without the vault.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme pack person s-0192a6f1c2d3e4f5a6b7c8d9 --out fedorov.zip\n  consent-ledger --vault ./acme pack agreement 1 --out a1.zip\n  consent-ledger pack verify fedorov.zip --verifier-key \"consent-ledger/…+…+…\"   # no vault needed"
    )]
    Pack {
        #[command(subcommand)]
        action: PackAction,
    },

    /// Back the vault up into one file, opened later with the same passphrase or recovery code; checked before it replaces the previous one.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  consent-ledger --vault ./acme backup --out /media/usb/acme.clbackup\n  consent-ledger backup check /media/usb/acme.clbackup          # no vault needed\n  consent-ledger restore /media/usb/acme.clbackup --into ./acme-restored"
    )]
    Backup {
        /// The backup file to write (replaced only once the new one checks).
        #[arg(long, value_name = "FILE.clbackup")]
        out: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<BackupAction>,
    },

    /// Restore a backup into a new folder (never over a vault), verified first, also against the witness notes.
    Restore {
        file: PathBuf,
        /// The new vault folder (must not exist, or be empty).
        #[arg(long, value_name = "DIR")]
        into: PathBuf,
        /// Open it with the recovery code (CONSENT_LEDGER_RECOVERY_CODE, else asked) instead of the passphrase.
        #[arg(long)]
        recovery_code: bool,
        /// Restore a backup older than a witness note (events recorded after it are missing).
        #[arg(long)]
        accept_missing: bool,
    },

    /// The production calendar that 152-FZ deadlines count working days on, and the GDPR country.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme calendar show 2026\n  consent-ledger --vault ./acme calendar load ru-2027.json\n  consent-ledger --vault ./acme calendar country DE"
    )]
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },

    /// The suppression list: people who objected or withdrew, never to be contacted again.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme suppression export --out suppression.csv\n  consent-ledger --vault ./acme suppression export --plain --out suppression.csv"
    )]
    Suppression {
        #[command(subcommand)]
        action: SuppressionAction,
    },

    /// Import consents from a CSV, XLSX or JSON file, all or nothing.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme import consents.csv --preset bitrix24 --agreement A1\n  consent-ledger --vault ./acme import contacts.csv --preset amocrm --agreement A1-v2\n  consent-ledger --vault ./acme import export.csv --preview\n  consent-ledger --vault ./acme import export.csv --mapping my-mapping.json --encoding windows-1251 --delimiter ';' --agreement A1\n  consent-ledger --vault ./acme import receipts.json --preset kantara --agreement A3"
    )]
    Import {
        file: PathBuf,
        /// bitrix24, amocrm, kantara or iso27560.
        #[arg(long)]
        preset: Option<String>,
        /// A saved column mapping (JSON, as printed by --preview --json under "suggested").
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Override the detected encoding (utf-8, windows-1251, …).
        #[arg(long)]
        encoding: Option<String>,
        /// Override the detected delimiter: ';', ',' or 'tab'.
        #[arg(long)]
        delimiter: Option<String>,
        /// The agreement version for rows that name none (A3-v2, or A3).
        #[arg(long)]
        agreement: Option<String>,
        /// Store the good rows even if some are bad; the bad ones go to FILE.rejected.csv.
        #[arg(long)]
        keep_good_rows: bool,
        /// Only show what was detected and the first rows; store nothing.
        #[arg(long)]
        preview: bool,
    },

    /// Change your passphrase.
    #[command(after_help = "Example:\n  consent-ledger --vault ./acme passwd")]
    Passwd,

    /// Open the vault with the recovery code and set a new passphrase.
    #[command(after_help = "Example:\n  consent-ledger --vault ./acme recover")]
    Recover,
}

#[derive(Debug, Subcommand)]
pub enum LetterAction {
    /// The letters the request can have now, and those issued.
    List { request: u64 },
    /// Issue a letter (issuing it again gives the same document, unless its facts changed).
    Issue {
        request: u64,
        /// acknowledgement, identity_request, extension, answer, refusal, rectification_notice or destruction_notice.
        kind: String,
        /// ru or en (default: ru under 152-FZ, en under GDPR alone).
        #[arg(long)]
        lang: Option<String>,
        /// Write the PDF here (a portability answer also writes the JSON and CSV it names beside it).
        #[arg(long, value_name = "FILE.pdf")]
        out: Option<PathBuf>,
        /// Print the plain text (for an e-mail).
        #[arg(long)]
        text: bool,
    },
    /// An issued document, as it was issued.
    Show {
        /// The document's id, e.g. R41-ANS-ru.
        id: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: Option<PathBuf>,
        #[arg(long)]
        text: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PackAction {
    /// Everything about one person: consents with their agreement texts, requests, and each event's proof.
    Person {
        subject: String,
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        /// ru or en.
        #[arg(long, default_value = "ru")]
        lang: String,
    },
    /// Every published version of an agreement: texts, publication events, accepted warnings, changes, consents gathered.
    Agreement {
        /// The agreement's number (1 for A1).
        id: u64,
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        /// ru or en.
        #[arg(long, default_value = "ru")]
        lang: String,
    },
    /// For an inspector: requisites, agreements in force, the register summarised with charts, requests and their deadlines, destruction after withdrawals, acts, and the ledger verified with its signed checkpoint.
    Inspection {
        /// First day of the period (YYYY-MM-DD); default: the register's start.
        #[arg(long, value_parser = parse_day)]
        from: Option<chrono::NaiveDate>,
        /// Last day of the period (YYYY-MM-DD); default: today.
        #[arg(long, value_parser = parse_day)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        /// ru or en.
        #[arg(long, default_value = "ru")]
        lang: String,
    },
    /// Check a pack without the vault: signature, every proof, the PDF and JSON against the pack's event.
    Verify {
        file: PathBuf,
        /// The vault's verifier key as received from the operator (else the pack's own is used, which only shows the pack is whole).
        #[arg(long)]
        verifier_key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupAction {
    /// Check a backup file without restoring it: it opens with the secret, its log verifies, and how many events a witness saw that it lacks.
    Check {
        file: PathBuf,
        /// Open it with the recovery code instead of the passphrase.
        #[arg(long)]
        recovery_code: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ActAction {
    /// The destruction acts, newest first, with the day each may be destroyed.
    List,
    /// An act or extract as it was issued.
    Show {
        id: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: Option<PathBuf>,
        #[arg(long)]
        text: bool,
    },
    /// Render an act and its extract again from the facts it keeps: in the other language, or after the profile changed.
    Issue {
        id: String,
        /// ru or en.
        #[arg(long, default_value = "ru")]
        lang: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: Option<PathBuf>,
    },
    /// Destroy an act and its extract (after their three years, or earlier with a reason).
    Destroy {
        id: String,
        #[arg(long)]
        reason: String,
        /// Confirm: the act's text cannot be recovered.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgAction {
    /// Print the requisites.
    Show,
    /// Show or change what documents say beyond the requisites: who signs, the
    /// information system, who destroys data, and the statements of an access
    /// answer only the operator can make. Fields not given keep their value ("" clears one).
    Documents {
        #[arg(long)]
        signatory_name: Option<String>,
        #[arg(long)]
        signatory_position: Option<String>,
        /// The information system's name (destruction acts).
        #[arg(long)]
        information_system: Option<String>,
        /// A person who destroys data, as "Full name|Position" (repeatable; replaces the list).
        #[arg(long, value_name = "NAME|POSITION")]
        destroyer: Vec<String>,
        /// Cross-border transfer done or planned (152-FZ art. 14 part 7 item 8; GDPR Art. 15(2)).
        #[arg(long)]
        cross_border: Option<String>,
        /// How the operator meets 152-FZ art. 18.1 (art. 14 part 7 item 9.1).
        #[arg(long)]
        measures: Option<String>,
        /// Automated decisions and profiling (GDPR Art. 15(1)(h)).
        #[arg(long)]
        automated: Option<String>,
        /// Other information federal law requires (art. 14 part 7 item 10).
        #[arg(long)]
        other: Option<String>,
    },
    /// Change some requisites; fields not given keep their value ("" clears one).
    Set {
        #[arg(long)]
        full_name: Option<String>,
        #[arg(long)]
        short_name: Option<String>,
        /// 10 digits (legal entity) or 12 (individual entrepreneur), checksum-validated.
        #[arg(long)]
        inn: Option<String>,
        /// 13 digits (OGRN) or 15 (OGRNIP), checksum-validated.
        #[arg(long)]
        ogrn: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// DPO or contact person for personal-data questions.
        #[arg(long)]
        dpo: Option<String>,
        /// E-mail for withdrawals and deletion requests.
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgreementAction {
    /// List the agreements, newest first.
    List,
    /// List the templates an agreement can start from.
    Templates,
    /// Print one version (the newest by default) as the subject reads it.
    Show {
        id: u64,
        #[arg(long)]
        version: Option<u32>,
    },
    /// Create an agreement (a draft) from a template.
    New {
        /// processing, dissemination, gdpr, marketing or custom.
        #[arg(long)]
        template: String,
        /// ru or en.
        #[arg(long, default_value = "ru")]
        lang: String,
        #[arg(long)]
        title: Option<String>,
        /// The id of the agreement this one translates.
        #[arg(long)]
        translation_of: Option<u64>,
    },
    /// Change the draft (editing a published agreement starts a new draft version).
    /// List options replace the whole list; repeat them for several items.
    Edit {
        id: u64,
        /// The whole content as JSON, as printed by `agreement show --json` under "content" ("-" for standard input).
        #[arg(long)]
        from: Option<PathBuf>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        intro: Option<String>,
        #[arg(long = "purpose")]
        purposes: Vec<String>,
        #[arg(long = "data")]
        data_items: Vec<String>,
        #[arg(long = "form-field")]
        form_fields: Vec<String>,
        #[arg(long = "action")]
        actions: Vec<String>,
        #[arg(long)]
        term: Option<String>,
        /// The term in months from giving, after which `consent expire` records a consent as expired (0: until withdrawn).
        #[arg(long)]
        expires_after_months: Option<u32>,
        #[arg(long)]
        withdrawal: Option<String>,
        #[arg(long)]
        storage: Option<String>,
        #[arg(long)]
        extra: Option<String>,
        #[arg(long)]
        checkbox_label: Option<String>,
        /// required, pre_ticked or must_open.
        #[arg(long)]
        behaviour: Option<String>,
        /// separate or within_other_document.
        #[arg(long)]
        presentation: Option<String>,
    },
    /// Run the compliance check on the newest version; exit 1 when an error blocks publishing.
    Check {
        id: u64,
        /// Language of the findings: ru or en.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Publish the draft: it becomes immutable and its hash goes into the ledger.
    Publish {
        id: u64,
        /// A warning's rule id you accept (repeat for each); recorded with the publication.
        #[arg(long = "acknowledge")]
        acknowledge: Vec<String>,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Retire the agreement: no new consents can be recorded against it.
    Retire { id: u64 },
    /// Line-by-line difference between two versions.
    Diff { id: u64, from: u32, to: u32 },
    /// Export a published version as PDF, an HTML snippet for a web form, or plain text.
    Export {
        id: u64,
        /// Default: the newest published version.
        #[arg(long)]
        version: Option<u32>,
        /// pdf, html or txt.
        #[arg(long, default_value = "pdf")]
        format: String,
        /// Output file ("-" for standard output); default: the version label, e.g. A1-v2.pdf.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Who acted and how (for `consent add` and `consent withdraw`).
#[derive(Debug, clap::Args)]
pub struct ConsentArgs {
    /// The agreement version: A3-v2, or A3 for its newest published version.
    #[arg(long)]
    pub agreement: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// 152-FZ written consent: the subject's address.
    #[arg(long)]
    pub address: Option<String>,
    /// 152-FZ written consent: ID document number, date and issuer.
    #[arg(long)]
    pub id_document: Option<String>,
    /// When the subject acted (2025-03-14T10:22:00+03:00, or 14.03.2025 10:22 Moscow time); default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// web_form, chat, phone, email, paper, import or other.
    #[arg(long, default_value = "paper")]
    pub channel: String,
    #[arg(long)]
    pub ip: Option<std::net::IpAddr>,
    #[arg(long)]
    pub url: Option<String>,
    /// Paper: the scanned form, whose SHA-256 is kept (the file itself is not stored).
    #[arg(long)]
    pub scan: Option<PathBuf>,
    /// Another form field, NAME=VALUE (repeat).
    #[arg(long = "field", value_parser = parse_field)]
    pub fields: Vec<(String, String)>,
}

fn parse_field(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))
}

#[derive(Debug, Subcommand)]
pub enum ConsentAction {
    /// Record a consent (or, with --refused, a refusal), e.g. from a paper form or a call.
    Add {
        #[command(flatten)]
        who: ConsentArgs,
        /// Record a refusal instead of a consent.
        #[arg(long)]
        refused: bool,
    },
    /// Record a withdrawal of consent.
    Withdraw {
        #[command(flatten)]
        who: ConsentArgs,
    },
    /// List the register, newest first, filtered.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// Older than this entry: the "next" value printed by the previous page (TIME,ID).
        #[arg(long)]
        after: Option<String>,
    },
    /// One consent in full, or with --subject a subject's whole timeline.
    Show {
        /// Consent id (or the subject id with --subject).
        id: String,
        #[arg(long)]
        subject: bool,
    },
    /// Find subjects by name, e-mail or phone.
    Search {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Merge two subjects that are one person (KEEP absorbs ABSORB); recorded, permanent.
    Merge { keep: String, absorb: String },
    /// Record consents whose term (in months, set on the agreement) has ended as expired.
    Expire {
        /// Only list what is due; record nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export the (filtered) register as CSV or ISO/IEC TS 27560 JSON records.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// csv or iso27560.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Output file ("-" for standard output).
        #[arg(long)]
        out: PathBuf,
        /// Include people whose processing is restricted (left out by default), for this
        /// reason; the reason is recorded in the ledger.
        #[arg(long, value_name = "REASON")]
        include_restricted: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubjectAction {
    /// Erase a subject and every subject merged with it (one person): their personal data,
    /// keys, contacts and search entries are destroyed, and the ledger records when and why
    /// (`subject.erased`, which still verifies). Cannot be undone: asks you to type the id,
    /// or needs --yes when standard input is not a terminal.
    #[command(
        after_help = "Examples:\n  consent-ledger --vault ./acme subject erase s-0192a6f1c2d3e4f5a6b7c8d9 --reason \"request 12 of 14.03.2025\"\n  consent-ledger --vault ./acme subject erase s-0192a6f1c2d3e4f5a6b7c8d9 --reason \"request 12\" --yes < /dev/null"
    )]
    Erase {
        /// The subject id (s-…), as `consent search` or `consent show --subject` prints it.
        id: String,
        /// Why: the request that asked for it, e.g. "request 12 of 14.03.2025" (recorded in the ledger; no personal data here).
        #[arg(long)]
        reason: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Lift a restriction (GDPR Art. 18(3): tell the person before).
    Unrestrict {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RequestAction {
    /// Take a request in: its legal deadline is computed at once. Without --subject the
    /// register is searched for the requester first (name, e-mail, phone, transliterated
    /// names); when it finds possible matches, name one with --subject or confirm with
    /// --not-in-register that none of them wrote.
    New {
        /// access, rectification, erasure, restriction, objection, withdrawal, portability or regulator.
        #[arg(long)]
        kind: String,
        /// 152-fz, gdpr or both (default: from the agreements the person consented to).
        #[arg(long)]
        law: Option<String>,
        /// The day it arrived, YYYY-MM-DD (default today; never in the future).
        #[arg(long)]
        received: Option<String>,
        /// email, post, in_person, web_form, phone or regulator.
        #[arg(long, default_value = "email")]
        channel: String,
        /// The person in the register (s-…).
        #[arg(long)]
        subject: Option<String>,
        /// Who wrote, as they wrote it.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        /// A representative: name and power of attorney (number, date).
        #[arg(long)]
        representative: Option<String>,
        /// The request's text.
        #[arg(long)]
        text: Option<String>,
        /// The letter's scan or the e-mail file, stored encrypted in the vault.
        #[arg(long)]
        attach: Option<PathBuf>,
        /// None of the people the search offers is the requester.
        #[arg(long)]
        not_in_register: bool,
    },
    /// List requests by due date, most urgent first.
    List {
        /// Only open requests.
        #[arg(long)]
        open: bool,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        subject: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue after DUE,ID as printed under the previous page.
        #[arg(long)]
        after: Option<String>,
    },
    /// Show a request: its deadlines, history, files and follow-on deadlines.
    Show { id: u64 },
    /// Record the identity check (152-FZ art. 14 part 3; GDPR Art. 12(6)).
    Identity {
        id: u64,
        /// document, email, in_person or waived.
        #[arg(long)]
        method: String,
        /// The check failed (the request waits for more details).
        #[arg(long)]
        failed: bool,
        /// What was compared (document number, date, issuer; the contract), or why it was waived.
        #[arg(long)]
        details: Option<String>,
        /// A file that proves it, stored encrypted in the vault.
        #[arg(long)]
        evidence: Option<PathBuf>,
    },
    /// Extend the deadline once (+5 working days under 152-FZ, +2 months under GDPR), with
    /// written reasons and the day the notice to the person was sent.
    Extend {
        id: u64,
        #[arg(long)]
        reason: String,
        /// YYYY-MM-DD, no later than the original deadline.
        #[arg(long)]
        notice_sent: String,
    },
    /// Fulfil the request: acts on the vault's data according to its kind.
    Fulfil {
        id: u64,
        /// Withdrawal or objection: only these agreements' consents (repeatable; default all).
        #[arg(long = "agreement")]
        agreements: Vec<u64>,
        /// Objection: the processing was found unlawful (stop within 3, destroy within 10 working days).
        #[arg(long)]
        unlawful: bool,
        /// Restriction: the data is needed for legal claims (also blocks erasure).
        #[arg(long)]
        legal_hold: bool,
        /// Rectification: the corrected name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// Rectification: another corrected field, NAME=VALUE (repeatable).
        #[arg(long = "field", value_parser = parse_field)]
        fields: Vec<(String, String)>,
        #[arg(long)]
        note: Option<String>,
        /// Access, portability: also write the answer's JSON and CSV into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Refuse the request with a reason from the list (`request reasons`) and a text.
    Refuse {
        id: u64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        text: String,
    },
    /// The requester withdrew the request.
    Cancel {
        id: u64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Write everything the vault holds about the request's person: access.json and access.csv.
    Export {
        id: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// The refusal reasons and their legal grounds.
    Reasons,
    /// The deadline rules in force (each kind under each law, its source and
    /// how sure it is); make an edited copy the vault's own, or go back to
    /// the shipped ones. Open requests' deadlines follow a change.
    Rules {
        /// Write the rules in force to FILE (JSON), to edit.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["load", "reset"])]
        export: Option<PathBuf>,
        /// Make FILE the vault's own rules (checked whole first; a ledger event records its SHA-256).
        #[arg(long, value_name = "FILE", conflicts_with = "reset")]
        load: Option<PathBuf>,
        /// Use the rules shipped with the program again.
        #[arg(long)]
        reset: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OperatorAction {
    /// Every operator with their role; the one signed in is marked.
    List,
    /// Add an operator with their own passphrase (owners only).
    Add {
        /// Their name: the actor of the events they record.
        #[arg(long)]
        name: String,
        /// owner, operator or auditor.
        #[arg(long)]
        role: String,
    },
    /// Change an operator's role (owners only; the last owner stays an owner).
    Role {
        /// Their name or key slot id.
        who: String,
        #[arg(long)]
        role: String,
    },
    /// Remove an operator and destroy their key slot (owners only).
    Remove {
        /// Their name or key slot id.
        who: String,
    },
}

/// What an incident's record says; on `edit`, only the options given change.
#[derive(Debug, clap::Args, Default)]
pub struct IncidentFields {
    /// A short name for lists.
    #[arg(long)]
    pub title: Option<String>,
    /// When it was detected: the clocks run from here.
    #[arg(long)]
    pub detected: Option<String>,
    /// When it happened, if known.
    #[arg(long)]
    pub occurred: Option<String>,
    /// Who detected it and how.
    #[arg(long)]
    pub detected_by: Option<String>,
    /// What happened.
    #[arg(long)]
    pub summary: Option<String>,
    /// A category of personal data concerned (repeatable; on edit, replaces the list).
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// Special categories of data are concerned (152-FZ art. 10, GDPR Art. 9): yes or no.
    #[arg(long, value_parser = clap::builder::BoolishValueParser::new())]
    pub special: Option<bool>,
    /// Biometric data is concerned (152-FZ art. 11): yes or no.
    #[arg(long, value_parser = clap::builder::BoolishValueParser::new())]
    pub biometric: Option<bool>,
    /// Approximate number of people concerned.
    #[arg(long)]
    pub subjects: Option<u64>,
    /// Approximate number of records or identifiers concerned.
    #[arg(long)]
    pub records: Option<u64>,
    #[arg(long)]
    pub causes: Option<String>,
    /// Presumed harm to people's rights; likely consequences.
    #[arg(long)]
    pub harm: Option<String>,
    /// Measures taken or proposed.
    #[arg(long)]
    pub measures: Option<String>,
    /// The person authorised to deal with the regulator (name, position, contacts).
    #[arg(long)]
    pub contact: Option<String>,
    /// Results of the internal investigation (the 72 h notice).
    #[arg(long)]
    pub investigation: Option<String>,
    /// The persons whose actions caused it, if known.
    #[arg(long)]
    pub culprits: Option<String>,
    /// What people can do to protect themselves (the Art. 34 notice).
    #[arg(long)]
    pub advice: Option<String>,
    /// Why a notice is late (GDPR Art. 33(1)).
    #[arg(long)]
    pub delay_reason: Option<String>,
    /// 152-fz, gdpr or both (new: both when a GDPR country is set, else 152-fz).
    #[arg(long)]
    pub law: Option<String>,
    /// The risk to people: unassessed, unlikely, risk or high (GDPR Art. 33, 34).
    #[arg(long)]
    pub risk: Option<String>,
}

/// What a processing activity says; on `edit`, only the options given change.
#[derive(Debug, clap::Args, Default)]
pub struct ActivityFields {
    /// The whole activity as JSON (`-` reads standard input); the options below change it further.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A short name for lists.
    #[arg(long)]
    pub name: Option<String>,
    /// 152-fz, gdpr or both.
    #[arg(long)]
    pub law: Option<String>,
    /// A purpose of the processing (repeatable).
    #[arg(long = "purpose")]
    pub purposes: Vec<String>,
    /// A legal basis (repeatable): consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests.
    #[arg(long = "basis")]
    pub bases: Vec<String>,
    /// The laws, contract or interest the bases rest on.
    #[arg(long)]
    pub basis_details: Option<String>,
    /// A category of people whose data is processed (repeatable).
    #[arg(long = "people")]
    pub people: Vec<String>,
    /// A category of personal data (repeatable).
    #[arg(long = "data")]
    pub data: Vec<String>,
    /// A special category of data, or biometric data (repeatable; needs --special-condition).
    #[arg(long = "special")]
    pub special: Vec<String>,
    /// The condition that allows the special categories (152-FZ art. 10 part 2, GDPR Art. 9(2)).
    #[arg(long)]
    pub special_condition: Option<String>,
    /// An action with the data (repeatable): сбор, запись, хранение, …
    #[arg(long = "action")]
    pub actions: Vec<String>,
    /// automated, non_automated or mixed.
    #[arg(long)]
    pub methods: Option<String>,
    /// A processor acting on the operator's instruction (repeatable; with --recipient, replaces the list).
    #[arg(long = "processor")]
    pub processors: Vec<String>,
    /// A recipient receiving the data for its own purposes (repeatable).
    #[arg(long = "recipient")]
    pub recipients: Vec<String>,
    /// A transfer abroad, "COUNTRY; RECIPIENT; SAFEGUARDS" (the last two may be left out; repeatable).
    #[arg(long = "transfer")]
    pub transfers: Vec<String>,
    /// The country where the databases are kept.
    #[arg(long)]
    pub storage_country: Option<String>,
    /// Where and how the data is stored.
    #[arg(long)]
    pub storage: Option<String>,
    /// How long the data is kept, or what ends the processing.
    #[arg(long)]
    pub retention: Option<String>,
    /// A security measure (repeatable).
    #[arg(long = "security")]
    pub security: Vec<String>,
    /// The person responsible for organising the processing, with contacts.
    #[arg(long)]
    pub responsible: Option<String>,
    /// When the processing started (YYYY-MM-DD).
    #[arg(long)]
    pub started: Option<String>,
    /// An agreement whose consents the activity relies on (repeatable).
    #[arg(long = "agreement")]
    pub agreements: Vec<u64>,
}

#[derive(Debug, Subcommand)]
pub enum ActivityAction {
    /// Every processing activity, with how much its agreements drift from it.
    List,
    /// One activity: what it says, the agreements it relies on, its drift and history.
    Show { id: u64 },
    /// Record an activity (owners only).
    New {
        #[command(flatten)]
        fields: ActivityFields,
    },
    /// Change an activity (only the options given).
    Edit {
        id: u64,
        #[command(flatten)]
        fields: ActivityFields,
    },
    /// Record the activity an agreement's newest published version describes
    /// (purposes, data, actions, third parties, storage, term; consent as the basis).
    FromAgreement {
        agreement: u64,
        /// Only print it; record nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Retire an activity that no longer takes place.
    Retire { id: u64 },
}

#[derive(Debug, Subcommand)]
pub enum RegisterDocAction {
    /// Check every mandatory item against the requisites and the active activities; exit 1 when an error would block publishing.
    Check {
        /// Language of the findings: ru or en.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Publish it from the requisites and the active activities (owners): refused while an
    /// item is missing; a new revision only when its text changed.
    Publish {
        /// ru or en (default: ru, en for the GDPR records).
        #[arg(long)]
        lang: Option<String>,
        /// Write the PDF here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the plain text.
        #[arg(long)]
        text: bool,
    },
    /// The text publishing would give now, from the requisites and the active activities (nothing recorded).
    Preview {
        #[arg(long)]
        lang: Option<String>,
    },
    /// Every published revision, newest first.
    List {
        #[arg(long)]
        lang: Option<String>,
    },
    /// The notice only: its notices of changes (152-FZ art. 22 part 7) with their due day and
    /// whether each was sent, and the changes not yet in the notice in force.
    Changes {
        #[arg(long)]
        lang: Option<String>,
    },
    /// The notice only: record that a notice (of intent, e.g. NTF-ru/2, or of changes, e.g.
    /// NTFCH-ru-2) was sent to Roskomnadzor (owners).
    Sent {
        /// The document's id.
        id: String,
        /// The day it was sent (YYYY-MM-DD; default today).
        #[arg(long)]
        on: Option<String>,
    },
    /// Write a published revision (the one in force unless --revision) as PDF, plain text or, for the policy, a web page.
    Export {
        #[arg(long)]
        lang: Option<String>,
        /// A revision's id, e.g. POL-ru/2 (for the notice also a notice of changes, NTFCH-ru-2).
        #[arg(long)]
        revision: Option<String>,
        /// Write the PDF here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the plain text.
        #[arg(long)]
        text: bool,
        /// Write the web page (HTML, safe to publish on the website) here.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
}

/// A register query: whose consents the incident touched.
#[derive(Debug, clap::Args)]
pub struct AffectedArgs {
    #[arg(long)]
    pub agreement: Option<u64>,
    #[arg(long)]
    pub version: Option<u32>,
    /// web_form, paper, …
    #[arg(long)]
    pub channel: Option<String>,
    /// YYYY-MM-DD (inclusive).
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IncidentAction {
    /// Record an incident (every one, reported or not: GDPR Art. 33(5)).
    New {
        #[command(flatten)]
        fields: IncidentFields,
    },
    /// Every incident, newest first, with its clocks.
    List,
    /// One incident: its record, clocks, notices sent, fine bracket, drafts and history.
    Show { id: u64 },
    /// Change an open incident's record (only the options given).
    Edit {
        id: u64,
        #[command(flatten)]
        fields: IncidentFields,
    },
    /// Count the people affected by a register query and record the count as the number of people.
    Affected {
        id: u64,
        #[command(flatten)]
        query: AffectedArgs,
        /// Only count; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Issue the draft of a notice (rkn-24h, rkn-72h, gdpr-33, subjects-34) as PDF and text.
    Notice {
        id: u64,
        notice: String,
        /// ru or en (default: ru for Roskomnadzor, en otherwise).
        #[arg(long)]
        lang: Option<String>,
        /// Write the PDF here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the plain text.
        #[arg(long)]
        text: bool,
    },
    /// Record that a notice was sent (rkn-24h, rkn-72h, gdpr-33, subjects-34).
    Sent {
        id: u64,
        notice: String,
        /// When it was sent.
        #[arg(long)]
        at: String,
        /// How it was sent, or the number the portal gave.
        #[arg(long, default_value = "")]
        reference: String,
    },
    /// Close an incident: its record becomes final.
    Close { id: u64 },
    /// The clocks and fines in force; make an edited copy the vault's own, or go back to the shipped ones.
    Rules {
        #[arg(long, value_name = "FILE", conflicts_with_all = ["load", "reset"])]
        export: Option<PathBuf>,
        #[arg(long, value_name = "FILE", conflicts_with = "reset")]
        load: Option<PathBuf>,
        #[arg(long)]
        reset: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarAction {
    /// A year's working days and days off, and how sure they are.
    Show {
        year: i32,
        /// RU, or a GDPR country (DE, FR, …).
        #[arg(long, default_value = "RU")]
        region: String,
    },
    /// Load a year (or several) from a JSON file, replacing the shipped one; open
    /// requests' deadlines are recomputed.
    Load { file: PathBuf },
    /// Set the country whose public holidays GDPR deadlines roll past (two letters), or clear it.
    Country {
        code: Option<String>,
        #[arg(long)]
        clear: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SuppressionAction {
    /// Write the list as CSV (kind;sha256;value): SHA-256 of the normalised e-mail or phone,
    /// and with --plain the value itself where the vault still holds it.
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        plain: bool,
    },
}

/// Filters of the register (combined with AND).
#[derive(Debug, clap::Args)]
pub struct FilterArgs {
    #[arg(long)]
    pub agreement: Option<u64>,
    #[arg(long)]
    pub version: Option<u32>,
    /// given, refused, withdrawn or expired.
    #[arg(long)]
    pub action: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    /// From this date (2025-03-14 or RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub subject: Option<String>,
    /// Words of a name, an e-mail or a phone (prefixes match).
    #[arg(long)]
    pub text: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CheckpointAction {
    /// Sign a new checkpoint (the default).
    Create,
    /// List the vault's checkpoints.
    List,
    /// Check an exported checkpoint against the vault: signature, and that the log still contains it.
    Check {
        /// The checkpoint text file ("-" for standard input).
        file: PathBuf,
    },
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}

/// A day as YYYY-MM-DD.
fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{s:?} is not a day as YYYY-MM-DD"))
}
