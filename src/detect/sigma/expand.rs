//! Value transformations that turn one Sigma value into several literal variants:
//! `|base64`, `|base64offset` and `|windash`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// `|base64`: the value's Base64 encoding.
pub(crate) fn base64(value: &str) -> Vec<String> {
    vec![STANDARD.encode(value)]
}

/// `|base64offset`: the three encodings of the value as it would appear at each byte offset
/// of a longer encoded text, with the characters that depend on the neighbours cut off.
pub(crate) fn base64_offsets(value: &str) -> Vec<String> {
    const START_CUT: [usize; 3] = [0, 2, 3];
    const END_CUT: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|offset| {
            let mut padded = " ".repeat(offset);
            padded.push_str(value);
            let encoded = STANDARD.encode(padded.as_bytes());
            let end = encoded
                .len()
                .saturating_sub(END_CUT[(value.len() + offset) % 3]);
            encoded
                .get(START_CUT[offset]..end)
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// `|windash`: the value with every option dash or slash (`-x`, `/x` after a space or at the
/// start) written each way Windows accepts: `-`, `/`, en dash, em dash, horizontal bar.
pub(crate) fn windows_dashes(value: &str) -> Vec<String> {
    const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
    let characters: Vec<char> = value.chars().collect();
    let is_word = |character: &char| character.is_alphanumeric() || *character == '_';
    let option_starts: Vec<bool> = characters
        .iter()
        .enumerate()
        .map(|(index, character)| {
            matches!(character, '-' | '/')
                && (index == 0 || !is_word(&characters[index - 1]))
                && characters.get(index + 1).is_some_and(is_word)
        })
        .collect();
    let mut variants: Vec<String> = DASHES
        .iter()
        .map(|dash| {
            characters
                .iter()
                .zip(&option_starts)
                .map(|(character, is_option)| if *is_option { *dash } else { *character })
                .collect()
        })
        .collect();
    variants.dedup();
    variants
}
