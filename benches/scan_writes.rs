//! The scan writer's commit: a group of scan events inserted in one SQLite
//! transaction, per event, for groups of 1 (no group commit), 8 and 32.
//! Run with `cargo bench --bench scan_writes`; the ratios are in
//! docs/PERFORMANCE.md.

// A benchmark that cannot set up fails at once, like a test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use diesel::Connection;
use ocop_trace::db::scans::{NewScanEvent, ScanFlush, ScanKind, insert_many};
use ocop_trace::db::{Db, DbConnection};
use ocop_trace::domain::code::TraceCode;
use ocop_trace::domain::scan::{Lang, client_hash, daily_salt};

fn event(code: TraceCode) -> NewScanEvent {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    NewScanEvent {
        code,
        kind: ScanKind::View,
        scanned_at: ocop_trace::db::now(),
        lang: Lang::Vi,
        ua_family: "chrome",
        client_hash: Some(client_hash(
            &daily_salt("bench", day),
            std::net::Ipv4Addr::new(203, 113, 1, 7).into(),
        )),
        latitude: None,
        longitude: None,
    }
}

fn group_commit(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("ocop-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = Db::connect(&format!("sqlite://{}/bench.sqlite", dir.display()), 2).expect("db");
    db.migrate().expect("migrations");
    let mut pooled = db.get().expect("connection");
    let conn: &mut DbConnection = &mut pooled;
    let codes: Vec<TraceCode> = (0..10_000).map(|_| TraceCode::random()).collect();
    let mut group = c.benchmark_group("scan_writer/commit");
    for size in [1usize, 8, 32] {
        group.throughput(Throughput::Elements(size as u64));
        group.bench_function(format!("group_of_{size}"), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for i in 0..iters {
                    let events: Vec<NewScanEvent> = (0..size)
                        .map(|k| event(codes[(i as usize * size + k) % codes.len()]))
                        .collect();
                    let start = Instant::now();
                    conn.transaction(|c| insert_many(c, &events, ScanFlush::Wait).map(|_| ()))
                        .expect("insert");
                    spent += start.elapsed();
                }
                spent
            });
        });
    }
    group.finish();
    drop(pooled);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, group_commit);
criterion_main!(benches);
