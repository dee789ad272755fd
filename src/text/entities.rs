//! HTML character references in text that is not parsed as HTML (feed titles written with `&nbsp;`
//! or `&#8217;` after XML already unescaped them once; the search index's plain text): numeric
//! references and the named ones real feeds use. Unknown names stay as written. One pass.

use std::borrow::Cow;

/// The character a reference name stands for (`amp`, `#8217`, `#x2019`), if known.
pub fn entity_char(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "pound" => '£',
        "middot" => '·',
        "bull" => '•',
        "deg" => '°',
        "times" => '×',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "agrave" => 'à',
        "aacute" => 'á',
        "ccedil" => 'ç',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "auml" => 'ä',
        "szlig" => 'ß',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        n if n.starts_with("#x") || n.starts_with("#X") => {
            char::from_u32(u32::from_str_radix(n.get(2..)?, 16).ok()?)?
        }
        n if n.starts_with('#') => char::from_u32(n.get(1..)?.parse().ok()?)?,
        _ => return None,
    })
}

/// `s` with its known character references decoded (`&name;`, `&#N;`, `&#xH;`).
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        match end.and_then(|e| entity_char(&after[..e]).map(|c| (e, c))) {
            Some((e, c)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::decode_entities;

    #[test]
    fn known_references_decode_and_others_stay() {
        assert_eq!(
            decode_entities(
                "Rust&nbsp;2.0 &amp; more &#8211; it&#x2019;s &eacute;t&eacute; &bogus; & x"
            ),
            "Rust 2.0 & more – it’s été &bogus; & x"
        );
        assert!(matches!(
            decode_entities("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(decode_entities("&#1114112;&"), "&#1114112;&");
    }
}
