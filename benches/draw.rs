//! The Secret Santa draw at 1,000, 10,000 and 200,000 members with 3 exclusions each.
//! Run: `cargo bench --features ssr --bench draw` (target: under 1 s at 200,000).
#![allow(clippy::expect_used)] // a benchmark that cannot draw should stop loudly
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hearth::santa::draw::{draw, Rules};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

fn rules(n: usize, seed: u64) -> Rules {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut rules = Rules::new();
    for g in 0..n {
        for _ in 0..3 {
            rules.forbid(g, rng.gen_range(0..n));
        }
    }
    rules
}

fn bench_draw(c: &mut Criterion) {
    let mut group = c.benchmark_group("santa_draw");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for n in [1_000usize, 10_000, 200_000] {
        let r = rules(n, 42);
        let mut rng = StdRng::seed_from_u64(7);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let a = draw(n, &r, &mut rng).expect("a draw exists");
                assert_eq!(a.cycles(), 1);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_draw);
criterion_main!(benches);
