//! Names across Latin and Cyrillic: passport-style transliteration of a
//! name's words, reduced to a coarse Latin "skeleton" on which the usual
//! spellings of one Russian name meet (Дмитрий, Dmitriy, Dmitrii, Dmitry;
//! Фёдоров, Fyodorov, Fedorov). The search index holds the skeletons of
//! every name word; a query's words are reduced the same way, so a letter
//! signed "Dmitry Fedorov" finds «Фёдоров Дмитрий» as a candidate for an
//! operator to confirm, and the other way round.
//!
//! Written here rather than taken from a crate: the Cyrillic table is the
//! standard itself (ICAO Doc 9303, used in Russian passports since the order
//! of 2013), a general transliterator (such as `deunicode`) follows other
//! conventions (ё as "io", ь as an apostrophe) and brings tables for every
//! script, and the part that does the work, the skeleton on which the older
//! and foreign spellings meet, exists in no crate.
//!
//! The reduction is applied identically to what is indexed and to what is
//! searched, so a rule can only join spellings, never part one spelling from
//! itself. Its rules, in order:
//! 1. Cyrillic by ICAO 9303 (ё as е, й as i, ь omitted, ъ as ie, ы as y),
//!    Latin letters without their diacritics (é, ë → e; ß → ss; ł → l).
//! 2. Consonant groups to one letter each: shch, sch, sh → w (щ and ш
//!    meet); tsch, tch, ch → q (ч); zh → x (ж); kh → h (х); ts, tz, tc, c, ck,
//!    q → k (ц and к meet, for Cvetkov and Victor alike); x → ks; w → v;
//!    ph → f; y and j → i.
//! 3. Doubled letters once (Anna, Kirill); io and ie → e (Fyodorov,
//!    Vasiliev, Yevgeny); iu → u and ou → u (Yulia, Ludmila, Joukov); ia
//!    at the start of a word or after a vowel → a (Yakov, Krasnaya, Maiia).
//! 4. A final -der, -ter → -dr, -tr (Alexander, Peter as Aleksandr, Petr).
//!
//! What does not meet: German ch for х (Michail), j for ж (Joukov), č
//! written as plain c (Vjaceslav), ъ in ICAO's "ie" against a spelling
//! without it (Podieiachev, Podyachev).

use unicode_normalization::char::decompose_canonical;

/// A Cyrillic letter (lower case) as ICAO Doc 9303 writes it, including the
/// Ukrainian and Belarusian letters; None for any other character.
pub fn icao(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'й' | 'і' | 'ї' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'є' => "ie",
        'ы' => "y",
        'ь' => "",
        'ю' => "iu",
        'я' => "ia",
        _ => return None,
    })
}

/// Latin letters that have no canonical decomposition, as plain letters.
fn latin_special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ł' => "l",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// `word` in lower-case ASCII letters and digits: Cyrillic by ICAO 9303,
/// Latin without diacritics; anything else (apostrophes, other scripts) is left out.
pub fn latin(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if let Some(s) = icao(c).or_else(|| latin_special(c)) {
            out.push_str(s);
        } else if !c.is_ascii() {
            // é → e + ◌́: the base letter if it is ASCII.
            decompose_canonical(c, |d| {
                if d.is_ascii_alphanumeric() {
                    out.push(d);
                }
            });
        }
    }
    out
}

/// Step 2's groups, longest first where one begins another.
const GROUPS: &[(&[u8], &[u8])] = &[
    (b"shch", b"w"),
    (b"tsch", b"q"),
    (b"sch", b"w"),
    (b"shh", b"w"),
    (b"tch", b"q"),
    (b"sh", b"w"),
    (b"ch", b"q"),
    (b"zh", b"x"),
    (b"kh", b"h"),
    (b"ts", b"k"),
    (b"tz", b"k"),
    (b"tc", b"k"),
    (b"ck", b"k"),
    (b"ph", b"f"),
    (b"c", b"k"),
    (b"q", b"k"),
    (b"x", b"ks"),
    (b"w", b"v"),
    (b"y", b"i"),
    (b"j", b"i"),
];

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

fn collapse(s: &mut Vec<u8>) {
    s.dedup();
}

/// The skeleton of one word (see the module's rules): lower-case ASCII
/// letters and digits, empty if the word has no letter or digit it can write.
pub fn skeleton(word: &str) -> String {
    let latin = latin(word);
    let b = latin.as_bytes();
    // 2. Consonant groups.
    let mut s: Vec<u8> = Vec::with_capacity(b.len() + 2);
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        match GROUPS.iter().find(|(from, _)| rest.starts_with(from)) {
            Some((from, to)) => {
                s.extend_from_slice(to);
                i += from.len();
            }
            None => {
                s.push(b[i]);
                i += 1;
            }
        }
    }
    // 3. Vowels.
    collapse(&mut s);
    let mut v: Vec<u8> = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let (c, next) = (s[i], s.get(i + 1).copied());
        match (c, next) {
            (b'i', Some(b'o' | b'e')) => {
                v.push(b'e');
                i += 2;
            }
            (b'i' | b'o', Some(b'u')) => {
                v.push(b'u');
                i += 2;
            }
            (b'i', Some(b'a')) if v.last().is_none_or(|&p| is_vowel(p)) => {
                v.push(b'a');
                i += 2;
            }
            _ => {
                v.push(c);
                i += 1;
            }
        }
    }
    // 4. -der, -ter.
    if v.len() > 3 && v.ends_with(b"er") && matches!(v[v.len() - 3], b'd' | b't') {
        v.remove(v.len() - 2);
    }
    collapse(&mut v);
    String::from_utf8(v).expect("ASCII")
}

/// Where a name is cut into words for skeletons: at anything but letters,
/// digits, combining marks and apostrophes (Ol'ga, Natal’ya stay one word).
fn word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '\'' | '’' | 'ʼ' | 'ʹ' | 'ʺ' | '`' | '´' | '\u{300}'..='\u{36f}'
        )
}

/// The skeletons of the words of `text`, in order, empty ones left out.
pub fn skeletons(text: &str) -> Vec<String> {
    text.split(|c: char| !word_char(c))
        .map(skeleton)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn meet(spellings: &[&str]) {
        let want = skeleton(spellings[0]);
        assert!(!want.is_empty());
        for s in spellings {
            assert_eq!(skeleton(s), want, "{s} and {} should meet", spellings[0]);
        }
    }

    #[test]
    fn icao_transliteration_as_in_passports() {
        assert_eq!(latin("Фёдоров"), "fedorov");
        assert_eq!(latin("Дмитрий"), "dmitrii");
        assert_eq!(latin("Юлия"), "iuliia");
        assert_eq!(latin("Щукин-Хабаров"), "shchukinkhabarov");
        assert_eq!(
            latin("Цветков Наталья Подъячев Крылов Эмма Жанна Чайка"),
            "tsvetkovnataliapodieiachevkrylovemmazhannachaika"
        );
        assert_eq!(
            latin("Müller Łukasz Søren Straße Ol'ga"),
            "mullerlukaszsorenstrasseolga"
        );
    }

    #[test]
    fn the_usual_spellings_of_one_name_meet() {
        meet(&[
            "Дмитрий",
            "Dmitriy",
            "Dmitrii",
            "Dmitry",
            "Dmitrij",
            "DMITRY",
        ]);
        meet(&[
            "Фёдоров",
            "Федоров",
            "Fyodorov",
            "Fedorov",
            "Fiodorov",
            "Fjodorov",
            "Fëdorov",
        ]);
        meet(&["Юлия", "Yulia", "Iuliia", "Julia", "Yuliya", "Julija"]);
        meet(&[
            "Александр",
            "Aleksandr",
            "Alexander",
            "Alexandr",
            "Aleksander",
        ]);
        meet(&["Хабаров", "Khabarov", "Habarov"]);
        meet(&["Цветков", "Tsvetkov", "Tzvetkov", "Cvetkov", "Tcvetkov"]);
        meet(&["Щукин", "Shchukin", "Schukin", "Shhukin"]);
        meet(&[
            "Кузнецов",
            "Kuznetsov",
            "Kuznecov",
            "Kuznetzov",
            "Kuznetcov",
        ]);
        meet(&[
            "Наталья",
            "Natalya",
            "Natalia",
            "Nataliia",
            "Natal'ya",
            "Natalja",
        ]);
        meet(&["Сергей", "Sergey", "Sergei", "Sergej"]);
        meet(&["Алексей", "Aleksey", "Alexey", "Aleksei", "Alexei"]);
        meet(&["Михаил", "Mikhail", "Mihail"]);
        meet(&["Евгений", "Evgeniy", "Yevgeny", "Evgenii", "Jevgenij"]);
        meet(&["Елена", "Elena", "Yelena", "Jelena"]);
        meet(&["Васильев", "Vasilyev", "Vasiliev", "Vasilev", "Vasil'ev"]);
        meet(&["Соловьёв", "Solovyov", "Soloviev", "Solovev", "Solovjov"]);
        meet(&["Яковлев", "Yakovlev", "Iakovlev", "Jakovlev"]);
        meet(&["Людмила", "Lyudmila", "Liudmila", "Ludmila", "Ljudmila"]);
        meet(&["Юрий", "Yuri", "Yury", "Yuriy", "Iurii", "Jurij"]);
        meet(&["Ксения", "Kseniya", "Ksenia", "Xenia"]);
        meet(&["Виктор", "Viktor", "Victor"]);
        meet(&["Николай", "Nikolay", "Nikolai", "Nicolai"]);
        meet(&["Пётр", "Petr", "Pyotr", "Piotr", "Peter"]);
        meet(&["Артём", "Artyom", "Artem", "Artiom"]);
        meet(&[
            "Чайковский",
            "Chaikovskii",
            "Tchaikovsky",
            "Chaykovskiy",
            "Tschaikowsky",
        ]);
        meet(&["Красная", "Krasnaya", "Krasnaia"]);
        meet(&["Майя", "Maiia", "Maya", "Maia"]);
        meet(&["Ильин", "Ilyin", "Ilin", "Iljin"]);
        meet(&["Андреев", "Andreev", "Andreyev"]);
        meet(&["Ольга", "Olga", "Ol'ga", "Ol’ga"]);
        meet(&["Жуков", "Zhukov"]);
        meet(&["Щербаков", "Shcherbakov", "Scherbakov", "Sherbakov"]);
        meet(&["Тихонов", "Tikhonov", "Tihonov"]);
        meet(&["Іванна", "Ivanna"]);
    }

    #[test]
    fn different_names_stay_apart() {
        for (a, b) in [
            ("Федоров", "Фадеев"),
            ("Иванов", "Иванова"),
            ("Смирнов", "Семенов"),
            ("Дмитрий", "Дмитриев"),
            ("Юлия", "Юрий"),
            ("Шишкин", "Жижкин"),
            ("Чехов", "Шехов"),
            ("Мария", "Марина"),
        ] {
            assert_ne!(skeleton(a), skeleton(b), "{a} / {b}");
        }
    }

    #[test]
    fn words_are_cut_where_names_are() {
        assert_eq!(
            skeletons("Римский-Корсаков  Н. А."),
            vec!["rimski", "korsakov", "n", "a"]
        );
        assert_eq!(skeletons("O'Brien, Ol’ga 2"), vec!["obren", "olga", "2"]);
        assert_eq!(skeletons("Фе\u{308}доров"), vec!["fedorov"]);
        assert!(skeletons(" – ь ").is_empty());
        assert!(skeletons("").is_empty());
    }
}
