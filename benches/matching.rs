//! The lunch matching at 1,000 and 10,000 members over 5 locations, and 10,000 at one
//! location (everyone at one table each day): 7 days, 5 free windows each (11:00 to 13:30
//! starts, 45 minutes to 2 hours), 12 foods with 0 to 3 excluded each, 1% of pairs blocked.
//! Run: `cargo bench --features ssr --bench matching` (target: under 2 s at 10,000).
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hearth::lunches::matching::{propose, FoodId, FreeTime, Interval, MemberId, PairHistory, Person, Rules};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::Cell;
use std::collections::HashSet;
use std::time::Duration;

const FIRST_DAY: i32 = 20_000;
const DAYS: i32 = 7;
const WINDOWS: usize = 5;
const FOODS: [FoodId; 12] = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112];

/// Blocks the pairs in a set (1% of all pairs); `times_met` from a cheap hash (70% never
/// met, the others 1 to 3 times). Counts the calls: each costs about a microsecond in
/// production.
struct History {
    blocked: HashSet<(MemberId, MemberId)>,
    calls: Cell<u64>,
}

impl History {
    fn new(n: usize, rng: &mut StdRng) -> History {
        let pairs = n * (n - 1) / 2 / 100;
        let mut blocked = HashSet::with_capacity(pairs);
        while blocked.len() < pairs {
            let (a, b) = (rng.gen_range(0..n as MemberId), rng.gen_range(0..n as MemberId));
            if a != b {
                blocked.insert((a.min(b), a.max(b)));
            }
        }
        History { blocked, calls: Cell::new(0) }
    }
}

impl PairHistory for History {
    fn blocked(&self, a: MemberId, b: MemberId) -> bool {
        self.calls.set(self.calls.get() + 1);
        self.blocked.contains(&(a.min(b), a.max(b)))
    }

    fn times_met(&self, a: MemberId, b: MemberId) -> u32 {
        self.calls.set(self.calls.get() + 1);
        let h = ((a.min(b) as u64) << 32 ^ a.max(b) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        match h % 10 {
            0..=6 => 0,
            k => (k - 6) as u32,
        }
    }
}

fn people(n: usize, locations: i64, rng: &mut StdRng) -> Vec<Person> {
    (0..n)
        .map(|i| Person {
            id: i as MemberId,
            location: rng.gen_range(0..locations),
            cannot_eat: (0..rng.gen_range(0..=3)).map(|_| FOODS[rng.gen_range(0..FOODS.len())]).collect(),
            free: (0..WINDOWS)
                .map(|_| {
                    let day = FIRST_DAY + rng.gen_range(0..DAYS);
                    let start = i64::from(day) * 86_400 + 11 * 3_600 + rng.gen_range(0..=150) * 60;
                    let end = start + rng.gen_range(45..=120) * 60;
                    FreeTime { day, interval: Interval { start, end } }
                })
                .collect(),
        })
        .collect()
}

fn bench_matching(c: &mut Criterion) {
    let mut group = c.benchmark_group("lunch_matching");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for (name, n, locations) in [("5_locations", 1_000, 5), ("5_locations", 10_000, 5), ("1_location", 10_000, 1)] {
        let mut rng = StdRng::seed_from_u64(42);
        let everyone = people(n, locations, &mut rng);
        let history = History::new(n, &mut rng);
        let rules = Rules::default();
        let out = propose(&everyone, &FOODS, rules, &history, 7);
        let placed: usize = out.iter().map(|p| p.members.len()).sum();
        let seats: usize = everyone.iter().map(|p| p.free.iter().map(|f| f.day).collect::<HashSet<_>>().len()).sum();
        eprintln!(
            "{name}/{n}: {} lunches, {placed} of {seats} person-days placed, {} history calls",
            out.len(),
            history.calls.get()
        );
        group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
            b.iter(|| {
                let out = propose(&everyone, &FOODS, rules, &history, 7);
                // Nearly everyone can lunch with someone: most person-days are placed.
                let placed: usize = out.iter().map(|p| p.members.len()).sum();
                assert!(placed * 10 >= seats * 9, "{placed} of {seats}");
                assert!(out.iter().all(|p| (2..=3).contains(&p.members.len())));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_matching);
criterion_main!(benches);
