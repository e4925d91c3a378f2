//! `consent-ledger subject erase`: erase a person for good, after confirmation.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use consent_ledger_core::subjects;
use consent_ledger_core::{Error, Result, Vault};

use crate::args::SubjectAction;
use crate::commands::Out;

pub fn run(vault: &mut Vault, action: SubjectAction, out: Out) -> Result<ExitCode> {
    match action {
        SubjectAction::Erase { id, reason, yes } => erase(vault, &id, &reason, yes, out),
        SubjectAction::Unrestrict { id, reason } => {
            let seq = consent_ledger_core::requests::fulfil::lift_restriction(vault, &id, &reason)?;
            out.print(&serde_json::json!({ "subject": id, "seq": seq }), || {
                format!("The restriction of {id} is lifted (event #{seq}).")
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn erase(vault: &mut Vault, id: &str, reason: &str, yes: bool, out: Out) -> Result<ExitCode> {
    // Every refusal comes before the question: nothing to confirm that would fail.
    if reason.trim().is_empty() {
        return Err(Error::Invalid(
            "say why the data is erased: --reason \"request 12 of 14.03.2025\"".into(),
        ));
    }
    let doomed = subjects::erasable(vault.conn(), id)?;
    if !yes {
        confirm(id, &doomed)?;
    }
    let e = vault.erase_person(id, reason)?;
    out.print(&e, || {
        let others: Vec<&str> = e.erased.iter().map(String::as_str).filter(|s| *s != id).collect();
        format!(
            "Erased subject {}{}: {} record(s) of personal data destroyed, with the key, contacts and search entries.\n\
             The ledger records when and why (event #{}).\n\
             Destruction act {} (Roskomnadzor order No. 179) issued with its log extract, kept three years: `act show {} --out act.pdf`.",
            id,
            if others.is_empty() { String::new() } else { format!(" and the subject(s) merged with it ({})", others.join(", ")) },
            e.records_destroyed,
            e.event_seq,
            e.act,
            e.act
        )
    });
    Ok(ExitCode::SUCCESS)
}

/// Asks the person at the terminal to type the id; without a terminal,
/// `--yes` is required.
fn confirm(id: &str, doomed: &[String]) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::Invalid(format!(
            "erasing {id} cannot be undone: add --yes to confirm (standard input is not a terminal to ask); nothing was erased"
        )));
    }
    eprintln!(
        "This destroys the personal data of {} subject(s) for good: {}.\n\
         The ledger keeps only that it happened, when and why. It cannot be undone.",
        doomed.len(),
        doomed.join(", ")
    );
    eprint!("Type the subject id ({id}) to erase: ");
    let mut typed = String::new();
    stdin
        .lock()
        .read_line(&mut typed)
        .map_err(|e| Error::io("reading the confirmation", e))?;
    if typed.trim() != id {
        eprintln!("That is not {id}: nothing was erased.");
        return Err(Error::Cancelled);
    }
    Ok(())
}
