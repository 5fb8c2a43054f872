//! Aggregation of a DSMM campaign: 500 operators × 30 process areas into the heatmap.

use criterion::{Criterion, criterion_group, criterion_main};
use shuan_assess::bundled::BUNDLED;
use shuan_assess::{Answer, AnswerSheet, Library, aggregate};

fn heatmap_of_500_operators(c: &mut Criterion) {
    let framework = Library::parse(BUNDLED[0].1).unwrap().framework;
    let areas: Vec<String> = framework
        .assessable()
        .map(|i| framework.nodes[i].urn.clone())
        .collect();
    let sheets: Vec<AnswerSheet> = (0..500)
        .map(|operator| {
            let mut sheet = AnswerSheet::new(&framework);
            for (area, urn) in areas.iter().enumerate() {
                let level = 1 + ((operator * 7 + area * 3) % 5) as u8;
                sheet.set(&framework, urn, Answer::Level(level)).unwrap();
            }
            sheet
        })
        .collect();
    c.bench_function("aggregate 500 operators x 30 process areas", |b| {
        b.iter(|| aggregate(&framework, std::hint::black_box(&sheets)))
    });
}

criterion_group!(benches, heatmap_of_500_operators);
criterion_main!(benches);
