//! HTML character references in text that is not parsed as HTML: OPML attribute values, feed titles
//! written with `&nbsp;` or `&#8217;` after XML already unescaped them once, the search index's plain
//! text. Numeric references and the named ones real files use; unknown names stay as written, and
//! nothing is ever expanded from a DTD. One pass.

use std::borrow::Cow;

/// Replaces the XML predefined entities, character references and the common HTML entities in
/// text (an OPML attribute value, a feed title). Anything else (unknown entities such as `&lol9;`, a bare `&`) is kept as
/// written: nothing is ever expanded from a DTD.
pub fn decode_entities(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // `;` is ASCII, so its byte index is a char boundary.
        let semi = after.bytes().take(33).position(|b| b == b';');
        match semi.and_then(|end| entity_char(&after[..end]).map(|c| (c, end))) {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
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

/// The character an entity or character reference (`amp`, `#233`, `#xE9`) stands for.
pub fn entity_char(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let (digits, radix) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (number, 10),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        return u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
            .filter(|&c| c != '\0');
    }
    // HTML's Latin-1 entities (U+00A0..=U+00FF, in order), which real exports contain although
    // XML does not define them.
    if let Some(index) = LATIN1_ENTITIES.iter().position(|&entity| entity == name) {
        return u32::try_from(index)
            .ok()
            .and_then(|i| char::from_u32(0xA0 + i));
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "bull" => '•',
        "trade" => '™',
        "euro" => '€',
        "OElig" => 'Œ',
        "oelig" => 'œ',
        "Scaron" => 'Š',
        "scaron" => 'š',
        "Yuml" => 'Ÿ',
        _ => return None,
    })
}

/// HTML entity names for U+00A0..=U+00FF, in code point order.
const LATIN1_ENTITIES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

#[cfg(test)]
mod tests {
    use super::decode_entities;

    #[test]
    fn known_references_decode_and_others_stay() {
        assert_eq!(
            decode_entities(
                "Rust 2.0 &amp; more &#8211; it&#x2019;s &eacute;t&eacute; &bogus; & x"
            ),
            "Rust 2.0 & more – it’s été &bogus; & x"
        );
        assert_eq!(decode_entities("a&nbsp;b"), "a\u{a0}b");
        assert!(matches!(
            decode_entities("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
