//! Vocabulary names in free text count only as words of their sentence and
//! in their sense: 张建华为我们介绍 is no 华为, 用友善的方式 no 用友, and
//! 甲骨文 next to 书法 no Oracle; 华为的方案 is 华为.

use crate::{code, describe, dossier, ids, search_ids, write_file};

#[test]
fn false_friends_across_a_word_boundary_or_in_another_sense_do_not_count() {
    let dir = tempfile::Builder::new()
        .prefix("dossier-test-")
        .tempdir()
        .expect("creating a temporary directory");
    for (id, note) in [
        ("f1", "张建华为我们介绍了新的计费方案"),
        ("f2", "希望用友善的方式沟通续约"),
        ("f3", "华为的方案报价偏高"),
        ("f4", "周末一起去看了甲骨文书法展"),
        ("f5", "甲骨文的数据库明年到期"),
    ] {
        write_file(
            dir.path(),
            &format!("customers/{id}.json"),
            &format!(r#"{{"id": "{id}", "name": "客户{id}"}}"#),
        );
        write_file(
            dir.path(),
            &format!("meetings/m-{id}.json"),
            &format!(
                r#"{{"id": "m-{id}", "customer": "{id}", "date": "2026-11-10", "text": "{note}"}}"#
            ),
        );
    }
    let output = dossier(dir.path(), &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert_eq!(search_ids(dir.path(), "mentions:华为"), ids(&["f3"]));
    assert_eq!(search_ids(dir.path(), "mentions:用友"), ids(&[]));
    assert_eq!(search_ids(dir.path(), "mentions:Oracle"), ids(&["f5"]));
}
