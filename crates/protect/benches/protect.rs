//! Per-value cost of the operators the CLI calls per cell, and file encryption
//! throughput. Figures go to docs/BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shuan_protect::{
    Algorithm, CryptoProvider, Operator, SecretKey, SoftwareProvider, encrypt_with,
};

const VALUES: &[(&str, &str)] = &[
    ("cn_mobile", "13800138000"),
    ("cn_resident_id", "11010519491231002X"),
    ("bank_card", "6222021234567890128"),
    ("person_name", "欧阳娜娜"),
    ("email", "zhangsan@example.com"),
    ("address", "广东省深圳市南山区科技园南区1栋"),
];

fn provider(algorithm: Algorithm) -> SoftwareProvider {
    SoftwareProvider::new(
        algorithm,
        &SecretKey::from_bytes(&vec![7; algorithm.key_len()]),
    )
    .expect("key length matches")
}

fn per_value(criterion: &mut Criterion) {
    let crypto = provider(Algorithm::Sm4);
    let partial_mask = Operator::PartialMask {
        keep_start: None,
        keep_end: None,
        mask_char: '*',
    };
    let mut group = criterion.benchmark_group("partial_mask");
    group.throughput(Throughput::Elements(1));
    for (entity, value) in VALUES {
        group.bench_function(*entity, |bench| {
            bench.iter(|| partial_mask.apply(&crypto, black_box(value), Some(entity)))
        });
    }
    group.finish();

    let fpe = Operator::Fpe { alphabet: None };
    for algorithm in [Algorithm::Sm4, Algorithm::Aes128] {
        let crypto = provider(algorithm);
        let mut group = criterion.benchmark_group(format!("fpe_{}", algorithm.name()));
        group.throughput(Throughput::Elements(1));
        for (entity, value) in &VALUES[..3] {
            group.bench_function(*entity, |bench| {
                bench.iter(|| fpe.apply(&crypto, black_box(value), Some(entity)))
            });
        }
        group.finish();
    }

    let keyed_hash = Operator::KeyedHash { length: Some(16) };
    criterion.bench_function("keyed_hash/cn_mobile", |bench| {
        bench.iter(|| keyed_hash.apply(&crypto, black_box("13800138000"), None))
    });
}

fn file_encryption(criterion: &mut Criterion) {
    let plaintext = vec![0x42u8; 4 * 1024 * 1024];
    let mut group = criterion.benchmark_group("encrypt_stream_4MiB");
    group.throughput(Throughput::Bytes(plaintext.len() as u64));
    group.sample_size(10);
    for algorithm in [Algorithm::Sm4, Algorithm::Aes128] {
        let crypto: Box<dyn CryptoProvider> = Box::new(provider(algorithm));
        group.bench_function(algorithm.name(), |bench| {
            bench.iter(|| {
                let mut encrypted = Vec::with_capacity(plaintext.len() + 4096);
                encrypt_with(
                    &plaintext[..],
                    &mut encrypted,
                    crypto.as_ref(),
                    "bench",
                    64 * 1024,
                )
                .expect("encrypts into memory");
                encrypted
            })
        });
    }
    group.finish();
}

fn short_runs() -> Criterion {
    // The bench machine is shared: short, repeatable runs over long precise ones.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = short_runs();
    targets = per_value, file_encryption
}
criterion_main!(benches);
