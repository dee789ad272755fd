use std::time::Instant;
use tidings::feed::parse::parse_feed;

fn t(name: &str, doc: &[u8]) {
    let start = Instant::now();
    let r = parse_feed(doc, 2_000_000_000);
    let s = match &r {
        Ok(c) => format!(
            "OK title={:?} items={:?}",
            c.title,
            c.items
                .iter()
                .map(|i| (&i.guid, &i.title, i.content.as_ref().map(|c| c.len())))
                .collect::<Vec<_>>()
        ),
        Err(e) => format!("ERR {e}"),
    };
    let s: String = s.chars().take(400).collect();
    eprintln!("{name}: {:?} {s}", start.elapsed());
}

#[test]
fn scratch() {
    t("charref27", b"<rss version=\"2.0\"><channel><title>a&#27;[31mb&#x9b;c</title><item><title>x\x1b[2Jy</title></item></channel></rss>");
    t(
        "noversion",
        b"<rss><channel><title>nv</title><item><title>x</title></item></channel></rss>",
    );
    t("xxe", b"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><rss version=\"2.0\"><channel><title>&xxe;</title><item><title>a&xxe;b</title><description>&xxe;</description></item></channel></rss>");
    let mut bomb = String::from("<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        bomb.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!(
                "&lol{};",
                if i == 1 {
                    String::new()
                } else {
                    (i - 1).to_string()
                }
            )
            .repeat(10)
        ));
    }
    bomb.push_str("]><rss version=\"2.0\"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>");
    t("bomb", bomb.as_bytes());
    let mut attrs = String::from("<rss version=\"2.0\"><channel><title>t</title><item ");
    for i in 0..100_000 {
        attrs.push_str(&format!("a{i}=\"v\" "));
    }
    attrs.push_str("><title>x</title></item></channel></rss>");
    t("attrs", attrs.as_bytes());
    let mut ns = String::from("<rss version=\"2.0\" ");
    for i in 0..1000 {
        ns.push_str(&format!("xmlns:n{i}=\"urn:x:{i}\" "));
    }
    ns.push_str("><channel><title>t</title>");
    for i in 0..1000 {
        ns.push_str(&format!(
            "<item><title>x{i}</title><n{i}:foo>z</n{i}:foo></item>"
        ));
    }
    ns.push_str("</channel></rss>");
    t("xmlns", ns.as_bytes());
    for n in [4000usize, 8000, 9000, 20000] {
        let doc = format!(
            "<rss version=\"2.0\" foo=\"{}\"><channel><title>t</title><item><title>x</title></item></channel></rss>",
            "x".repeat(n)
        );
        t(&format!("longattr{n}"), doc.as_bytes());
        let doc = format!(
            "<rss version=\"2.0\"><channel><title>t{}</title><item><title>x</title></item></channel></rss>",
            "x".repeat(n)
        );
        t(&format!("longtitle{n}"), doc.as_bytes());
        let doc = format!(
            "<rss version=\"2.0\"><channel><title>t</title><item><title>x</title><foo bar=\"{}\"/></item></channel></rss>",
            "x".repeat(n)
        );
        t(&format!("longinner{n}"), doc.as_bytes());
    }
    for n in [1usize, 10, 100, 300, 400, 500] {
        let mut ns = String::from("<rss version=\"2.0\" ");
        for i in 0..n {
            ns.push_str(&format!("xmlns:n{i}=\"urn:x:{i}\" "));
        }
        ns.push_str("><channel><title>t</title><item><title>x</title></item></channel></rss>");
        t(&format!("xmlns{n}"), ns.as_bytes());
    }
}
