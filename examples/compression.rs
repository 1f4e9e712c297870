//! Which compression for pages rendered per request (signed-in pages; a visitor's pages are
//! compressed once, `web::response_cache`): CPU per page and per kilobyte saved, on real pages.
//!
//! Usage: `cargo run --release --example compression -- PAGE.html...` (scripts/bench saves the
//! pages it measures and runs this). Prints a Markdown table: for each method, the average
//! compressed size, the CPU time per page (best of five rounds of 200 compressions each), and
//! the CPU spent per kilobyte saved against gzip level 1, the cheapest.

use std::io::Write;
use std::time::Instant;

enum Method {
    Gzip(u32),
    Brotli(u32),
}

impl Method {
    fn name(&self) -> String {
        match self {
            Self::Gzip(l) => format!("gzip {l}"),
            Self::Brotli(q) => format!("brotli {q}"),
        }
    }

    fn compress(&self, page: &[u8]) -> usize {
        match self {
            Self::Gzip(level) => {
                let mut w = flate2::write::GzEncoder::new(
                    Vec::with_capacity(page.len()),
                    flate2::Compression::new(*level),
                );
                w.write_all(page).expect("in memory");
                w.finish().expect("in memory").len()
            }
            Self::Brotli(quality) => {
                let mut out = Vec::with_capacity(page.len());
                {
                    // The window tower-http's compression uses for brotli (async-compression).
                    let mut w = brotli::CompressorWriter::new(&mut out, 4096, *quality, 22);
                    w.write_all(page).expect("in memory");
                }
                out.len()
            }
        }
    }
}

fn main() {
    let pages: Vec<Vec<u8>> = std::env::args()
        .skip(1)
        .map(|p| std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .collect();
    assert!(!pages.is_empty(), "usage: compression PAGE.html...");
    let plain = pages.iter().map(Vec::len).sum::<usize>() as f64 / pages.len() as f64;
    let methods = [
        Method::Gzip(1),
        Method::Gzip(6),
        Method::Brotli(1),
        Method::Brotli(2),
        Method::Brotli(3),
        Method::Brotli(4),
        Method::Brotli(5),
    ];
    let mut rows = Vec::new();
    for m in &methods {
        let size = pages.iter().map(|p| m.compress(p)).sum::<usize>() as f64 / pages.len() as f64;
        let mut best = f64::MAX;
        for _ in 0..5 {
            let started = Instant::now();
            for _ in 0..200 {
                for p in &pages {
                    std::hint::black_box(m.compress(std::hint::black_box(p)));
                }
            }
            let per_page = started.elapsed().as_secs_f64() * 1e6 / (200 * pages.len()) as f64;
            best = best.min(per_page);
        }
        rows.push((m.name(), size, best));
    }
    let (_, base_size, base_us) = rows[0].clone();
    println!(
        "{} pages, {:.1} KB on average uncompressed.\n",
        pages.len(),
        plain / 1024.0
    );
    println!("| method | size | CPU per page | extra CPU per KB saved (vs gzip 1) |");
    println!("|---|---:|---:|---:|");
    for (name, size, us) in rows {
        let saved_kb = (base_size - size) / 1024.0;
        let per_kb = if saved_kb > 0.01 {
            format!("{:.0} µs", (us - base_us) / saved_kb)
        } else {
            "—".to_owned()
        };
        println!(
            "| {name} | {:.2} KB | {:.0} µs | {per_kb} |",
            size / 1024.0,
            us
        );
    }
}
