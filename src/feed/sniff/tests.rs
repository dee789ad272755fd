//! Tests of the encoding sniffing rules.
use super::*;
use encoding_rs::{UTF_8, UTF_16BE, UTF_16LE};

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// The declared label as text, for readable assertions.
fn label(bytes: &[u8], at: DeclarationAt) -> Option<&str> {
    declared_encoding(bytes, at).map(|span| std::str::from_utf8(&bytes[span]).unwrap())
}

#[test]
fn byte_order_marks() {
    assert_eq!(bom(b"\xEF\xBB\xBF<rss/>"), Some((UTF_8, 3)));
    assert_eq!(bom(b"\xFF\xFE<\0"), Some((UTF_16LE, 2)));
    assert_eq!(bom(b"\xFE\xFF\0<"), Some((UTF_16BE, 2)));
    assert_eq!(bom(b"<rss/>"), None);
    assert_eq!(bom(b""), None);

    assert!(has_utf32_bom(b"\xFF\xFE\0\0<\0\0\0"));
    assert!(has_utf32_bom(b"\0\0\xFE\xFF\0\0\0<"));
    assert!(!has_utf32_bom(b"\xFF\xFE<\0"));
    // The UTF-32LE mark begins with the UTF-16LE one: `bom` alone cannot tell them apart.
    assert_eq!(bom(b"\xFF\xFE\0\0"), Some((UTF_16LE, 2)));
}

#[test]
fn utf16_without_a_byte_order_mark() {
    let le = utf16("<?xml version=\"1.0\"?><opml/>", false);
    let be = utf16("<?xml version=\"1.0\"?><opml/>", true);
    assert_eq!(utf16_starting_with(&le, b"<?"), Some(UTF_16LE));
    assert_eq!(utf16_starting_with(&be, b"<?"), Some(UTF_16BE));
    assert_eq!(utf16_starting_with_markup(&le), Some(UTF_16LE));
    assert_eq!(utf16_starting_with_markup(&be), Some(UTF_16BE));

    // Markup may start with whitespace; `<?` must be there for the stricter rule.
    let spaced = utf16("\n <rss/>", false);
    assert_eq!(utf16_starting_with_markup(&spaced), Some(UTF_16LE));
    assert_eq!(utf16_starting_with(&spaced, b"<?"), None);
    let root = utf16("<rss/>", true);
    assert_eq!(utf16_starting_with_markup(&root), Some(UTF_16BE));
    assert_eq!(utf16_starting_with(&root, b"<?"), None);

    // 8-bit text, zero bytes that are not UTF-16 markup, and too-short input are not UTF-16.
    assert_eq!(utf16_starting_with_markup(b"<?xml version=\"1.0\"?>"), None);
    assert_eq!(utf16_starting_with(b"<?xml", b"<?"), None);
    assert_eq!(utf16_starting_with_markup(b"\0\0\0\0"), None);
    assert_eq!(utf16_starting_with_markup(b"a\0b\0"), None);
    assert_eq!(utf16_starting_with(b"<\0?", b"<?"), None);
    assert_eq!(utf16_starting_with_markup(b"<"), None);
    assert_eq!(utf16_starting_with_markup(b""), None);
}

#[test]
fn declaration_in_double_or_single_quotes() {
    let double = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss/>";
    assert_eq!(label(double, DeclarationAt::Start), Some("ISO-8859-1"));
    assert_eq!(
        declared_encoding(double, DeclarationAt::Start),
        Some(30..40)
    );
    let single = b"<?xml version='1.0' encoding='koi8-r'?><rss/>";
    assert_eq!(label(single, DeclarationAt::Start), Some("koi8-r"));
    let spaced = b"<?xml version='1.0' encoding \t=\r\n 'windows-1251' ?>";
    assert_eq!(label(spaced, DeclarationAt::Start), Some("windows-1251"));
    // A quote of the other kind is part of the value; the value is returned as written.
    let mixed = b"<?xml encoding=\"it's \"?>";
    assert_eq!(label(mixed, DeclarationAt::Start), Some("it's "));
    let empty = b"<?xml version=\"1.0\" encoding=\"\"?>";
    assert_eq!(label(empty, DeclarationAt::Start), Some(""));
}

#[test]
fn bogus_declarations_name_no_encoding() {
    for bogus in [
        &b"<?xml version=\"1.0\"?><rss/>"[..],
        b"<?xml version=\"1.0\" encoding=\"utf-8\"",
        b"<?xml version=\"1.0\" encoding=utf-8?>",
        b"<?xml version=\"1.0\" encoding \"utf-8\"?>",
        b"<?xml version=\"1.0\" encoding=\"utf-8?>",
        b"<?xml version=\"1.0\"?><rss encoding=\"utf-8\"/>",
        b"<?xml version=\"1.0\" encoding=",
        b"<?xml",
        b"",
        b"<rss encoding=\"utf-8\"/>",
    ] {
        let shown = String::from_utf8_lossy(bogus);
        assert_eq!(
            declared_encoding(bogus, DeclarationAt::Start),
            None,
            "{shown}"
        );
        assert_eq!(
            declared_encoding(bogus, DeclarationAt::NearStart),
            None,
            "{shown}"
        );
    }
}

#[test]
fn where_the_declaration_may_be() {
    let late = b"\n  <?xml version=\"1.0\" encoding=\"latin1\"?><opml/>";
    assert_eq!(label(late, DeclarationAt::Start), None);
    assert_eq!(label(late, DeclarationAt::NearStart), Some("latin1"));
    assert_eq!(
        declared_encoding(late, DeclarationAt::NearStart),
        Some(33..39)
    );

    // The declaration must end within the scanned head: `?>` as its last two bytes fits.
    for at in [DeclarationAt::Start, DeclarationAt::NearStart] {
        let declaration = |len: usize| {
            let open = "<?xml encoding=\"latin1\"";
            format!("{open:<width$}?><rss/>", width = len - 2)
        };
        let fits = declaration(at.limit());
        assert_eq!(label(fits.as_bytes(), at), Some("latin1"), "{at:?}");
        let too_long = declaration(at.limit() + 1);
        assert_eq!(label(too_long.as_bytes(), at), None, "{at:?}");
    }
    let padded = format!("{}<?xml encoding=\"latin1\"?>", " ".repeat(1000));
    assert_eq!(label(padded.as_bytes(), DeclarationAt::NearStart), None);
}

#[test]
fn charset_parameter_of_content_type() {
    let charset = charset_from_content_type;
    assert_eq!(charset("text/html; charset=utf-8"), Some("utf-8"));
    assert_eq!(charset("text/html;CHARSET=UTF-8"), Some("UTF-8"));
    assert_eq!(
        charset("text/xml; Charset = \"Windows-1251\" "),
        Some("Windows-1251")
    );
    assert_eq!(charset("text/xml; charset='koi8-r'; q=1"), Some("koi8-r"));
    assert_eq!(
        charset("text/xml; foo=bar; charset=\" latin1 \""),
        Some("latin1")
    );
    // The first non-empty one counts; the media type itself is never a parameter.
    assert_eq!(charset("text/xml; charset=; charset=utf-8"), Some("utf-8"));
    assert_eq!(charset("charset=utf-8"), None);
    assert_eq!(charset("text/xml; charset=\"\""), None);
    assert_eq!(charset("text/xml; charset"), None);
    assert_eq!(charset("text/xml; mycharset=utf-8"), None);
    assert_eq!(charset(""), None);
}

#[test]
fn meta_charset_of_html_pages() {
    let page = |head: &str| format!("<html><head>{head}</head><body>x</body></html>");
    let named = |head: &str| meta_charset(page(head).as_bytes());
    assert_eq!(
        named("<meta charset=\"ISO-8859-1\">").as_deref(),
        Some("iso-8859-1")
    );
    assert_eq!(
        named("<meta charset='shift_jis'>").as_deref(),
        Some("shift_jis")
    );
    assert_eq!(named("<meta charset=koi8-r>").as_deref(), Some("koi8-r"));
    let http_equiv =
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">";
    assert_eq!(named(http_equiv).as_deref(), Some("windows-1251"));
    assert_eq!(named("<meta name=x>"), None);
    // Only the head of the page is read.
    let late = format!("{}<meta charset=\"latin1\">", " ".repeat(META_SCAN));
    assert_eq!(meta_charset(late.as_bytes()), None);
    // A label that runs to the end of what was read is not trusted.
    assert_eq!(meta_charset(b"<meta charset=utf-8"), None);
}
