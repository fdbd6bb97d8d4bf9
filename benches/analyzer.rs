//! Microbenchmarks of the analyzer and the query path, so a regression is
//! visible in review: `cargo bench --bench analyzer`. Each line is the mean
//! time per iteration over a fixed time budget (std only, so CI builds this
//! without pulling in a benchmark framework).
#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use dossier::analysis::{Segmenter, for_each_gram, name_pinyin};
use dossier::fold::fold;
use dossier::vocab::{Vocabulary, alias_key};

/// A note as reps write them: mixed Chinese, a competitor, some English.
const NOTE: &str = "上午拜访山东省通信管理局王局，对方目前用IBM的计费系统，对售后服务不满意。\
    王局提到明年预算会增加，希望我们在12月1日前提交方案。他下周去北京部里开会，\
    顺便约了联想和惠普的人。We agreed to send a proposal for the billing system upgrade by Friday. \
    會後他說對話劇很感興趣，週末常去國家大劇院。";

fn bench(name: &str, mut f: impl FnMut()) {
    // Warm up, then run for a fixed budget.
    for _ in 0..3 {
        f();
    }
    let budget = Duration::from_millis(300);
    let started = Instant::now();
    let mut iterations = 0u32;
    while started.elapsed() < budget || iterations < 5 {
        f();
        iterations += 1;
    }
    let per = started.elapsed() / iterations;
    println!(
        "{name:<44} {:>12.3} µs/iter ({iterations} iterations)",
        per.as_secs_f64() * 1e6
    );
}

fn main() {
    let folded = fold(NOTE);
    bench("fold (note, 230 chars)", || {
        black_box(fold(black_box(NOTE)));
    });
    bench("grams (note)", || {
        let mut count = 0;
        for_each_gram(black_box(NOTE), &mut |_, _, _, _| count += 1);
        black_box(count);
    });
    bench("alias_key (Latin name)", || {
        black_box(alias_key(black_box("Hewlett Packard Enterprise")));
    });
    bench("alias_key (Han name)", || {
        black_box(alias_key(black_box("國家大劇院")));
    });
    bench("name_pinyin (曾志强)", || {
        black_box(name_pinyin(black_box("曾志强")));
    });
    bench("vocabulary: fingerprint only", || {
        black_box(Vocabulary::builtin().fingerprint);
    });
    bench("vocabulary: interests table", || {
        black_box(Vocabulary::builtin().interests().groups.len());
    });
    bench("vocabulary: places table", || {
        black_box(Vocabulary::builtin().places().groups.len());
    });
    bench("vocabulary: competitors table", || {
        black_box(Vocabulary::builtin().competitors().groups.len());
    });
    let vocabulary = Vocabulary::builtin();
    bench("resolve likes:话剧 (table built)", || {
        black_box(vocabulary.interests().resolve(black_box("话剧")).len());
    });
    let started = Instant::now();
    let segmenter = Segmenter::new(vocabulary.custom_words());
    println!(
        "{:<44} {:>12.3} ms (once per indexing process)",
        "segmenter: load jieba + custom words",
        started.elapsed().as_secs_f64() * 1e3
    );
    bench("segment note (jieba cut)", || {
        black_box(segmenter.words(black_box(&folded)).len());
    });
    let words = segmenter.words(&folded);
    bench("search terms of note", || {
        let mut out = String::new();
        segmenter.append_search_terms(black_box(&words), &mut out);
        black_box(out.len());
    });
    bench("find competitors in note", || {
        black_box(vocabulary.competitors().find_in(black_box(NOTE)).len());
    });
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    bench("parse query", || {
        black_box(
            dossier::query::parse(
                black_box("likes:话剧 travel:北京 when:next-week \"计费 系统\""),
                today,
            )
            .ok(),
        );
    });
    bench("ask: understand 刘芳的客户里谁喜欢话剧", || {
        black_box(dossier::ask::understand(black_box("刘芳的客户里谁喜欢话剧"), today).ok());
    });
}
