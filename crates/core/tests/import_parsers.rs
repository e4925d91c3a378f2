//! The import parsers on real-shaped files (`tests/fixtures/import/`): the
//! Bitrix24 and amoCRM presets in UTF-8 and Windows-1251, a remembered
//! mapping, XLSX, Kantara and ISO/IEC TS 27560 JSON, and every kind of bad
//! input (wrong encoding, truncation, binary, a 100 MB line, duplicate and
//! missing columns, bad dates and IPs), plus streaming a 200,000-row file.

use std::path::PathBuf;

use consent_ledger_core::import::{
    self, Action, Field, Format, Mapping, Options, Preset, Row, RowError, MAX_RECORD_BYTES,
};

fn fixture(name: &str) -> Vec<u8> {
    let p: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "import",
        name,
    ]
    .iter()
    .collect();
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn read(bytes: &[u8], opts: &Options) -> (import::Source, Vec<Result<Row, RowError>>) {
    let (src, rows) = import::open(bytes, opts).unwrap_or_else(|e| panic!("open: {e}"));
    (src, rows.collect())
}

fn ok(r: &Result<Row, RowError>) -> &Row {
    r.as_ref()
        .unwrap_or_else(|e| panic!("unexpected row error: {e}"))
}

fn err(r: &Result<Row, RowError>) -> &RowError {
    r.as_ref()
        .err()
        .unwrap_or_else(|| panic!("expected a row error, got {r:?}"))
}

fn utc(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn check_bitrix(src: &import::Source, rows: &[Result<Row, RowError>]) {
    assert_eq!(src.format, Format::Csv);
    assert_eq!(src.delimiter, Some(b';'));
    assert_eq!(src.preset, Some(Preset::Bitrix24));
    assert_eq!(
        src.headers,
        [
            "ID",
            "Дата",
            "Пользователь",
            "IP-адрес",
            "Источник",
            "Поля",
            "Адрес",
            "Соглашение"
        ]
    );
    assert_eq!(src.mapping.columns[&Field::Items], "Поля");
    assert_eq!(src.mapping.columns[&Field::Url], "Адрес");
    assert_eq!(rows.len(), 5, "{rows:?}");

    let r = ok(&rows[0]);
    assert_eq!(r.line, 2);
    assert_eq!(r.name.as_deref(), Some("Петров Иван"));
    assert_eq!(r.email.as_deref(), Some("ivan.petrov@example.ru"));
    assert_eq!(r.phone.as_deref(), Some("79161234567"));
    assert_eq!(r.ip, Some("95.165.12.4".parse().unwrap()));
    assert_eq!(r.action, Action::Given);
    assert_eq!(r.acted_at, utc("2025-03-14T07:22:01Z"));
    assert_eq!(r.acted_at_original, "14.03.2025 10:22:01");
    assert_eq!(r.channel.as_deref(), Some("CRM-форма «Обратный звонок»"));
    assert_eq!(
        r.agreement.as_deref(),
        Some("Согласие на обработку персональных данных")
    );
    assert!(r
        .url
        .as_deref()
        .unwrap()
        .starts_with("https://romashka.example/landing/konsultaciya?utm_source=yandex"));
    assert!(r.url.as_deref().unwrap().len() > 200);
    assert_eq!(r.fields["ID"], "1842");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);

    // Quoted items over three lines; the user column names the subject; IPv6.
    let r = ok(&rows[1]);
    assert_eq!(r.line, 3);
    assert_eq!(r.name.as_deref(), Some("Смирнова Ольга Викторовна"));
    assert_eq!(r.email.as_deref(), Some("o.smirnova@example.com"));
    assert_eq!(r.phone.as_deref(), Some("79037654321"));
    assert_eq!(r.ip, Some("2a02:6b8:c0e:500:1:0:5c2f:1a3".parse().unwrap()));
    assert!(r.fields["Поля"].contains('\n'));

    // An IPv6 cut by Bitrix24's column and an item cut at 50 characters:
    // accepted, kept verbatim, with warnings.
    let r = ok(&rows[2]);
    assert_eq!(r.line, 6);
    assert_eq!(r.ip, None);
    assert_eq!(r.fields["IP-адрес"], "2a02:6b8:c0e:50");
    assert_eq!(r.email.as_deref(), Some("k.lebedev@example.org"));
    assert_eq!(r.name.as_deref(), Some("Константин"));
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert!(r
        .warnings
        .iter()
        .any(|w| w.contains("Комментарий") && w.contains("50")));
    assert!(r.warnings.iter().any(|w| w.contains("IPv6")));

    // A name with a script is kept as text, verbatim.
    let r = ok(&rows[3]);
    assert_eq!(r.name.as_deref(), Some("<script>alert('xss')</script>"));
    assert_eq!(r.email.as_deref(), Some("hacker@example.net"));

    let r = ok(&rows[4]);
    assert_eq!(r.line, 8);
    assert_eq!(
        r.acted_at,
        utc("2025-03-15T21:00:00Z"),
        "a date without time is 00:00 Moscow"
    );
    assert_eq!(r.phone.as_deref(), Some("79990001122"));
    assert_eq!(r.agreement.as_deref(), Some("Согласие на рассылку"));
    assert_eq!(r.url, None);
}

#[test]
fn bitrix24_preset_in_both_encodings() {
    let utf8 = fixture("bitrix24_consents_utf8.csv");
    let (src, rows) = read(&utf8, &Options::default());
    assert_eq!(src.encoding, "utf-8");
    check_bitrix(&src, &rows);

    let cp = fixture("bitrix24_consents_cp1251.csv");
    let (src2, rows2) = read(
        &cp,
        &Options {
            preset: Some(Preset::Bitrix24),
            ..Default::default()
        },
    );
    assert_eq!(src2.encoding, "windows-1251");
    check_bitrix(&src2, &rows2);
    assert_eq!(rows, rows2, "the same consents whatever the encoding");
    assert_ne!(src.sha256, src2.sha256);
    assert_eq!(src.sha256.len(), 64);
}

fn check_amo(src: &import::Source, rows: &[Result<Row, RowError>]) {
    assert_eq!(src.preset, Some(Preset::AmoCrm));
    assert_eq!(src.delimiter, Some(b';'));
    assert_eq!(
        src.headers[0], "ID",
        "the BOM is not part of the first header"
    );
    assert_eq!(rows.len(), 5, "{rows:?}");
    let r = ok(&rows[0]);
    assert_eq!((r.line, r.name.as_deref()), (2, Some("Кузнецова Мария")));
    assert_eq!(r.phone.as_deref(), Some("74951234567"));
    assert_eq!(r.email.as_deref(), Some("m.kuznetsova@vector.example"));
    assert_eq!(r.action, Action::Given);
    assert_eq!(r.acted_at, utc("2025-03-14T07:22:01Z"));
    assert_eq!(r.fields["Ответственный"], "Алексей Морозов");
    assert_eq!(r.fields["Теги"], "сайт, вебинар");
    // Mobile phone and personal e-mail when the work ones are empty; a note
    // with quotes, `;` and a new line.
    let r = ok(&rows[1]);
    assert_eq!(r.phone.as_deref(), Some("79265554433"));
    assert_eq!(r.email.as_deref(), Some("sergey.fedorov@mail.example"));
    assert_eq!(
        r.fields["Примечание"],
        "Клиент просил: \"звонить только после 12:00\";\nне писать в мессенджеры"
    );
    let r = ok(&rows[2]);
    assert_eq!(
        (r.line, r.name.as_deref(), r.email.as_deref()),
        (5, Some("Анна"), Some("anna.v@example.org"))
    );
    let r = ok(&rows[3]);
    assert_eq!(
        (r.name.as_deref(), r.email.as_deref(), r.phone.as_deref()),
        (Some("Без контактов"), None, None)
    );
    let e = err(&rows[4]);
    assert_eq!(e.line, 7);
    assert!(
        e.reason.contains("no name, e-mail or phone"),
        "{}",
        e.reason
    );
}

#[test]
fn amocrm_preset_in_both_encodings() {
    let utf8 = fixture("amocrm_contacts_utf8.csv");
    assert!(utf8.starts_with(b"\xEF\xBB\xBF"));
    let (src, rows) = read(
        &utf8,
        &Options {
            preset: Some(Preset::AmoCrm),
            ..Default::default()
        },
    );
    assert_eq!(src.encoding, "utf-8");
    check_amo(&src, &rows);
    let cp = fixture("amocrm_contacts_cp1251.csv");
    let (src2, rows2) = read(&cp, &Options::default());
    assert_eq!(src2.encoding, "windows-1251");
    check_amo(&src2, &rows2);
    assert_eq!(rows, rows2);
}

#[test]
fn remembered_mapping_on_a_comma_file() {
    let bytes = fixture("generic_comma.csv");
    let mapping =
        Mapping::from_json(std::str::from_utf8(&fixture("generic_comma.mapping.json")).unwrap())
            .unwrap();
    // Without the mapping the date column ("Когда") is not recognised.
    let p = import::preview(&bytes, &Options::default(), 10).unwrap();
    assert_eq!(p.source.delimiter, Some(b','));
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[0][0], "Соколова Дарья Андреевна");
    assert!(p.missing.contains(&Field::ActedAt), "{:?}", p.missing);
    let e = import::open(&bytes, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("lacks required columns") && e.contains("acted_at"),
        "{e}"
    );

    let opts = Options {
        mapping: Some(mapping.clone()),
        ..Default::default()
    };
    let p = import::preview(&bytes, &opts, 10).unwrap();
    assert!(p.missing.is_empty());
    assert_eq!(p.source.mapping, mapping);
    let (src, rows) = read(&bytes, &opts);
    assert_eq!(src.preset, None);
    let r = ok(&rows[0]);
    assert_eq!(r.name.as_deref(), Some("Соколова Дарья Андреевна"));
    assert_eq!(r.phone.as_deref(), Some("79215550102"));
    assert_eq!(r.acted_at, utc("2025-03-14T07:22:00Z"));
    assert_eq!(
        r.url.as_deref(),
        Some("https://romashka.example/promo?utm_source=vk&utm_campaign=spring,summer")
    );
    assert_eq!(r.agreement.as_deref(), Some("A3-v2"));
    assert_eq!(
        r.id_document.as_deref(),
        Some("4510 123456, выдан ОВД «Тверской» г. Москвы 01.02.2010")
    );
    assert_eq!(
        r.address.as_deref(),
        Some("г. Москва, ул. Тверская, д. 1; кв. 2")
    );
    let r = ok(&rows[1]);
    assert_eq!(
        (r.email.as_deref(), r.phone.as_deref()),
        (None, Some("79035550303"))
    );
    assert_eq!(r.acted_at, utc("2025-03-13T21:00:00Z"));

    // A mapping naming a column the file lacks: a whole-file error naming it.
    let mut m = mapping;
    m.columns.insert(Field::Ip, "IP-адрес".into());
    m.columns.insert(Field::Email, "E-mail".into());
    let e = import::open(
        &bytes,
        &Options {
            mapping: Some(m),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("\"IP-адрес\" (ip)") && e.contains("\"E-mail\" (email)"),
        "{e}"
    );
}

#[test]
fn dates_in_several_formats_and_zones_invalid_ips_and_actions() {
    let bytes = fixture("consents_tab.tsv");
    let (src, rows) = read(&bytes, &Options::default());
    assert_eq!(src.delimiter, Some(b'\t'));
    assert_eq!(src.mapping.columns[&Field::UserAgent], "User agent");
    assert_eq!(src.mapping.columns[&Field::Action], "Action");
    assert_eq!(rows.len(), 9);
    let same = utc("2025-03-14T07:22:01Z");
    let originals = [
        "2025-03-14T10:22:01+03:00",
        "2025-03-14 07:22:01",
        "14.03.2025 10:22:01",
        "1741936921",
        "Fri, 14 Mar 2025 10:22:01 +0300",
        "2025-03-14T02:22:01-05:00",
    ];
    let actions = [
        Action::Given,
        Action::Refused,
        Action::Withdrawn,
        Action::Given,
        Action::Given,
        Action::Given,
    ];
    for (i, (orig, action)) in originals.iter().zip(actions).enumerate() {
        let r = ok(&rows[i]);
        assert_eq!(r.acted_at, same, "{orig}");
        assert_eq!(r.acted_at_original, *orig);
        assert_eq!(r.action, action);
        assert_eq!(r.agreement.as_deref(), Some("A3-v2"));
    }
    let r = ok(&rows[0]);
    assert_eq!(r.phone.as_deref(), Some("442079460958"));
    assert!(r
        .user_agent
        .as_deref()
        .unwrap()
        .starts_with("Mozilla/5.0 (Windows NT 10.0; Win64; x64)"));
    assert_eq!(
        ok(&rows[1]).ip,
        Some("2001:db8:85a3::8a2e:370:7334".parse().unwrap())
    );
    let e = err(&rows[6]);
    assert_eq!(
        (e.line, e.reason.as_str()),
        (8, "IP \"192.168.1\" is not an IPv4 or IPv6 address")
    );
    let e = err(&rows[7]);
    assert_eq!(
        (e.line, e.reason.as_str()),
        (9, "date \"32.03.2025 10:00\" is not a date")
    );
    let e = err(&rows[8]);
    assert_eq!(e.line, 10);
    assert!(
        e.reason.starts_with("action \"maybe\" is not given"),
        "{}",
        e.reason
    );
}

#[test]
fn encoding_and_delimiter_overrides() {
    let cp = fixture("bitrix24_consents_cp1251.csv");
    let e = import::open(
        &cp,
        &Options {
            encoding: Some("utf-8".into()),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not valid UTF-8"), "{e}");
    let (src, rows) = read(
        &cp,
        &Options {
            encoding: Some("cp1251".into()),
            ..Default::default()
        },
    );
    assert_eq!(src.encoding, "windows-1251");
    assert_eq!(rows.len(), 5);
    // Read as KOI8-R the headers are gibberish: no Bitrix24 columns.
    let e = import::open(
        &cp,
        &Options {
            encoding: Some("koi8-r".into()),
            preset: Some(Preset::Bitrix24),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("lacks required columns") && e.contains("Дата"),
        "{e}"
    );
    let e = import::open(
        &cp,
        &Options {
            encoding: Some("no-such-encoding".into()),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("unknown encoding"), "{e}");

    let tsv = fixture("consents_tab.tsv");
    let e = import::open(
        &tsv,
        &Options {
            delimiter: Some(b';'),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("lacks required columns"), "{e}");
    let (src, _) = read(
        &tsv,
        &Options {
            delimiter: Some(b'\t'),
            format: Some(Format::Csv),
            ..Default::default()
        },
    );
    assert_eq!(src.delimiter, Some(b'\t'));
}

#[test]
fn xlsx_first_sheet_with_excel_dates() {
    let bytes = fixture("consents.xlsx");
    assert_eq!(import::detect_format(&bytes), Format::Xlsx);
    let (src, rows) = read(&bytes, &Options::default());
    assert_eq!(src.format, Format::Xlsx);
    assert_eq!(
        src.headers,
        [
            "ФИО",
            "E-mail",
            "Телефон",
            "Дата",
            "IP-адрес",
            "Статус",
            "Адрес страницы"
        ]
    );
    assert_eq!(rows.len(), 4, "{rows:?}");
    let r = ok(&rows[0]);
    assert_eq!(r.line, 2);
    assert_eq!(
        r.phone.as_deref(),
        Some("79161234567"),
        "a phone stored as a number"
    );
    assert_eq!(r.acted_at_original, "14.03.2025 10:22:01");
    assert_eq!(
        r.acted_at,
        utc("2025-03-14T07:22:01Z"),
        "Excel dates are read as Moscow time"
    );
    assert_eq!(r.action, Action::Given);
    assert_eq!(
        r.url.as_deref(),
        Some("https://romashka.example/form?utm_source=mail")
    );
    let r = ok(&rows[1]);
    assert_eq!(
        (r.email.as_deref(), r.action),
        (Some("o.smirnova@example.com"), Action::Withdrawn)
    );
    assert_eq!(r.acted_at, utc("2025-03-15T06:00:00Z"));
    assert_eq!(r.ip, Some("2a02:6b8:c0e:500:1:0:5c2f:1a3".parse().unwrap()));
    let r = ok(&rows[2]);
    assert_eq!(r.name.as_deref(), Some("Пётр <b>Жирный</b>"));
    assert_eq!(
        r.acted_at_original, "45732.5",
        "a bare serial number is kept as written"
    );
    assert_eq!(r.acted_at, utc("2025-03-16T09:00:00Z"));
    assert_eq!(r.action, Action::Refused);
    let e = err(&rows[3]);
    assert_eq!((e.line, e.reason.as_str()), (5, "no date"));

    let p = import::preview(&bytes, &Options::default(), 2).unwrap();
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[0][3], "14.03.2025 10:22:01");
    assert!(p.missing.is_empty());

    // A truncated workbook is a whole-file error.
    let e = import::open(&bytes[..bytes.len() / 2], &Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("XLSX"), "{e}");
}

#[test]
fn kantara_receipts() {
    let (src, rows) = read(&fixture("kantara_receipt.json"), &Options::default());
    assert_eq!(
        (src.format, src.preset),
        (Format::Json, Some(Preset::Kantara))
    );
    assert!(src.headers.contains(&"piiPrincipalId".to_string()));
    assert_eq!(rows.len(), 1);
    let r = ok(&rows[0]);
    assert_eq!(r.email.as_deref(), Some("ivan.petrov@example.ru"));
    assert_eq!(r.acted_at, utc("2025-03-14T07:22:01Z"));
    assert_eq!(
        r.agreement.as_deref(),
        Some("https://romashka.example/privacy/v2")
    );
    assert_eq!(
        r.fields["consentReceiptID"],
        "4a7f1b3e-2f0c-4d57-9d1a-6c1f3b2e8a90"
    );

    let (_, rows) = read(
        &fixture("kantara_receipts.json"),
        &Options {
            preset: Some(Preset::Kantara),
            ..Default::default()
        },
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(ok(&rows[0]).channel.as_deref(), Some("mobile app"));
    let r = ok(&rows[1]);
    assert_eq!(
        (r.line, r.phone.as_deref(), r.agreement.as_deref()),
        (2, Some("79161234567"), Some("Доставка заказов"))
    );
    assert_eq!(
        r.acted_at,
        utc("2025-03-14T07:22:01Z"),
        "milliseconds are recognised"
    );
    let e = err(&rows[2]);
    assert_eq!(e.line, 3);
    assert!(e.reason.contains("user-000042"), "{}", e.reason);
}

#[test]
fn iso27560_records() {
    let bytes = fixture("iso27560_records.json");
    let (src, rows) = read(&bytes, &Options::default());
    assert_eq!(src.preset, Some(Preset::Iso27560));
    assert_eq!(rows.len(), 5, "{rows:?}");
    let g = ok(&rows[0]);
    assert_eq!((g.line, g.action), (1, Action::Given));
    assert_eq!(g.name.as_deref(), Some("Смирнова Ольга Викторовна"));
    assert_eq!(g.email.as_deref(), Some("o.smirnova@example.com"));
    assert_eq!(g.phone.as_deref(), Some("79037654321"));
    assert_eq!(
        g.agreement.as_deref(),
        Some("https://romashka.example/agreements/A3-v2")
    );
    assert_eq!(g.channel.as_deref(), Some("web form"));
    assert_eq!(g.acted_at, utc("2025-03-14T07:22:01Z"));
    let w = ok(&rows[1]);
    assert_eq!(
        (w.line, w.action, w.channel.as_deref()),
        (1, Action::Withdrawn, Some("e-mail"))
    );
    assert_eq!(w.acted_at, utc("2025-04-20T09:00:00Z"));
    assert_eq!(w.acted_at_original, "2025-04-20T12:00:00+03:00");
    let r = ok(&rows[2]);
    assert_eq!(
        (r.line, r.action, r.email.as_deref()),
        (2, Action::Refused, Some("oleg@example.com"))
    );
    assert_eq!(r.acted_at, utc("2025-03-15T06:00:00Z"));
    let e = err(&rows[3]);
    assert_eq!(e.line, 3);
    assert!(e.reason.contains("pseudo-77"), "{}", e.reason);
    let e = err(&rows[4]);
    assert!(e.reason.contains("ConsentExpired"), "{}", e.reason);

    let p = import::preview(&bytes, &Options::default(), 1).unwrap();
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].len(), p.source.headers.len());
}

#[test]
fn duplicate_headers_are_a_whole_file_error() {
    let text = "ФИО;Телефон;Дата;Телефон\nИванов;+79161234567;14.03.2025;+79031234567\n";
    let e = import::open(text.as_bytes(), &Options::default()).unwrap_err();
    assert_eq!(e.code(), "invalid");
    assert!(e.to_string().contains("\"Телефон\" more than once"), "{e}");
    assert!(import::preview(text.as_bytes(), &Options::default(), 5).is_err());
}

#[test]
fn missing_required_columns_are_listed() {
    let e = import::open(
        "Комментарий;IP\nпривет;1.2.3.4\n".as_bytes(),
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("a date column (acted_at)") && e.contains("a name, e-mail or phone column"),
        "{e}"
    );
    let e = import::open(
        "ID;Пользователь;IP-адрес\n1;Иван;1.2.3.4\n".as_bytes(),
        &Options {
            preset: Some(Preset::Bitrix24),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("\"Дата\" (acted_at)"), "{e}");
    assert!(
        !e.contains("Поля"),
        "the user column names the subject: {e}"
    );
}

#[test]
fn truncated_files() {
    // Cut inside the quoted items of the second consent.
    let full = fixture("bitrix24_consents_utf8.csv");
    let text = std::str::from_utf8(&full).unwrap();
    let cut = text.find("E-mail: o.smirnova").unwrap();
    let (_, rows) = read(&full[..cut], &Options::default());
    assert_eq!(rows.len(), 2);
    ok(&rows[0]);
    let e = err(&rows[1]);
    assert_eq!(e.line, 3);
    assert!(e.reason.contains("truncated"), "{}", e.reason);
    // Cut inside a multi-byte character: still read as UTF-8, the last
    // record is short of columns.
    let cut = text.find("Константин").unwrap() + 3;
    let (src, rows) = read(&full[..cut], &Options::default());
    assert_eq!(src.encoding, "utf-8");
    assert!(rows.last().unwrap().is_err());
    // A JSON array cut in the middle of a record.
    let json = fixture("kantara_receipts.json");
    let (_, rows) = read(&json[..json.len() - 200], &Options::default());
    assert_eq!(rows.len(), 3);
    assert!(err(&rows[2]).reason.contains("truncated"));
}

#[test]
fn binary_files_are_refused() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    let e = import::open(&png, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a text file"), "{e}");
    // A "CSV" of control characters without NUL bytes.
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| [1u8, 2, 3, 4, 5, 6, 7, 8, b'a', b';', b'\n'][(i % 11) as usize])
        .collect();
    let e = import::open(
        &junk,
        &Options {
            format: Some(Format::Csv),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not a text file"), "{e}");
    // A ZIP that is not a workbook.
    let e = import::open(b"PK\x03\x04\x14\0\0\0\0\0garbage", &Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a readable XLSX workbook"), "{e}");
    // An XLSX forced to be read as CSV.
    let e = import::open(
        &fixture("consents.xlsx"),
        &Options {
            format: Some(Format::Csv),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not a text file"), "{e}");
}

#[test]
fn a_100_mb_line_is_a_clear_error() {
    let mut bytes = b"\xD0\xA4\xD0\x98\xD0\x9E;\xD0\x94\xD0\xB0\xD1\x82\xD0\xB0\n".to_vec(); // "ФИО;Дата"
    bytes.reserve(100 * 1024 * 1024 + 64);
    bytes.extend_from_slice("Иванов;".as_bytes());
    bytes.resize(bytes.len() + 100 * 1024 * 1024, b'x');
    bytes.push(b'\n');
    let t = std::time::Instant::now();
    let e = import::open(&bytes, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 2") && e.contains("longer than 10 MB"),
        "{e}"
    );
    assert!(import::preview(&bytes, &Options::default(), 5).is_err());
    assert!(t.elapsed().as_secs() < 60, "took {:?}", t.elapsed());
    // A quoted field that never closes is caught the same way.
    let mut quoted = "ФИО;Дата\n\"".as_bytes().to_vec();
    quoted.resize(quoted.len() + MAX_RECORD_BYTES + 100, b'y');
    let e = import::open(&quoted, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("never closed"), "{e}");
}

#[test]
fn a_200000_row_csv_streams() {
    const N: usize = 200_000;
    let mut text = String::with_capacity(N * 120);
    text.push_str("ФИО;E-mail;Телефон;Дата;IP-адрес;Соглашение\n");
    for i in 0..N {
        use std::fmt::Write;
        writeln!(
            text,
            "Пользователь {i};user{i}@example.ru;+7 916 {:03}-{:02}-{:02};14.03.2025 10:{:02}:{:02};10.{}.{}.{};A3-v2",
            i % 1000,
            (i / 1000) % 100,
            i % 100,
            (i / 60) % 60,
            i % 60,
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )
        .unwrap();
    }
    let (src, rows) = import::open(text.as_bytes(), &Options::default()).unwrap();
    assert_eq!(src.delimiter, Some(b';'));
    let mut count = 0usize;
    let mut last_line = 0;
    for r in rows {
        let r = r.unwrap();
        count += 1;
        last_line = r.line;
    }
    assert_eq!(count, N);
    assert_eq!(last_line, N as u64 + 1);
}

/// Peak and current resident memory of this process, in MiB (Linux).
fn memory_mib() -> Option<(u64, u64)> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((kb("VmHWM:")? / 1024, kb("VmRSS:")? / 1024))
}

/// 1,000,000 rows of about 150 bytes: parsing adds little to the file's own
/// size. Run alone (`-- --ignored --exact one_million_rows_stay_small`):
/// the peak is per process, so other tests running beside it would count.
#[test]
#[ignore = "slow in debug builds; run alone to measure memory"]
fn one_million_rows_stay_small() {
    const N: usize = 1_000_000;
    let mut text = String::with_capacity(N * 160);
    text.push_str("ФИО;E-mail;Телефон;Дата;IP-адрес;URL;Соглашение\n");
    for i in 0..N {
        use std::fmt::Write;
        writeln!(
            text,
            "Пользователь Номер {i};user{i}@example.ru;+7 916 {:03}-{:02}-{:02};2025-03-14T10:{:02}:{:02}+03:00;2a02:6b8::{:x}:{:x};https://example.ru/form?id={i}&utm_source=test;A3-v2",
            i % 1000,
            (i / 1000) % 100,
            i % 100,
            (i / 60) % 60,
            i % 60,
            i >> 16,
            i & 0xffff
        )
        .unwrap();
    }
    let file_mib = text.len() as u64 / (1024 * 1024);
    let (_, before) = memory_mib().unwrap_or((0, 0));
    let t = std::time::Instant::now();
    let (_, rows) = import::open(text.as_bytes(), &Options::default()).unwrap();
    let mut count = 0usize;
    for r in rows {
        r.unwrap();
        count += 1;
    }
    let (peak, _) = memory_mib().unwrap_or((0, 0));
    eprintln!(
        "{N} rows, file {file_mib} MiB, rss before {before} MiB, peak {peak} MiB, {:?}",
        t.elapsed()
    );
    assert_eq!(count, N);
    assert!(
        peak < before + 64,
        "parsing grew memory by {} MiB",
        peak - before
    );
}

#[test]
fn rejected_rows_come_back_as_they_were_under_the_header() {
    // XLSX: sheet rows 2 and 4, as text, in a `;` CSV with a BOM.
    let out = import::rejected_rows(&fixture("consents.xlsx"), &Options::default(), &[2, 4])
        .unwrap()
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], "\u{feff}ФИО;E-mail;Телефон;Дата;IP-адрес;Статус;Адрес страницы");
    let (_, rows) = read(&fixture("consents.xlsx"), &Options::default());
    assert!(lines[1].contains(ok(&rows[0]).email.as_deref().unwrap()), "{text}");
    // CSV in Windows-1251 with a quoted field over two lines: read back whole, as UTF-8.
    let csv = "Дата;ФИО;Комментарий\n14.03.2025;Анна;\"две\nстроки\"\n15.03.2025;=cmd|' /C calc'!A0;x\n";
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(csv);
    let out = import::rejected_rows(&cp1251[..], &Options::default(), &[2, 4]).unwrap().unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\u{feff}Дата;ФИО;Комментарий\n14.03.2025;Анна;\"две\nстроки\"\n15.03.2025;'=cmd|' /C calc'!A0;x\n"
    );
    // Imported again, the values are what the first file had.
    let out = import::rejected_rows(&cp1251[..], &Options::default(), &[4]).unwrap().unwrap();
    let (_, rows) = read(&out, &Options::default());
    assert_eq!(ok(&rows[0]).name.as_deref(), Some("=cmd|' /C calc'!A0"));
    // JSON records have no columns to give back.
    assert!(import::rejected_rows(&fixture("kantara_receipt.json"), &Options::default(), &[1]).unwrap().is_none());
}

/// A file on disk is read in pieces (the CLI and the app import that way):
/// every fixture, and each made bad in the ways a file on disk can be, gives
/// the same source, rows and errors as its bytes in memory.
#[test]
fn a_file_on_disk_reads_exactly_as_its_bytes() {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "import"].iter().collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".py") || name.ends_with(".mapping.json") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        // Whole, cut in the middle (a truncated download), and with a
        // record's quote left open.
        let mut quoted = bytes.clone();
        quoted.splice(bytes.len() / 3..bytes.len() / 3, *b"\"");
        for (what, data) in [("whole", bytes.clone()), ("cut", bytes[..bytes.len() / 2].to_vec()), ("quote", quoted)] {
            let on_disk = tmp.path().join(format!("{what}-{name}"));
            std::fs::write(&on_disk, &data).unwrap();
            let from_disk = import::open(&on_disk, &Options::default()).map(|(s, r)| (s, r.collect::<Vec<_>>()));
            let in_memory = import::open(&data, &Options::default()).map(|(s, r)| (s, r.collect::<Vec<_>>()));
            match (from_disk, in_memory) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{what} {name}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what} {name}"),
                (a, b) => panic!("{what} {name}: from disk {:?}, in memory {:?}", a.map(|x| x.1.len()), b.map(|x| x.1.len())),
            }
            let p1 = import::preview(&on_disk, &Options::default(), 5).map_err(|e| e.to_string());
            let p2 = import::preview(&data, &Options::default(), 5).map_err(|e| e.to_string());
            assert_eq!(p1, p2, "{what} {name}");
        }
        seen += 1;
    }
    assert!(seen >= 10, "the fixtures were found: {seen}");
    let gone = tmp.path().join("gone.csv");
    let e = import::open(&gone, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("gone.csv"), "a missing file is named: {e}");
}

/// A JSON file that is not a list is parsed whole: from disk, one over 16
/// MB is refused before it is read, saying what to do.
#[test]
fn a_json_file_too_large_to_read_whole_is_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("receipt.json");
    let big = format!("{{\"consentTimestamp\": 1710000000, \"note\": \"{}\"}}", "x".repeat(import::MAX_JSON_OBJECT_BYTES as usize));
    std::fs::write(&path, big).unwrap();
    let e = import::open(&path, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("16.0 MB") && e.contains("as a list") && e.contains("nothing was imported"), "{e}");
    assert!(import::preview(&path, &Options::default(), 5).is_err());
}

/// The XLSX fixture with its shared strings table changed by `change`.
fn xlsx_with_shared_strings(change: impl Fn(String) -> String) -> Vec<u8> {
    xlsx_changed(change, None)
}

/// The XLSX fixture with its shared strings changed and `extra` (name, bytes) added.
fn xlsx_changed(change: impl Fn(String) -> String, extra: Option<(&str, Vec<u8>)>) -> Vec<u8> {
    use std::io::{Read, Write};
    let src = fixture("consents.xlsx");
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(&src)).unwrap();
    let mut zout = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name.eq_ignore_ascii_case("xl/sharedStrings.xml") {
            data = change(String::from_utf8(data).unwrap()).into_bytes();
        }
        zout.start_file(name, stored).unwrap();
        zout.write_all(&data).unwrap();
    }
    if let Some((name, data)) = extra {
        zout.start_file(name, stored).unwrap();
        zout.write_all(&data).unwrap();
    }
    zout.finish().unwrap().into_inner()
}

/// calamine holds a workbook's shared strings in memory, and reserves room
/// for as many as the table says: a table that says more than it holds, or
/// that unpacks to more than 128 MB, is refused before calamine reads it.
#[test]
fn xlsx_shared_strings_that_would_not_fit_in_memory_are_refused_up_front() {
    // As it is, the fixture reads.
    let same = xlsx_with_shared_strings(|s| s);
    assert_eq!(import::open(&same, &Options::default()).unwrap().1.count(), 4);
    let lying = xlsx_with_shared_strings(|s| {
        let at = s.find("uniqueCount=\"").expect("the fixture's table says its count") + 13;
        let end = at + s[at..].find('"').unwrap();
        format!("{}4000000000{}", &s[..at], &s[end..])
    });
    let e = import::open(&lying, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("says it holds 4000000000 texts") && e.contains("nothing was imported"), "{e}");
    let huge = xlsx_with_shared_strings(|s| {
        let pad = format!("<!--{}-->", " ".repeat(import::MAX_SHARED_STRINGS_BYTES as usize));
        s.replace("</sst>", &format!("{pad}</sst>"))
    });
    let e = import::open(&huge, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("more than 128 MB") && e.contains("CSV UTF-8"), "{e}");
    assert!(import::preview(&huge, &Options::default(), 5).is_err());
    // A large part calamine does not read (a pivot table's cache) is no reason to refuse.
    let pivot = xlsx_changed(|s| s, Some(("xl/pivotCache/pivotCacheRecords1.xml", vec![b' '; 17_000_000])));
    assert_eq!(import::open(&pivot, &Options::default()).unwrap().1.count(), 4);
}
