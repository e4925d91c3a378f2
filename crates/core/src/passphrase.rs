//! Passphrase strength: zxcvbn's estimate, with the organisation and
//! operator names as known words, and a minimum length.

use serde::Serialize;

use crate::error::{Error, Result};

pub const MIN_CHARS: usize = 10;
/// zxcvbn score (0–4) a passphrase must reach: 3 resists an offline attack
/// on a slow hash, which is what a stolen `keys.json` allows.
pub const MIN_SCORE: u8 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct Strength {
    /// 0 (guessable in seconds) to 4 (very strong).
    pub score: u8,
    pub acceptable: bool,
    /// Why it is refused (empty when acceptable).
    pub reason: String,
    /// How to make it stronger.
    pub suggestions: Vec<String>,
}

/// Rates `passphrase`; `context` holds words an attacker would try first
/// (organisation, operator name).
pub fn strength(passphrase: &str, context: &[&str]) -> Strength {
    let chars = passphrase.chars().count();
    if passphrase.is_empty() {
        return Strength {
            score: 0,
            acceptable: false,
            reason: "the passphrase is empty".into(),
            suggestions: vec![],
        };
    }
    let est = zxcvbn::zxcvbn(passphrase, context);
    let score = u8::from(est.score());
    let suggestions: Vec<String> = est
        .feedback()
        .map(|f| f.suggestions().iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    let warning = est
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| w.to_string());
    let reason = if chars < MIN_CHARS {
        format!("it has {chars} characters; use at least {MIN_CHARS}")
    } else if score < MIN_SCORE {
        match warning {
            Some(w) => format!("it is too easy to guess ({w})"),
            None => "it is too easy to guess".to_string(),
        }
    } else {
        String::new()
    };
    let acceptable = reason.is_empty();
    let suggestions = if acceptable || !suggestions.is_empty() {
        suggestions
    } else {
        vec!["Use four or more unrelated words.".into()]
    };
    Strength {
        score,
        acceptable,
        reason,
        suggestions,
    }
}

/// Refuses a passphrase below the minimum strength, with the reason.
pub fn require_strong(passphrase: &str, context: &[&str]) -> Result<()> {
    let s = strength(passphrase, context);
    if s.acceptable {
        Ok(())
    } else {
        let hint = s
            .suggestions
            .first()
            .map(|h| format!(" {h}"))
            .unwrap_or_default();
        Err(Error::WeakPassphrase {
            reason: format!("{}.{hint}", s.reason),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_ones_are_refused_with_a_reason() {
        for (pw, why) in [
            ("", "empty"),
            ("short1!", "characters"),
            ("password123", "guess"),
            ("qwertyuiop", "guess"),
        ] {
            let e = require_strong(pw, &[]).unwrap_err();
            assert_eq!(e.code(), "weak_passphrase");
            assert!(e.to_string().contains(why), "{pw}: {e}");
        }
    }

    #[test]
    fn organisation_name_does_not_count_as_entropy() {
        let plain = strength("romashkatrading", &[]);
        let known = strength("romashkatrading", &["Romashka", "Trading"]);
        assert!(
            known.score < plain.score,
            "{} !< {}",
            known.score,
            plain.score
        );
        assert!(!known.acceptable);
    }

    #[test]
    fn strong_ones_pass() {
        for pw in [
            "correct horse battery staple",
            "Лес утонул в тумане 1987",
            "vX9#qL2!mZ7@tR4$",
        ] {
            assert!(require_strong(pw, &[]).is_ok(), "{pw}");
        }
    }
}
