//! What the benchmarks share: the consent rows they import (as a CRM
//! exports them) and the process's memory figures.
#![allow(dead_code)]

pub const FIRST: &[&str] = &["Александр", "Мария", "Дмитрий", "Анна", "Сергей", "Елена", "Андрей", "Ольга", "Алексей", "Наталья", "Михаил", "Татьяна"];
pub const LAST: &[&str] = &["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Лебедев", "Козлов"];

/// The columns of [`row`].
pub const HEADER: [&str; 7] = ["Дата", "ФИО", "E-mail", "Телефон", "IP-адрес", "URL", "Статус"];

/// Consent action `i`: about 3 actions per person, as when people come back.
pub fn row(i: usize) -> [String; 7] {
    let p = i / 3;
    let ip = if i % 3 == 0 {
        format!("2a02:6b8:{:x}::{:x}", p % 65536, i % 65536)
    } else {
        format!("10.{}.{}.{}", p % 256, (p / 256) % 256, i % 250 + 1)
    };
    [
        format!(
            "2025-{:02}-{:02}T{:02}:{:02}:{:02}+03:00",
            1 + (i / 100_000) % 12,
            1 + (i / 3_600) % 28,
            (i / 60) % 24,
            i % 60,
            (i * 7) % 60
        ),
        format!("{} {} {p}", LAST[p % LAST.len()], FIRST[(p / 14) % FIRST.len()]),
        format!("user{p}@example.ru"),
        format!("+7 9{p:09}"),
        ip,
        format!("https://example.ru/form?id={i}"),
        (if i % 17 == 0 { "отозвано" } else if i % 11 == 0 { "отказ" } else { "согласие" }).to_string(),
    ]
}

/// Row `i` as a `;`-separated line with its line end.
pub fn csv_line(i: usize) -> String {
    let mut s = row(i).join(";");
    s.push('\n');
    s
}

/// A line of /proc/self/status in MiB: `VmHWM` (peak resident) or `VmRSS`.
pub fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// Starts the peak-memory count again from what is resident now (Linux:
/// writing 5 to clear_refs), so the peak is the import's, not the set-up's.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub const PASS: &str = "tulip orbit canyon ledger 42";

/// A new vault in `dir` with the organisation's requisites and one published
/// agreement (a 12-month term, so that the register's expiry reminder has
/// work to do); returns the vault and the agreement's id.
pub fn bench_vault(dir: &std::path::Path) -> (consent_ledger_core::Vault, u64) {
    use consent_ledger_core::agreements::{self, Language, TemplateKind};
    let opts = consent_ledger_core::CreateOptions {
        organisation: "ООО «Бенчмарк»".into(),
        operator: "bench".into(),
        kdf: consent_ledger_core::crypto::KdfParams::insecure_for_tests(),
    };
    let mut v = consent_ledger_core::Vault::create(dir, PASS, &opts).unwrap().vault;
    let mut r = v.requisites().unwrap();
    r.full_name = "ООО «Бенчмарк»".into();
    r.legal_address = "Москва".into();
    r.withdrawal_email = "p@bench.example".into();
    v.set_requisites(r).unwrap();
    let id = v
        .with_tx(|tx, _| agreements::create(tx, TemplateKind::Processing, Language::Ru, None, None))
        .unwrap();
    let mut content = agreements::view(v.conn(), id, None).unwrap().content;
    content.expires_after_months = Some(12);
    v.with_tx(|tx, _| agreements::save_draft(tx, id, content)).unwrap();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &[], Language::Ru)).unwrap();
    (v, id)
}
