//! Deterministic benchmark corpus generator for `dossier`.
//!
//! Writes a synthetic knowledge base in the format of `shared/contract.md`: customer
//! dossiers, meeting notes and visit reports of a Chinese enterprise sales team, big
//! enough to measure indexing and search on realistic data. With the defaults it writes
//! 300 000 files holding about 740 MB, in about 20 seconds on two cores:
//!
//! ```text
//! cargo run --release --example gen_corpus -- --out /tmp/corpus
//! gen_corpus --out DIR [--customers N] [--notes M] [--seed S] [--today YYYY-MM-DD] [--force] [--team]
//! ```
//!
//! `--team` also writes `DIR/dossier-team.toml`: `private_fields = ["birthday",
//! "contacts"]`, one `rep` per sales rep (named as Chinese records write them; the
//! English-script records of the same rep spell them in pinyin and are not theirs), a
//! `manager` of the first five reps and an `admin`. Each person's token is
//! `bench-NAME`, for `benches/search.rs`'s `DOSSIER_BENCH_AS=NAME` (a rep's view).
//!
//! Defaults: 100 000 customers, 200 000 notes, seed 42, today 2026-11-23.
//!
//! Layout (no folder holds more than 1000 entries):
//! `DIR/customers/042/c042123.json`, `DIR/meetings/0042/m0042123.json`,
//! `DIR/visits/0042/v0042124.json`. Meetings and visits share one numbering, so every
//! note id is unique and note `i` lives in shard `i / 1000` of its folder. Every record
//! carries `id` and `kind`, so nothing depends on how a reader treats shard folders.
//!
//! Distributions:
//! - script: 80 % simplified Chinese, 10 % traditional (Hong Kong, Macau and Taiwan
//!   customers, converted as a whole: 話劇 聯想 售後服務 臺北 計費系統), 10 % English.
//!   A note follows its customer's script 90 % of the time, else it is simplified.
//! - customers: 70 % persons, 30 % companies. Surnames weighted by real frequency
//!   (王 李 张 刘 陈 … down to 曾 单 区 欧阳), 60 % two-character given names; English
//!   records mix pinyin, English first names and western names. Organisations: region +
//!   字号 + industry + legal suffix (深圳华信科技股份有限公司, 上海浦东物流有限公司),
//!   provincial bureaus (山东省通信管理局), bank branches, hospitals, universities.
//!   40 sales reps own the accounts with uneven weights. 1–4 of 64 interests (15 % as
//!   `{"name", "note"}` objects; synonyms such as 话剧 / 戏剧 / theater used as written).
//!   0–3 trips (40 / 30 / 20 / 10 %) starting in the 120 days after `--today`, to 84
//!   cities in mixed spellings (北京 / 北京市 / Beijing). 0–3 of 38 competitors in mixed
//!   scripts (IBM 联想 Lenovo 惠普 HP …), half as objects with product and satisfaction.
//!   Optional fields go missing now and then, as in a real CRM export.
//! - notes: 60 % meetings, 40 % visits, dated in the 365 days before `--today`, linked
//!   to customers with skewed popularity (the busiest 10 % of customers get a third of
//!   the notes, the busiest 1 % about 6 %; 10 % of notes link two customers), written
//!   by the account owner 80 % of the time. Text: 200–1500 characters (mean ≈ 1140) of
//!   sentence templates filled from Zipf-distributed vocabularies (weight 1 / (rank + 2))
//!   of ~3000 Chinese and ~1600 English business terms. 15 % of notes mention a
//!   competitor, 20 % of Chinese notes carry English sentences, 3 % a traditional one.
//!
//! Same arguments, same bytes: each record draws from its own SplitMix64 stream keyed
//! by (seed, stream, index), so output does not depend on threads or scheduling. The
//! vocabulary ranking is fixed and does not change with `--seed`. `DIR` must be empty
//! or missing; `--force` first deletes its `customers/`, `meetings/` and `visits/`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool prints its usage and summary"
)]

use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;
use std::{env, fs, thread};

const USAGE: &str = "\
usage: gen_corpus --out DIR [--customers N] [--notes M] [--seed S] [--today YYYY-MM-DD] [--force]

Writes a deterministic synthetic dossier knowledge base into DIR.
  --out DIR        output folder; must be empty unless --force
  --customers N    customer records (default 100000)
  --notes M        meeting notes and visit reports together (default 200000)
  --seed S         random seed (default 42)
  --today DATE     reference date for trips, notes and birthdays (default 2026-11-23)
  --force          delete DIR/customers, DIR/meetings and DIR/visits first
  --team           also write DIR/dossier-team.toml (a rep per sales rep, tokens bench-NAME)
";

/// Records handed to one worker at a time: large enough to keep the shared counter
/// cold, small enough that both workers finish at about the same moment.
const CHUNK: u64 = 256;
/// Files per shard folder.
const SHARD: u64 = 1000;
/// Hard bounds on note text length, in characters.
const TEXT_MIN: usize = 200;
const TEXT_MAX: usize = 1500;

fn main() -> ExitCode {
    let config = match parse_args(env::args().skip(1)) {
        Ok(Some(config)) => config,
        Ok(None) => {
            eprint!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("gen_corpus: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_corpus: {message}");
            ExitCode::from(2)
        }
    }
}

// ---------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------

struct Config {
    out: PathBuf,
    customers: u64,
    notes: u64,
    seed: u64,
    today: Day,
    force: bool,
    team: bool,
}

/// Parses the arguments; `Ok(None)` means help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Config>, String> {
    let mut out = None;
    let mut config = Config {
        out: PathBuf::new(),
        customers: 100_000,
        notes: 200_000,
        seed: 42,
        today: Day::from_ymd(2026, 11, 23),
        force: false,
        team: false,
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value_of(&mut args, &flag)?)),
            "--customers" => config.customers = number(&value_of(&mut args, &flag)?, &flag)?,
            "--notes" => config.notes = number(&value_of(&mut args, &flag)?, &flag)?,
            "--seed" => config.seed = number(&value_of(&mut args, &flag)?, &flag)?,
            "--today" => {
                let text = value_of(&mut args, &flag)?;
                config.today = Day::parse(&text)
                    .ok_or(format!("--today `{text}` is not a date — use YYYY-MM-DD"))?;
            }
            "--force" => config.force = true,
            "--team" => config.team = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument `{other}` — see --help")),
        }
    }
    config.out = out.ok_or("--out DIR is required — see --help")?;
    if config.customers == 0 && config.notes > 0 {
        return Err("notes need customers to link to — use --customers 1 or more".into());
    }
    Ok(Some(config))
}

fn value_of(args: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
    args.next()
        .ok_or(format!("{flag} needs a value — see --help"))
}

fn number(text: &str, flag: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{flag} `{text}` is not a whole number"))
}

// ---------------------------------------------------------------------------------
// Driver: folders, workers, summary
// ---------------------------------------------------------------------------------

fn run(config: &Config) -> Result<(), String> {
    prepare_out_dir(&config.out, config.force)?;
    create_shard_dirs(config)?;
    let started = Instant::now();
    let generator = Generator::new(config);
    let totals = write_everything(&generator, &config.out)?;
    if config.team {
        write_team_file(&generator.tables, &config.out)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "gen_corpus: {} files ({} customers, {} meetings, {} visits), {:.1} MB in {:.1} s → {}",
        totals.files(),
        totals.customers,
        totals.meetings,
        totals.visits,
        totals.bytes as f64 / 1e6,
        seconds,
        config.out.display()
    );
    Ok(())
}

/// Writes `DIR/dossier-team.toml` (see `--team`): tokens are `bench-NAME`, kept
/// as their SHA-256 as `dossier team add` would print them.
fn write_team_file(tables: &Tables, out: &Path) -> Result<(), String> {
    use sha2::{Digest, Sha256};
    let hash = |name: &str| -> String {
        Sha256::digest(format!("bench-{name}").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let mut text = String::from(
        "# Written by gen_corpus --team; each token is bench-NAME.\nprivate_fields = [\"birthday\", \"contacts\"]\n",
    );
    for &(zh, _) in &tables.reps {
        let _ = write!(
            text,
            "\n[[user]]\nname = \"{zh}\"\nrole = \"rep\"\ntoken_sha256 = \"{}\"\n",
            hash(zh)
        );
    }
    let team: Vec<String> = tables
        .reps
        .iter()
        .take(5)
        .map(|(zh, _)| format!("\"{zh}\""))
        .collect();
    let _ = write!(
        text,
        "\n[[user]]\nname = \"销售总监\"\nrole = \"manager\"\nteam = [{}]\ntoken_sha256 = \"{}\"\n",
        team.join(", "),
        hash("销售总监")
    );
    let _ = write!(
        text,
        "\n[[user]]\nname = \"admin\"\nrole = \"admin\"\ntoken_sha256 = \"{}\"\n",
        hash("admin")
    );
    let path = out.join("dossier-team.toml");
    fs::write(&path, text).map_err(|error| format!("{}: {error}", path.display()))
}

/// Refuses a non-empty folder so a typo cannot mix two corpora or bury real data;
/// with `--force` it removes only the folders this tool writes.
fn prepare_out_dir(out: &Path, force: bool) -> Result<(), String> {
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(format!("{}: {error}", out.display())),
    };
    if entries.count() == 0 {
        return Ok(());
    }
    if !force {
        return Err(format!(
            "{} is not empty — choose an empty folder or add --force",
            out.display()
        ));
    }
    for folder in ["customers", "meetings", "visits"] {
        let path = out.join(folder);
        if path.exists() {
            fs::remove_dir_all(&path).map_err(|error| format!("{}: {error}", path.display()))?;
        }
    }
    Ok(())
}

/// Creates every shard folder up front, so workers only ever create files.
fn create_shard_dirs(config: &Config) -> Result<(), String> {
    let mut folders = Vec::new();
    for shard in 0..config.customers.div_ceil(SHARD) {
        folders.push(config.out.join(format!("customers/{shard:03}")));
    }
    for shard in 0..config.notes.div_ceil(SHARD) {
        folders.push(config.out.join(format!("meetings/{shard:04}")));
        folders.push(config.out.join(format!("visits/{shard:04}")));
    }
    if folders.is_empty() {
        folders.push(config.out.clone());
    }
    for folder in folders {
        fs::create_dir_all(&folder).map_err(|error| format!("{}: {error}", folder.display()))?;
    }
    Ok(())
}

#[derive(Default)]
struct Totals {
    customers: u64,
    meetings: u64,
    visits: u64,
    bytes: u64,
}

impl Totals {
    fn files(&self) -> u64 {
        self.customers + self.meetings + self.visits
    }

    fn add(mut self, other: Totals) -> Totals {
        self.customers += other.customers;
        self.meetings += other.meetings;
        self.visits += other.visits;
        self.bytes += other.bytes;
        self
    }
}

/// Runs one worker per core over a shared job counter. Jobs `0..customers` are
/// customers, the rest notes; a record depends only on its index, never on the worker.
fn write_everything(generator: &Generator, out: &Path) -> Result<Totals, String> {
    let next_job = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let workers = thread::available_parallelism().map_or(2, |n| n.get().min(8));
    thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| worker(generator, out, &next_job, &failed)))
            .collect();
        let mut totals = Totals::default();
        for handle in handles {
            let result = handle.join().expect("a worker panicked");
            totals = totals.add(result?);
        }
        Ok(totals)
    })
}

fn worker(
    generator: &Generator,
    out: &Path,
    next_job: &AtomicU64,
    failed: &AtomicBool,
) -> Result<Totals, String> {
    let total_jobs = generator.customers + generator.notes;
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut totals = Totals::default();
    while !failed.load(Ordering::Relaxed) {
        let first = next_job.fetch_add(CHUNK, Ordering::Relaxed);
        if first >= total_jobs {
            break;
        }
        for job in first..(first + CHUNK).min(total_jobs) {
            buffer.clear();
            let (relative, kind) = generator.render(job, &mut buffer);
            let path = out.join(relative);
            if let Err(error) = fs::write(&path, &buffer) {
                failed.store(true, Ordering::Relaxed);
                return Err(format!("{}: {error}", path.display()));
            }
            totals.bytes += buffer.len() as u64;
            match kind {
                Kind::Customer => totals.customers += 1,
                Kind::Meeting => totals.meetings += 1,
                Kind::Visit => totals.visits += 1,
            }
        }
    }
    Ok(totals)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Customer,
    Meeting,
    Visit,
}

// ---------------------------------------------------------------------------------
// Randomness: SplitMix64 with one independent stream per record
// ---------------------------------------------------------------------------------

/// Which part of the corpus a stream feeds; keeps e.g. customer 7 and note 7 unrelated.
#[derive(Clone, Copy)]
enum Stream {
    Party = 1,
    Profile = 2,
    Note = 3,
    Vocabulary = 4,
}

/// SplitMix64: one `u64` of state, fast, and statistically fine for synthetic text.
struct Rng(u64);

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// Hashes the triple, so neighbouring indexes start far apart in the sequence.
    fn for_record(seed: u64, stream: Stream, index: u64) -> Rng {
        let key = mix64(index ^ mix64(stream as u64 ^ mix64(seed)));
        Rng(key)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// A number in `0..n` (multiply-shift; the bias is far below anything visible).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn digits(&mut self, count: usize, out: &mut String) {
        for _ in 0..count {
            out.push(char::from(b'0' + self.below(10) as u8));
        }
    }
}

/// Integer cumulative weights; integer so the tables are identical on every platform.
struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = u64>) -> Weighted {
        let mut sum = 0;
        let cumulative = weights
            .into_iter()
            .map(|weight| {
                sum += weight;
                sum
            })
            .collect();
        Weighted { cumulative }
    }

    fn pick(&self, rng: &mut Rng) -> usize {
        let total = *self
            .cumulative
            .last()
            .expect("weight tables are never empty");
        let target = ((u128::from(rng.next_u64()) * u128::from(total)) >> 64) as u64;
        self.cumulative.partition_point(|&c| c <= target)
    }
}

// ---------------------------------------------------------------------------------
// Dates: days since 1970-01-01, proleptic Gregorian (Howard Hinnant's algorithms)
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, PartialOrd)]
struct Day(i64);

impl Day {
    fn from_ymd(year: i64, month: u32, day: u32) -> Day {
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Day(era * 146_097 + doe - 719_468)
    }

    fn ymd(self) -> (i64, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    /// Parses `YYYY-MM-DD`; rejects impossible dates by converting back and comparing.
    fn parse(text: &str) -> Option<Day> {
        let mut parts = text.split('-');
        let year: i64 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let parsed = Day::from_ymd(year, month, day);
        (parsed.ymd() == (year, month, day)).then_some(parsed)
    }

    fn plus(self, days: i64) -> Day {
        Day(self.0 + days)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

// ---------------------------------------------------------------------------------
// Static vocabulary. Chinese is written in simplified characters only; traditional
// records are converted as a whole by `Converter`, so no table needs a third column.
// ---------------------------------------------------------------------------------

/// Surname, pinyin, frequency in units of 0.01 % (after the 2020 census tables).
const SURNAMES: &[(&str, &str, u64)] = &[
    ("王", "Wang", 710),
    ("李", "Li", 700),
    ("张", "Zhang", 660),
    ("刘", "Liu", 540),
    ("陈", "Chen", 460),
    ("杨", "Yang", 310),
    ("赵", "Zhao", 230),
    ("黄", "Huang", 220),
    ("周", "Zhou", 210),
    ("吴", "Wu", 200),
    ("徐", "Xu", 170),
    ("孙", "Sun", 150),
    ("胡", "Hu", 130),
    ("朱", "Zhu", 130),
    ("高", "Gao", 120),
    ("林", "Lin", 120),
    ("何", "He", 120),
    ("郭", "Guo", 110),
    ("马", "Ma", 100),
    ("罗", "Luo", 90),
    ("梁", "Liang", 80),
    ("宋", "Song", 80),
    ("郑", "Zheng", 80),
    ("谢", "Xie", 70),
    ("韩", "Han", 70),
    ("唐", "Tang", 60),
    ("冯", "Feng", 60),
    ("于", "Yu", 60),
    ("董", "Dong", 50),
    ("萧", "Xiao", 50),
    ("程", "Cheng", 50),
    ("曹", "Cao", 50),
    ("袁", "Yuan", 40),
    ("邓", "Deng", 40),
    ("许", "Xu", 40),
    ("傅", "Fu", 40),
    ("沈", "Shen", 40),
    ("曾", "Zeng", 40),
    ("彭", "Peng", 40),
    ("吕", "Lyu", 30),
    ("苏", "Su", 30),
    ("卢", "Lu", 30),
    ("蒋", "Jiang", 30),
    ("蔡", "Cai", 30),
    ("贾", "Jia", 30),
    ("丁", "Ding", 30),
    ("魏", "Wei", 30),
    ("薛", "Xue", 30),
    ("叶", "Ye", 30),
    ("阎", "Yan", 20),
    ("潘", "Pan", 20),
    ("杜", "Du", 20),
    ("戴", "Dai", 20),
    ("夏", "Xia", 20),
    ("钟", "Zhong", 20),
    ("汪", "Wang", 20),
    ("田", "Tian", 20),
    ("任", "Ren", 20),
    ("姜", "Jiang", 20),
    ("方", "Fang", 20),
    ("石", "Shi", 20),
    ("姚", "Yao", 20),
    ("谭", "Tan", 20),
    ("廖", "Liao", 20),
    ("邹", "Zou", 20),
    ("熊", "Xiong", 20),
    ("金", "Jin", 20),
    ("陆", "Lu", 20),
    ("郝", "Hao", 10),
    ("孔", "Kong", 10),
    ("白", "Bai", 10),
    ("崔", "Cui", 10),
    ("康", "Kang", 10),
    ("毛", "Mao", 10),
    ("邱", "Qiu", 10),
    ("秦", "Qin", 10),
    ("江", "Jiang", 10),
    ("史", "Shi", 10),
    ("顾", "Gu", 10),
    ("侯", "Hou", 10),
    ("邵", "Shao", 10),
    ("孟", "Meng", 10),
    ("龙", "Long", 10),
    ("万", "Wan", 10),
    ("段", "Duan", 10),
    ("雷", "Lei", 10),
    ("钱", "Qian", 10),
    ("汤", "Tang", 10),
    ("尹", "Yin", 10),
    ("黎", "Li", 10),
    ("易", "Yi", 10),
    ("常", "Chang", 10),
    ("武", "Wu", 10),
    ("乔", "Qiao", 10),
    ("贺", "He", 10),
    ("赖", "Lai", 10),
    ("龚", "Gong", 10),
    ("文", "Wen", 10),
    // Rare surnames that trip up naive tokenizers: 单 (Shan) and 区 (Ou) are ordinary
    // words too, and compound surnames are two characters long.
    ("单", "Shan", 4),
    ("区", "Ou", 3),
    ("欧阳", "Ouyang", 3),
    ("司马", "Sima", 1),
    ("诸葛", "Zhuge", 1),
];

/// Given-name characters, each written as the character followed by its pinyin.
const GIVEN_CHARS: &str = "建jian 国guo 华hua 明ming 伟wei 芳fang 娜na 秀xiu 英ying 敏min 静jing 丽li \
强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 娟juan 涛tao 超chao 平ping 刚gang 桂gui 兰lan \
玲ling 辉hui 鹏peng 霞xia 宇yu 浩hao 凯kai 鑫xin 博bo 文wen 斌bin 志zhi 海hai 峰feng 红hong \
林lin 婷ting 雪xue 晨chen 欣xin 佳jia 慧hui 颖ying 琳lin 倩qian 梅mei 德de 新xin 民min 春chun \
庆qing 东dong 立li 成cheng 永yong 福fu 荣rong 清qing 云yun 飞fei 亮liang 健jian 晓xiao 振zhen \
宏hong 毅yi 俊jun 思si 雨yu 子zi 轩xuan 梓zi 涵han 睿rui 嘉jia 怡yi 瑶yao 泽ze 昊hao 然ran \
彬bin 松song 胜sheng 秋qiu 玉yu 凤feng 翠cui 琴qin 波bo 宁ning 安an 诚cheng 金jin 光guang";

/// The sales team: Chinese name and pinyin, separated by a colon.
const REPS: &str = "刘芳:Liu Fang|王磊:Wang Lei|李娜:Li Na|张伟:Zhang Wei|陈静:Chen Jing|杨洋:Yang Yang|\
赵敏:Zhao Min|黄丽:Huang Li|周杰:Zhou Jie|吴婷:Wu Ting|徐明:Xu Ming|孙晓东:Sun Xiaodong|胡佳:Hu Jia|\
朱琳:Zhu Lin|高鹏:Gao Peng|林欣:Lin Xin|何军:He Jun|郭志强:Guo Zhiqiang|马超:Ma Chao|罗婷婷:Luo Tingting|\
梁思琪:Liang Siqi|宋雨涵:Song Yuhan|郑凯:Zheng Kai|谢文静:Xie Wenjing|韩冰:Han Bing|唐子轩:Tang Zixuan|\
冯雪:Feng Xue|于海波:Yu Haibo|董明辉:Dong Minghui|程晨:Cheng Chen|曹颖:Cao Ying|袁博:Yuan Bo|\
邓丽娟:Deng Lijuan|许诺:Xu Nuo|傅强:Fu Qiang|沈佳怡:Shen Jiayi|彭涛:Peng Tao|曾凡宇:Zeng Fanyu|\
欧阳明:Ouyang Ming|单晓峰:Shan Xiaofeng";

const WESTERN_FIRST: &[&str] = &[
    "Michael", "David", "James", "John", "Robert", "William", "Richard", "Thomas", "Daniel",
    "Matthew", "Sarah", "Jennifer", "Emily", "Jessica", "Laura", "Anna", "Maria", "Sophie",
    "Olivia", "Emma", "Peter", "Mark", "Paul", "Kevin", "Brian", "Eric", "Steven", "Andrew",
    "Linda", "Karen", "Jason", "Vivian", "Alice", "Tony", "Frank", "Grace", "Helen", "Vincent",
];

const WESTERN_LAST: &[&str] = &[
    "Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Taylor", "Anderson", "Moore",
    "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Green", "Baker", "Nelson",
    "Müller", "Schmidt", "Tanaka", "Suzuki", "Kim", "Park", "Tan", "Lim", "Ng", "Wong", "Chan",
];

struct Region {
    zh: &'static str,
    full: &'static str,
    en: &'static str,
}

const fn region(zh: &'static str, full: &'static str, en: &'static str) -> Region {
    Region { zh, full, en }
}

const REGIONS: &[Region] = &[
    region("北京", "北京市", "Beijing"),
    region("上海", "上海市", "Shanghai"),
    region("天津", "天津市", "Tianjin"),
    region("重庆", "重庆市", "Chongqing"),
    region("广东", "广东省", "Guangdong"),
    region("山东", "山东省", "Shandong"),
    region("江苏", "江苏省", "Jiangsu"),
    region("浙江", "浙江省", "Zhejiang"),
    region("四川", "四川省", "Sichuan"),
    region("湖北", "湖北省", "Hubei"),
    region("湖南", "湖南省", "Hunan"),
    region("河南", "河南省", "Henan"),
    region("河北", "河北省", "Hebei"),
    region("山西", "山西省", "Shanxi"),
    region("陕西", "陕西省", "Shaanxi"),
    region("安徽", "安徽省", "Anhui"),
    region("福建", "福建省", "Fujian"),
    region("江西", "江西省", "Jiangxi"),
    region("辽宁", "辽宁省", "Liaoning"),
    region("吉林", "吉林省", "Jilin"),
    region("黑龙江", "黑龙江省", "Heilongjiang"),
    region("内蒙古", "内蒙古自治区", "Inner Mongolia"),
    region("云南", "云南省", "Yunnan"),
    region("贵州", "贵州省", "Guizhou"),
    region("广西", "广西壮族自治区", "Guangxi"),
    region("海南", "海南省", "Hainan"),
    region("甘肃", "甘肃省", "Gansu"),
    region("宁夏", "宁夏回族自治区", "Ningxia"),
    region("青海", "青海省", "Qinghai"),
    region("新疆", "新疆维吾尔自治区", "Xinjiang"),
    region("西藏", "西藏自治区", "Tibet"),
    region("香港", "香港特别行政区", "Hong Kong"),
    region("澳门", "澳门特别行政区", "Macau"),
    region("台湾", "台湾", "Taiwan"),
];

#[derive(Clone, Copy, PartialEq)]
enum Area {
    Mainland,
    /// Hong Kong, Macau and Taiwan: the customers whose records are in traditional script.
    Greater,
    World,
}

struct City {
    zh: &'static str,
    /// The formal name (北京市) or another common Chinese spelling (三藩市).
    full: &'static str,
    en: &'static str,
    /// Short name of the entry in `REGIONS`; empty outside Greater China.
    region: &'static str,
    area: Area,
    /// Popularity as a home city and travel destination.
    weight: u64,
}

const fn city(
    zh: &'static str,
    full: &'static str,
    en: &'static str,
    region: &'static str,
    weight: u64,
) -> City {
    City {
        zh,
        full,
        en,
        region,
        area: Area::Mainland,
        weight,
    }
}

const fn greater(
    zh: &'static str,
    full: &'static str,
    en: &'static str,
    region: &'static str,
    weight: u64,
) -> City {
    City {
        zh,
        full,
        en,
        region,
        area: Area::Greater,
        weight,
    }
}

const fn world(zh: &'static str, full: &'static str, en: &'static str, weight: u64) -> City {
    City {
        zh,
        full,
        en,
        region: "",
        area: Area::World,
        weight,
    }
}

const CITIES: &[City] = &[
    city("北京", "北京市", "Beijing", "北京", 40),
    city("上海", "上海市", "Shanghai", "上海", 40),
    city("天津", "天津市", "Tianjin", "天津", 12),
    city("重庆", "重庆市", "Chongqing", "重庆", 12),
    city("广州", "广州市", "Guangzhou", "广东", 25),
    city("深圳", "深圳市", "Shenzhen", "广东", 30),
    city("东莞", "东莞市", "Dongguan", "广东", 6),
    city("佛山", "佛山市", "Foshan", "广东", 6),
    city("珠海", "珠海市", "Zhuhai", "广东", 4),
    city("济南", "济南市", "Jinan", "山东", 14),
    city("青岛", "青岛市", "Qingdao", "山东", 12),
    city("烟台", "烟台市", "Yantai", "山东", 5),
    city("潍坊", "潍坊市", "Weifang", "山东", 4),
    city("南京", "南京市", "Nanjing", "江苏", 16),
    city("苏州", "苏州市", "Suzhou", "江苏", 14),
    city("无锡", "无锡市", "Wuxi", "江苏", 6),
    city("常州", "常州市", "Changzhou", "江苏", 4),
    city("杭州", "杭州市", "Hangzhou", "浙江", 18),
    city("宁波", "宁波市", "Ningbo", "浙江", 7),
    city("温州", "温州市", "Wenzhou", "浙江", 5),
    city("成都", "成都市", "Chengdu", "四川", 16),
    city("绵阳", "绵阳市", "Mianyang", "四川", 3),
    city("武汉", "武汉市", "Wuhan", "湖北", 14),
    city("长沙", "长沙市", "Changsha", "湖南", 10),
    city("郑州", "郑州市", "Zhengzhou", "河南", 10),
    city("洛阳", "洛阳市", "Luoyang", "河南", 3),
    city("石家庄", "石家庄市", "Shijiazhuang", "河北", 6),
    city("太原", "太原市", "Taiyuan", "山西", 5),
    city("西安", "西安市", "Xi'an", "陕西", 12),
    city("合肥", "合肥市", "Hefei", "安徽", 8),
    city("福州", "福州市", "Fuzhou", "福建", 6),
    city("厦门", "厦门市", "Xiamen", "福建", 7),
    city("南昌", "南昌市", "Nanchang", "江西", 5),
    city("沈阳", "沈阳市", "Shenyang", "辽宁", 7),
    city("大连", "大连市", "Dalian", "辽宁", 6),
    city("长春", "长春市", "Changchun", "吉林", 4),
    city("哈尔滨", "哈尔滨市", "Harbin", "黑龙江", 5),
    city("呼和浩特", "呼和浩特市", "Hohhot", "内蒙古", 3),
    city("昆明", "昆明市", "Kunming", "云南", 5),
    city("贵阳", "贵阳市", "Guiyang", "贵州", 5),
    city("南宁", "南宁市", "Nanning", "广西", 4),
    city("海口", "海口市", "Haikou", "海南", 3),
    city("三亚", "三亚市", "Sanya", "海南", 3),
    city("兰州", "兰州市", "Lanzhou", "甘肃", 3),
    city("银川", "银川市", "Yinchuan", "宁夏", 2),
    city("西宁", "西宁市", "Xining", "青海", 2),
    city("乌鲁木齐", "乌鲁木齐市", "Urumqi", "新疆", 3),
    city("拉萨", "拉萨市", "Lhasa", "西藏", 1),
    greater("香港", "香港特别行政区", "Hong Kong", "香港", 30),
    greater("九龙", "九龙", "Kowloon", "香港", 6),
    greater("澳门", "澳门特别行政区", "Macau", "澳门", 6),
    greater("台北", "台北市", "Taipei", "台湾", 25),
    greater("新北", "新北市", "New Taipei", "台湾", 6),
    greater("台中", "台中市", "Taichung", "台湾", 6),
    greater("高雄", "高雄市", "Kaohsiung", "台湾", 6),
    greater("新竹", "新竹市", "Hsinchu", "台湾", 6),
    greater("台南", "台南市", "Tainan", "台湾", 3),
    world("东京", "东京都", "Tokyo", 8),
    world("大阪", "大阪市", "Osaka", 3),
    world("首尔", "首尔市", "Seoul", 5),
    world("新加坡", "新加坡", "Singapore", 10),
    world("吉隆坡", "吉隆坡", "Kuala Lumpur", 3),
    world("曼谷", "曼谷", "Bangkok", 3),
    world("雅加达", "雅加达", "Jakarta", 3),
    world("河内", "河内", "Hanoi", 2),
    world("胡志明市", "西贡", "Ho Chi Minh City", 2),
    world("悉尼", "雪梨", "Sydney", 4),
    world("墨尔本", "墨尔本", "Melbourne", 2),
    world("迪拜", "杜拜", "Dubai", 4),
    world("伦敦", "伦敦市", "London", 6),
    world("巴黎", "巴黎", "Paris", 4),
    world("法兰克福", "法兰克福", "Frankfurt", 4),
    world("慕尼黑", "慕尼黑", "Munich", 2),
    world("柏林", "柏林", "Berlin", 2),
    world("阿姆斯特丹", "阿姆斯特丹", "Amsterdam", 2),
    world("苏黎世", "苏黎世", "Zurich", 2),
    world("莫斯科", "莫斯科", "Moscow", 2),
    world("纽约", "纽约市", "New York", 6),
    world("旧金山", "三藩市", "San Francisco", 5),
    world("洛杉矶", "洛杉矶", "Los Angeles", 3),
    world("西雅图", "西雅图", "Seattle", 3),
    world("拉斯维加斯", "拉斯维加斯", "Las Vegas", 3),
    world("多伦多", "多伦多", "Toronto", 2),
    world("温哥华", "温哥华", "Vancouver", 3),
];

/// Telephone area codes of the mainland cities, so that a landline matches its city.
const AREA_CODES: &str = "北京010 上海021 天津022 重庆023 广州020 深圳0755 东莞0769 佛山0757 珠海0756 \
济南0531 青岛0532 烟台0535 潍坊0536 南京025 苏州0512 无锡0510 常州0519 杭州0571 宁波0574 温州0577 \
成都028 绵阳0816 武汉027 长沙0731 郑州0371 洛阳0379 石家庄0311 太原0351 西安029 合肥0551 福州0591 \
厦门0592 南昌0791 沈阳024 大连0411 长春0431 哈尔滨0451 呼和浩特0471 昆明0871 贵阳0851 南宁0771 \
海口0898 三亚0898 兰州0931 银川0951 西宁0971 乌鲁木齐0991 拉萨0891";

/// Country calling codes of the cities outside Greater China.
const COUNTRY_CODES: &str = "东京81 大阪81 首尔82 新加坡65 吉隆坡60 曼谷66 雅加达62 河内84 胡志明市84 \
悉尼61 墨尔本61 迪拜971 伦敦44 巴黎33 法兰克福49 慕尼黑49 柏林49 阿姆斯特丹31 苏黎世41 莫斯科7 纽约1 \
旧金山1 洛杉矶1 西雅图1 拉斯维加斯1 多伦多1 温哥华1";

/// The digits after a city's name in one of the tables above.
fn dial_code(table: &'static str, city: &City) -> &'static str {
    table
        .split_whitespace()
        .find_map(|entry| {
            entry
                .strip_prefix(city.zh)
                .filter(|code| code.starts_with(|c: char| c.is_ascii_digit()))
        })
        .unwrap_or("0")
}

/// Districts that show up in company names (上海浦东物流有限公司): city, district, English.
const DISTRICTS: &[(&str, &str, &str)] = &[
    ("上海", "浦东", "Pudong"),
    ("上海", "闵行", "Minhang"),
    ("北京", "海淀", "Haidian"),
    ("北京", "朝阳", "Chaoyang"),
    ("深圳", "南山", "Nanshan"),
    ("深圳", "福田", "Futian"),
    ("广州", "天河", "Tianhe"),
    ("杭州", "滨江", "Binjiang"),
    ("成都", "高新", "Gaoxin"),
    ("苏州", "工业园区", "SIP"),
];

/// 字号, the distinctive part of a company name, with its pinyin.
const TRADE_NAMES: &str = "华信:Huaxin 中天:Zhongtian 恒通:Hengtong 金盛:Jinsheng 宏达:Hongda \
远大:Yuanda 新华:Xinhua 东方:Dongfang 海纳:Haina 天成:Tiancheng 瑞丰:Ruifeng 鼎盛:Dingsheng \
博远:Boyuan 安泰:Antai 汇通:Huitong 星河:Xinghe 联创:Lianchuang 正大:Zhengda 永安:Yongan \
明德:Mingde 嘉禾:Jiahe 天宇:Tianyu 中科:Zhongke 华兴:Huaxing 新世纪:Xinshiji 金桥:Jinqiao \
蓝海:Lanhai 德信:Dexin 万通:Wantong 国泰:Guotai 宝丰:Baofeng 华瑞:Huarui 信达:Xinda 润泽:Runze \
思源:Siyuan 启明:Qiming 智诚:Zhicheng 卓越:Zhuoyue 和信:Hexin 鑫源:Xinyuan 荣盛:Rongsheng \
凯达:Kaida 恒基:Hengji 太平洋:Taipingyang 四海:Sihai 九州:Jiuzhou 金鹰:Jinying 广源:Guangyuan \
三元:Sanyuan 银河:Yinhe";

const WESTERN_TRADE_NAMES: &[&str] = &[
    "Pacific",
    "Summit",
    "Northstar",
    "Bluewater",
    "Evergreen",
    "Meridian",
    "Apex",
    "Harbor",
    "Sterling",
    "Crescent",
    "Atlas",
    "Pioneer",
    "Horizon",
    "Keystone",
    "Silverline",
];

struct Industry {
    /// The word inside a company name.
    word: &'static str,
    word_en: &'static str,
    /// The value of the `industry` field.
    field: &'static str,
    field_en: &'static str,
}

const fn industry(
    word: &'static str,
    word_en: &'static str,
    field: &'static str,
    field_en: &'static str,
) -> Industry {
    Industry {
        word,
        word_en,
        field,
        field_en,
    }
}

const INDUSTRIES: &[Industry] = &[
    industry("科技", "Technology", "信息技术", "IT"),
    industry("信息技术", "Information Technology", "信息技术", "IT"),
    industry("软件", "Software", "软件", "Software"),
    industry("通信", "Communications", "电信", "Telecom"),
    industry("电子", "Electronics", "电子制造", "Electronics"),
    industry("物流", "Logistics", "物流", "Logistics"),
    industry("能源", "Energy", "能源", "Energy"),
    industry("电力", "Power", "电力", "Utilities"),
    industry("医药", "Pharmaceutical", "医疗健康", "Healthcare"),
    industry("生物", "Biotech", "医疗健康", "Healthcare"),
    industry("智能制造", "Smart Manufacturing", "制造业", "Manufacturing"),
    industry("机械", "Machinery", "制造业", "Manufacturing"),
    industry("汽车", "Automotive", "汽车", "Automotive"),
    industry("投资", "Investment", "金融", "Finance"),
    industry("证券", "Securities", "金融", "Finance"),
    industry("保险", "Insurance", "金融", "Finance"),
    industry("贸易", "Trading", "零售贸易", "Retail & Trade"),
    industry("商贸", "Commerce", "零售贸易", "Retail & Trade"),
    industry(
        "建设",
        "Construction",
        "建筑地产",
        "Construction & Real Estate",
    ),
    industry(
        "置业",
        "Real Estate",
        "建筑地产",
        "Construction & Real Estate",
    ),
    industry("传媒", "Media", "传媒", "Media"),
    industry("教育", "Education", "教育", "Education"),
    industry("化工", "Chemicals", "化工", "Chemicals"),
    industry("环保", "Environmental", "环保", "Environmental"),
    industry("食品", "Foods", "消费品", "Consumer Goods"),
];

/// Provincial bodies: full name, short name, English.
const BUREAUS: &[(&str, &str, &str)] = &[
    ("通信管理局", "通管局", "Communications Administration"),
    ("税务局", "税务局", "Tax Service"),
    ("财政厅", "财政厅", "Department of Finance"),
    (
        "人力资源和社会保障厅",
        "人社厅",
        "Department of Human Resources and Social Security",
    ),
    ("卫生健康委员会", "卫健委", "Health Commission"),
    ("交通运输厅", "交通厅", "Department of Transport"),
    ("教育厅", "教育厅", "Department of Education"),
    ("大数据局", "大数据局", "Big Data Bureau"),
    ("医疗保障局", "医保局", "Healthcare Security Administration"),
    ("统计局", "统计局", "Statistics Bureau"),
    (
        "市场监督管理局",
        "市场监管局",
        "Administration for Market Regulation",
    ),
    ("电力公司", "电力公司", "Electric Power Company"),
];

/// Banks: full name, short name, English, e-mail domain.
const BANKS: &[(&str, &str, &str, &str)] = &[
    ("中国工商银行", "工行", "ICBC", "icbc.com.cn"),
    ("中国建设银行", "建行", "China Construction Bank", "ccb.com"),
    (
        "中国农业银行",
        "农行",
        "Agricultural Bank of China",
        "abchina.com",
    ),
    ("中国银行", "中行", "Bank of China", "boc.cn"),
    ("交通银行", "交行", "Bank of Communications", "bankcomm.com"),
    ("招商银行", "招行", "China Merchants Bank", "cmbchina.com"),
    ("兴业银行", "兴业银行", "Industrial Bank", "cib.com.cn"),
    ("浦发银行", "浦发", "SPD Bank", "spdb.com.cn"),
];

/// Hospitals and universities: suffix after the city name, English suffix.
const INSTITUTIONS: &[(&str, &str)] = &[
    ("市第一人民医院", "First People's Hospital"),
    ("市中心医院", "Central Hospital"),
    ("市人民医院", "People's Hospital"),
    ("理工大学", "University of Technology"),
    ("师范大学", "Normal University"),
    ("财经大学", "University of Finance and Economics"),
    ("医科大学", "Medical University"),
];

#[derive(Clone, Copy, PartialEq)]
enum OrgKind {
    Government,
    Enterprise,
    Bank,
    Institution,
}

struct Title {
    zh: &'static str,
    /// What follows the surname in a nickname: 王局, 李总, 张主任.
    nick: &'static str,
    en: &'static str,
}

const fn title(zh: &'static str, nick: &'static str, en: &'static str) -> Title {
    Title { zh, nick, en }
}

const GOVERNMENT_TITLES: &[Title] = &[
    title("局长", "局", "Director General"),
    title("副局长", "局", "Deputy Director General"),
    title("处长", "处", "Division Director"),
    title("副处长", "处", "Deputy Division Director"),
    title("科长", "科", "Section Chief"),
    title("信息中心主任", "主任", "Head of Information Center"),
    title("厅长", "厅", "Director"),
    title("办公室主任", "主任", "Office Director"),
];

const ENTERPRISE_TITLES: &[Title] = &[
    title("董事长", "董", "Chairman"),
    title("总经理", "总", "General Manager"),
    title("副总经理", "总", "Deputy General Manager"),
    title("副总裁", "总", "Vice President"),
    title("首席信息官", "总", "CIO"),
    title("CIO", "总", "CIO"),
    title("CTO", "总", "CTO"),
    title("IT总监", "总", "IT Director"),
    title("信息部经理", "经理", "IT Manager"),
    title("采购经理", "经理", "Procurement Manager"),
    title("财务总监", "总", "CFO"),
    title("项目经理", "经理", "Project Manager"),
    title("高级工程师", "工", "Senior Engineer"),
    title("运维主管", "工", "Operations Lead"),
];

const BANK_TITLES: &[Title] = &[
    title("行长", "行", "President"),
    title("副行长", "行", "Vice President"),
    title("科技部总经理", "总", "Head of Technology"),
    title("信息科技部主任", "主任", "Head of IT"),
    title("运营部经理", "经理", "Operations Manager"),
];

const INSTITUTION_TITLES: &[Title] = &[
    title("院长", "院长", "President"),
    title("副院长", "院长", "Vice President"),
    title("信息科科长", "科长", "Head of IT Section"),
    title("网络中心主任", "主任", "Director of Network Center"),
    title("教授", "教授", "Professor"),
    title("处长", "处", "Division Director"),
];

/// Interests: Chinese spellings and English spellings (first is the most common),
/// popularity weight.
const INTERESTS: &[(&str, &str, u64)] = &[
    ("话剧/戏剧/看话剧", "theater/theatre/drama", 9),
    ("高尔夫/高尔夫球/打高尔夫", "golf", 14),
    ("钓鱼/海钓/路亚", "fishing", 10),
    ("茶艺/茶道/品茶/喝茶", "tea/tea ceremony", 12),
    ("红酒/葡萄酒", "wine/red wine", 8),
    ("书法", "calligraphy", 6),
    ("摄影", "photography", 8),
    ("登山/爬山", "mountaineering/hiking", 7),
    ("马拉松/跑步", "running/marathon", 8),
    ("游泳", "swimming", 7),
    ("网球", "tennis", 6),
    ("羽毛球", "badminton", 7),
    ("乒乓球", "table tennis/ping pong", 5),
    ("篮球", "basketball", 5),
    ("足球/看球", "football/soccer", 6),
    ("滑雪", "skiing", 4),
    ("骑行/自行车", "cycling", 5),
    ("徒步", "trekking/hiking", 5),
    ("瑜伽", "yoga", 4),
    ("太极拳/太极", "tai chi", 3),
    ("围棋", "go/weiqi", 4),
    ("象棋/中国象棋", "chinese chess/xiangqi", 3),
    ("桥牌", "bridge", 2),
    ("麻将", "mahjong", 4),
    ("京剧", "peking opera", 3),
    ("昆曲", "kunqu", 1),
    ("音乐会/听音乐会", "concerts", 4),
    ("古典音乐", "classical music", 3),
    ("钢琴", "piano", 2),
    ("读书/阅读", "reading/books", 7),
    ("历史", "history", 5),
    ("军事", "military history", 3),
    ("收藏/古玩", "antiques/collecting", 3),
    ("字画/国画", "chinese painting", 3),
    ("集邮", "stamp collecting", 1),
    ("烹饪/下厨", "cooking", 3),
    ("美食", "food/fine dining", 6),
    ("川菜", "sichuan food", 2),
    ("粤菜/早茶", "cantonese food/dim sum", 2),
    ("日料/日本料理", "japanese food/sushi", 2),
    ("咖啡", "coffee", 3),
    ("白酒/茅台", "baijiu", 4),
    ("威士忌", "whisky/whiskey", 2),
    ("雪茄", "cigars", 2),
    ("旅游/旅行", "travel", 6),
    ("自驾游", "road trips", 3),
    ("露营", "camping", 2),
    ("园艺/养花", "gardening", 2),
    ("养狗/宠物", "dogs/pets", 3),
    ("健身", "fitness/gym", 5),
    ("电影", "movies/cinema", 4),
    ("篆刻", "seal carving", 1),
    ("汽车/赛车", "cars/motor racing", 3),
    ("帆船", "sailing", 1),
    ("马术/骑马", "horse riding/equestrian", 1),
    ("禅修/冥想", "meditation", 1),
    ("中医养生/养生", "wellness", 3),
    ("桌游", "board games", 1),
    ("潜水", "scuba diving/diving", 1),
    ("歌剧", "opera", 2),
    ("相声", "crosstalk", 2),
    ("交谊舞/跳舞", "ballroom dance/dancing", 1),
    ("天文", "astronomy", 1),
    ("诗词", "poetry", 2),
];

const INTEREST_NOTES_ZH: &[&str] = &[
    "每周都去",
    "水平很高",
    "刚开始学",
    "可以约一起",
    "夫人也喜欢",
    "年轻时的爱好",
    "最近很投入",
    "有会员卡",
    "周末常去",
    "聊这个话题很投缘",
];

const INTEREST_NOTES_EN: &[&str] = &[
    "every weekend",
    "very good at it",
    "just started",
    "happy to join us",
    "spouse enjoys it too",
    "has a club membership",
    "great conversation topic",
];

/// Competitors: Chinese surfaces, English surfaces (`/`-separated), how often they come up.
const VENDORS: &[(&str, &str, u64)] = &[
    ("IBM", "IBM", 10),
    ("联想", "Lenovo", 9),
    ("惠普", "HP/Hewlett-Packard", 8),
    ("慧与/HPE", "HPE/Hewlett Packard Enterprise", 4),
    ("戴尔", "Dell/Dell EMC", 7),
    ("华为", "Huawei", 12),
    ("浪潮", "Inspur", 7),
    ("新华三/H3C", "H3C", 7),
    ("甲骨文/Oracle", "Oracle", 8),
    ("SAP", "SAP", 6),
    ("用友", "Yonyou/UFIDA", 6),
    ("金蝶", "Kingdee", 5),
    ("阿里云", "Alibaba Cloud/Aliyun", 9),
    ("腾讯云", "Tencent Cloud", 6),
    ("华为云", "Huawei Cloud", 6),
    ("亚马逊云/AWS", "AWS/Amazon Web Services", 4),
    ("微软/Azure", "Microsoft/Azure", 5),
    ("思科", "Cisco", 5),
    ("中兴", "ZTE", 4),
    ("神州数码", "Digital China", 3),
    ("东软", "Neusoft", 3),
    ("亚信", "AsiaInfo", 3),
    ("中软国际", "Chinasoft International", 2),
    ("曙光", "Sugon", 3),
    ("锐捷", "Ruijie", 2),
    ("VMware", "VMware", 3),
    ("Salesforce", "Salesforce", 2),
    ("文思海辉", "Pactera", 1),
    ("软通动力", "iSoftStone", 2),
    ("埃森哲", "Accenture", 2),
    ("富士通", "Fujitsu", 1),
    ("NEC", "NEC", 1),
    ("日立", "Hitachi", 1),
    ("深信服", "Sangfor", 3),
    ("奇安信", "Qi An Xin", 2),
    ("金山云", "Kingsoft Cloud", 2),
    ("紫光", "Unisplendour", 2),
    ("百度智能云", "Baidu AI Cloud", 2),
];

/// What a competitor sold the customer: Chinese, English.
const PRODUCTS: &[(&str, &str)] = &[
    ("计费系统", "billing system"),
    ("服务器", "servers"),
    ("存储", "storage"),
    ("小型机", "minicomputers"),
    ("ERP", "ERP"),
    ("CRM", "CRM"),
    ("数据库", "database"),
    ("私有云", "private cloud"),
    ("公有云", "public cloud"),
    ("网络设备", "network equipment"),
    ("交换机", "switches"),
    ("台式机", "desktops"),
    ("笔记本", "laptops"),
    ("财务软件", "finance software"),
    ("数据中心", "data center"),
    ("虚拟化", "virtualization"),
    ("安全设备", "security appliances"),
    ("大数据平台", "big data platform"),
    ("运维服务", "managed services"),
    ("核心业务系统", "core system"),
];

const SATISFACTION: &[(&str, &str)] = &[
    ("很满意", "very satisfied"),
    ("满意", "satisfied"),
    ("一般", "average"),
    ("一般", "so-so"),
    ("不太满意", "not very satisfied"),
    ("不满意", "dissatisfied"),
    ("准备替换", "plans to replace"),
];

const TRIP_PURPOSES: &[(&str, &str)] = &[
    ("部里开会", "ministry meeting"),
    ("出差", "business trip"),
    ("参加展会", "trade fair"),
    ("行业峰会", "industry summit"),
    ("休假", "vacation"),
    ("探亲", "family visit"),
    ("培训", "training"),
    ("考察", "site inspection"),
    ("总部汇报", "HQ review"),
    ("客户拜访", "customer visits"),
    ("学术会议", "conference"),
    ("度假", "holiday"),
    ("陪同领导调研", "accompanying senior leadership"),
    ("签约仪式", "signing ceremony"),
    ("看话剧", "theater trip"),
    ("打高尔夫", "golf trip"),
];

/// (code, weight): tiers and pipeline stages are codes, identical in every script.
const TIERS: &[(&str, u64)] = &[("vip", 6), ("a", 20), ("b", 40), ("c", 34)];
const STAGES: &[(&str, u64)] = &[
    ("lead", 25),
    ("contact", 20),
    ("intent", 18),
    ("proposal", 12),
    ("negotiation", 8),
    ("won", 10),
    ("lost", 5),
    ("dormant", 2),
];

/// Personal mail providers on the mainland and elsewhere.
const MAINLAND_MAIL: &[&str] = &["163.com", "126.com", "sina.com", "139.com", "gmail.com"];
const OVERSEAS_MAIL: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "icloud.com",
];

/// Business vocabulary, most frequent first: these head the Zipf ranking.
const ZH_WORDS: &str = "需求 预算 报价 方案 项目 合同 招标 升级 部署 云迁移 售后服务 计费系统 \
系统 平台 沟通 汇报 领导 采购 投标 中标 演示 测试 试点 上线 迁移 数据中心 服务器 存储 网络 安全 运维 \
集成 定制开发 接口 对接 验收 交付 付款 回款 价格 折扣 成本 投资回报 风险 进度 计划 时间表 启动会 评审 \
立项 审批 流程 决策链 关键人 合作伙伴 生态 渠道 代理商 集成商 总包 原厂 备件 维保 续保 续约 扩容 性能 \
稳定性 可靠性 高可用 容灾 备份 灾备 双活 虚拟化 容器 微服务 中台 数据治理 数据仓库 大数据 人工智能 大模型 \
算力 国产化 信创 等保 合规 审计 隐私保护 加密 身份认证 权限管理 单点登录 门户 移动端 小程序 报表 看板 \
数据分析 预测 营销 会员 积分 账单 结算 对账 发票 税务 财务 人力资源 供应链 仓储 物流 生产 质量 设备 \
物联网 传感器 边缘计算 5G专网 光纤 带宽 机房 机柜 供电 制冷 能耗 节能 双碳 数字化转型 信息化 智慧城市 \
政务云 一网通办 医保 电子病历 校园网 核心系统 支付 风控 反欺诈 征信 理赔 交易系统 问题 情况 意见 建议 \
反馈 要求 标准 政策 文件 材料 资料 PPT 样机 演示环境 POC 试用 培训 手册 文档 售前 售后 技术支持 工程师 \
专家 团队 资源 年度预算 专项资金 财政资金 自筹资金 框架协议 商务谈判 技术交流 高层拜访 现场调研 竞品分析 \
差异化 性价比 口碑 案例 标杆客户 样板工程 许可 订阅 按需付费 运营 服务水平 响应时间 故障 投诉 工单 巡检 \
应急预案 演练 割接 停机窗口 切换 回滚 压力测试 兼容性 适配 操作系统 数据库 中间件 存储阵列 负载均衡 防火墙 \
态势感知 零信任 终端 桌面云 视频会议 协同办公 电子签章 档案管理 知识库 客服中心 呼叫中心 智能客服 \
流程自动化 低代码 开放平台 数据共享 数据交换 数据安全 个人信息 跨境数据 出海 海外业务 分支机构 总部 省公司 \
地市 区县 网点 门店 工厂 园区 实验室 研究院 信息中心 科技部 财务部 采购部 办公室 分管领导 一把手 技术负责人 \
业务部门 使用部门 最终用户 招标文件 技术参数 评分标准 商务条款 付款方式 质保期 驻场服务 远程支持 备品备件 \
授权书 资质 业绩 保证金 废标 流标 单一来源 竞争性谈判 询价 比选 入围 框采 集采";

/// First halves of compound terms (计费 + 系统 = 计费系统).
const ZH_PREFIXES: &str = "计费 客服 核心 数据 网络 安全 存储 财务 人力 供应链 营销 渠道 运维 监控 办公 \
协同 视频 会议 门户 移动 云 混合云 私有云 政务 医疗 教育 金融 支付 结算 账务 合同 项目 资产 设备 能源 \
物流 仓储 生产 质量 研发 测试 备份 容灾 身份 权限 日志 审计 报表 决策 分析 预警 调度 指挥 应急 客户关系 \
电子签章 档案 知识库 工单 呼叫中心";

/// Second halves of compound terms.
const ZH_SUFFIXES: &str = "系统 平台 方案 项目 升级 改造 部署 迁移 扩容 运维 需求 预算 报价 合同 招标 \
测试 验收 上线 试点 架构 模块 接口 数据 服务 规划 建设 集成 优化 选型 替换 采购 维保 培训 对接 整合 评估 \
调研 中心 软件 硬件 一体机 解决方案 二期 三期 国产化";

const EN_WORDS: &str = "budget|quote|proposal|tender|contract|upgrade|deployment|\
cloud migration|after-sales service|billing system|data center|servers|storage|support|SLA|renewal|\
discount|pricing|timeline|milestone|sign-off|decision maker|stakeholder|procurement|compliance|\
security review|POC|demo|pilot|go-live|acceptance test|payment terms|invoice|reference customer|\
roadmap|architecture|integration|API|data migration|disaster recovery|backup|high availability|\
virtualization|containers|microservices|data platform|data governance|analytics|dashboard|reporting|\
AI|large language model|GPU cluster|localization|domestic substitution|cybersecurity|\
MLPS compliance|audit|encryption|identity management|single sign-on|mobile app|mini program|CRM|\
ERP|HR system|supply chain|warehouse|logistics|IoT|edge computing|5G private network|bandwidth|\
server room|racks|power supply|cooling|energy efficiency|carbon neutrality|digital transformation|\
smart city|e-government cloud|hospital information system|EMR|campus network|core banking|\
payments|risk control|anti-fraud|credit scoring|claims processing|trading system|licensing|\
subscription|support contract|on-site engineer|training|documentation|presales|\
solution architect|technical workshop|executive briefing|site visit|partner|system integrator|\
distributor|channel|framework agreement|budget approval|fiscal year|RFP|RFQ|bid bond|shortlist|\
scoring|technical proposal|commercial proposal|negotiation|legal review|purchase order|delivery|\
installation|cutover|hypercare|ticket backlog|response time|uptime|performance|scalability|TCO|\
ROI|capex|opex";

const EN_PREFIXES: &str = "billing|customer service|core|data|network|security|storage|finance|HR|\
supply chain|marketing|channel|operations|monitoring|office|collaboration|video|conferencing|portal|\
mobile|cloud|hybrid cloud|private cloud|e-government|healthcare|education|banking|payment|\
settlement|contract|project|asset|device|energy|logistics|warehouse|production|quality|R&D|backup|\
disaster recovery|identity|logging|audit|reporting|analytics|dispatch|call center|ticketing|\
knowledge base";

const EN_SUFFIXES: &str = "system|platform|solution|project|upgrade|migration|rollout|expansion|\
requirements|budget|quote|contract|tender|pilot|architecture|module|API|service|roadmap|\
integration|optimization|evaluation|replacement|procurement|maintenance|training|phase II|\
appliance|software|hardware";

const ZH_TIMES: &[&str] = &[
    "下周",
    "下周三",
    "本周五",
    "月底",
    "下个月",
    "本月底",
    "年底",
    "春节前",
    "节后",
    "三季度",
    "四季度",
    "明年一季度",
    "两周内",
    "元旦前",
    "十月中旬",
    "下月初",
    "年前",
    "月中",
];

const EN_TIMES: &[&str] = &[
    "next week",
    "Friday",
    "the end of the month",
    "next month",
    "Q1",
    "Chinese New Year",
    "the holidays",
    "mid-month",
    "year-end",
    "the board meeting",
];

/// Sentence templates. Slots: {w} vocabulary term, {p} the customer's contact person,
/// {o} the customer's organisation, {r} a colleague, {n} a number from 2 to 99,
/// {k} a small count from 2 to 12, {t} a time, {x} a competitor, {g} its product.
const ZH_SENTENCES: &[&str] = &[
    "{p}表示今年{w}的预算已经基本落实，希望{t}前看到完整的{w}。",
    "客户重点关注{w}和{w}，对{w}的进度有些担心。",
    "我们介绍了{w}的整体思路，对方对{w}比较感兴趣。",
    "下一步：{t}提交{w}报价，同时安排{w}演示。",
    "{p}提到目前{w}存在不少问题，希望尽快解决。",
    "会上讨论了{w}、{w}以及{w}等事项。",
    "预计{w}预算在{n}万元左右，{t}启动招标。",
    "{o}信息中心对{w}的要求比较高，特别是{w}和{w}。",
    "双方约定{t}再就{w}的细节沟通一次。",
    "{p}对我们上次提交的{w}基本认可，但希望在{w}方面再优化。",
    "{r}负责跟进{w}，{t}给客户回复。",
    "客户内部对{w}还有分歧，{p}倾向于先做{w}。",
    "这次主要是了解{w}的现状，顺便介绍了我们的{w}。",
    "{p}说领导很重视{w}，要求{t}拿出{w}。",
    "目前{w}已经完成{n}%，{w}预计{t}上线。",
    "客户希望我们提供{w}的成功案例，最好是同行业的。",
    "{w}方面，客户的决策链比较长，需要{p}向上汇报。",
    "{p}介绍了{o}明年的重点工作：{w}、{w}、{w}。",
    "技术交流环节，对方工程师问了很多{w}和{w}的问题。",
    "客户对{w}的价格比较敏感，希望再给{k}个点的折扣。",
    "{w}的合同已经走到法务环节，预计{t}签署。",
    "售后方面，客户反映{w}响应不够及时，需要我们加强。",
    "{p}建议我们和集成商一起做一个{w}的联合方案。",
    "本次会议确认了{w}的范围，{w}暂不纳入。",
    "客户计划{t}对{w}进行评估，我们需要准备{w}材料。",
    "{o}今年在{w}上的投入明显增加，机会较大。",
    "对方提出{w}必须满足等保要求，{w}需要重新设计。",
    "我们承诺{t}前完成{w}，并派驻工程师现场支持。",
    "整体来看，客户对我们的{w}印象不错，但对{w}还有顾虑。",
    "{p}私下透露，{w}最终由一把手拍板。",
    "晚上和{p}一起吃饭，聊到{w}和{w}。",
    "{p}最近在忙{w}，建议{t}再约。",
    "需要协调总部资源支持{w}，{r}已经发邮件申请。",
    "客户的{w}是{k}年前建设的，现在面临升级压力。",
    "{w}，{w}，{w}。",
    "待办：{w}；{w}；{w}。",
    "要点：一是{w}，二是{w}，三是{w}。",
    "{p}问能不能先做{w}试点，效果好再推广到{w}。",
    "财务部对{w}的付款方式有意见，希望分{k}期支付。",
    "{o}下属{k}个单位都有{w}需求，可以统一规划。",
    "{p}反馈上次演示的{w}效果不错，希望尽快安排{w}。",
    "客户提出要把{w}和{w}打通，避免重复建设。",
    "目前的{w}由{o}自己的团队维护，人手比较紧张。",
    "{p}担心{w}上线后影响{w}，要求做好回滚方案。",
    "这个项目的资金来自{w}专项，{t}前必须完成采购。",
    "我们建议分两期实施：一期做{w}，二期做{w}。",
    "{r}补充介绍了{w}在其他省的落地情况。",
    "客户对{w}的国产化适配要求很明确，需要提供兼容性证明。",
    "{p}希望我们{t}前出一版{w}的初步方案。",
    "对方采购部门要求提供三家以上的{w}报价。",
    "{o}的{w}已经运行{k}年，故障率明显上升。",
    "招标文件预计{t}挂网，评分标准中{w}占比较高。",
    "客户口头同意先签{w}框架协议，细节{t}再谈。",
    "{p}顺便问了一下我们在{w}方面的资质。",
    "会后整理了{w}需求清单，共{n}项，{t}发给客户确认。",
    "{p}透露今年预算比去年增加了{n}%，重点投向{w}。",
    "现场演示了{w}，{p}对界面和{w}比较满意。",
    "客户的{w}和{w}分属不同部门，协调难度较大。",
    "需要尽快确定{w}的技术路线，否则会影响{w}进度。",
    "{p}对{w}的交付周期有疑问，我们解释了{k}周的实施计划。",
];

const ZH_VISIT_SENTENCES: &[&str] = &[
    "到{o}拜访{p}，参观了{w}。",
    "现场查看了{w}的运行情况，发现{w}有隐患。",
    "陪同{r}拜访{p}，重点汇报了{w}。",
    "在{o}机房看了现有的{w}，设备已经比较老旧。",
];

const ZH_COMPETITOR_SENTENCES: &[&str] = &[
    "目前{o}在用{x}的{g}，{p}觉得{x}的售后服务响应比较慢。",
    "{x}报价比我们低{n}%，但{p}对其{w}不太放心。",
    "据了解{x}也在跟进这个项目，已经做过两次技术交流。",
    "{p}提到去年上线的{x}{g}运行还算稳定。",
    "客户原有{g}是{x}的，维保明年到期，有替换意向。",
    "{x}这次给了很大的折扣，我们需要在{w}上体现差异化。",
    "对方对{x}的{g}满意度一般，主要是{w}方面的问题。",
];

const EN_SENTENCES: &[&str] = &[
    "{p} asked for a revised quote on the {w} by {t}.",
    "We walked through our {w} roadmap; they showed interest in the {w}.",
    "Budget for the {w} is roughly {n}0k USD, tender expected before {t}.",
    "Main concerns: {w}, {w} and {w}.",
    "Next step: send the {w} proposal and schedule a {w} demo before {t}.",
    "{p} said the {w} has to be live before {t}.",
    "They want a reference customer for the {w}, ideally in the same industry.",
    "Follow up with {p} on the {w} and the {w}.",
    "Their IT team raised questions about {w} and {w}.",
    "Contract for the {w} is with legal, signing expected before {t}.",
    "{r} owns the {w} action items and will report back before {t}.",
    "{o} plans to consolidate {w} across {n} branches.",
    "Decision on the {w} sits with the CIO; {p} is supportive.",
    "Action items: {w}; {w}; {w}.",
    "{p} confirmed the {w} budget has been approved for next year.",
    "We proposed a two-phase plan: {w} first, then {w}.",
    "Their procurement team needs three quotes for the {w}.",
    "The current {w} has been running for {k} years and failures are increasing.",
    "{p} is worried the {w} will disrupt the {w}; we need a rollback plan.",
    "Demo of the {w} went well; {p} liked the {w}.",
    "We owe them a draft {w} plan before {t}.",
    "Budget is up {n}% on last year, mostly for the {w}.",
];

const EN_VISIT_SENTENCES: &[&str] = &[
    "Visited {o} and met {p}; toured the {w}.",
    "On site we reviewed the current {w}; the hardware is ageing.",
];

const EN_COMPETITOR_SENTENCES: &[&str] = &[
    "{x} is also bidding; their price is about {n}% lower.",
    "They currently run {x} {g} and are not happy with the support.",
    "{p} mentioned the {x} {g} is up for renewal next year.",
    "{x} already did two workshops here, so we need a sharper {w} story.",
];

const ZH_HEADERS_MEETING: &[&str] = &["参会：{p}、{r}及双方技术团队", "参会人员：{p}、{r}"];
const ZH_HEADERS_VISIT: &[&str] = &["拜访对象：{p}", "地点：{o}"];
const EN_HEADERS_MEETING: &[&str] = &["Attendees: {p}, {r}"];
const EN_HEADERS_VISIT: &[&str] = &["Location: {o}"];

const ZH_MEETING_TITLES: &[&str] = &[
    "与{p}沟通{w}",
    "{o}{w}交流会",
    "{w}项目例会",
    "{w}方案评审会",
    "{o}{w}需求讨论",
    "电话会议：{w}",
    "{w}启动会",
];

const ZH_VISIT_TITLES: &[&str] = &[
    "拜访{o}",
    "拜访{p}",
    "{o}现场调研",
    "陪同领导拜访{o}",
    "{o}{w}现场交流",
];

const EN_MEETING_TITLES: &[&str] = &[
    "Call with {p} about {w}",
    "{o} {w} workshop",
    "{w} review meeting",
];

const EN_VISIT_TITLES: &[&str] = &["Visit to {o}", "On-site visit: {o}", "Meeting {p} at {o}"];

/// Personal remarks for the profile's `notes` field.
const ZH_REMARKS: &[&str] = &[
    "{p}不喝酒，饭局注意安排。",
    "老领导介绍的关系，维护好。",
    "微信联系比电话更方便。",
    "孩子今年高考，别在六月打扰。",
    "对价格敏感，决策谨慎。",
    "技术出身，喜欢聊细节。",
    "{p}说话直接，不喜欢绕弯子。",
    "每年春节前上门拜访一次。",
];

const EN_REMARKS: &[&str] = &[
    "Prefers WeChat over phone calls.",
    "Price-sensitive and cautious.",
    "Engineer by training, likes technical detail.",
    "Introduced by a former colleague; keep warm.",
];

// ---------------------------------------------------------------------------------
// Simplified → traditional conversion
// ---------------------------------------------------------------------------------

/// Character pairs (simplified, traditional) for every character the tables above can
/// produce: OpenCC's STCharacters with the Taiwan variants (為 裡 峰, not 爲 裏 峯), as
/// the subset this example needs, so it depends on no conversion crate. 于 is left
/// alone because here it is a surname (于海波), which traditional text writes 于 too.
const S2T_CHARS: &str = concat!(
    "万萬与與专專业業东東两兩个個丰豐临臨为為丽麗乌烏乐樂乔喬书書争爭云雲亚亞产產亲親",
    "仓倉仪儀们們价價优優伙夥会會伟偉传傳伦倫体體倾傾储儲兰蘭关關兴興养養内內册冊军軍",
    "农農冯馮决決况況准準凤鳳凯凱划劃刘劉则則刚剛创創别別剧劇办辦务務动動势勢区區医醫",
    "华華协協单單占佔卢盧卫衛厂廠厅廳历歷压壓厦廈厨廚县縣参參双雙发發台臺叶葉后後吕呂",
    "听聽启啟吴吳员員响響团團园園围圍国國图圖场場块塊墙牆壮壯声聲处處备備复復够夠头頭",
    "孙孫学學宁寧宝寶实實宠寵审審宽寬对對导導将將尔爾尽盡层層属屬岛島师師带帶并並广廣",
    "庄莊庆慶库庫应應废廢开開异異张張弯彎强強录錄征徵态態总總恒恆戏戲户戶扩擴扰擾护護",
    "报報担擔拟擬挂掛挥揮换換据據摄攝数數无無旧舊时時显顯晓曉暂暫术術机機权權条條来來",
    "杨楊杰傑极極构構柜櫃标標样樣档檔桥橋检檢欢歡欧歐汇匯汉漢汤湯沟溝泽澤测測济濟涛濤",
    "润潤淀澱温溫游遊湾灣滚滾满滿滨濱潍濰潜潛灾災点點烟煙爱愛状狀环環现現瑶瑤电電画畫",
    "疗療监監矶磯码碼确確禅禪积積税稅稳穩竞競笔筆筑築筹籌签籤篮籃粤粵紧緊红紅纤纖约約",
    "级級纪紀纳納纽紐线線练練细細终終绍紹经經结結绕繞给給络絡统統绩績续續维維绵綿缘緣",
    "网網罗羅联聯肃肅胜勝腾騰艳豔艺藝节節苏蘇范範荣榮药藥营營萧蕭萨薩蒋蔣蓝藍虑慮虚虛",
    "补補见見观觀规規视視觉覺计計订訂认認讨討训訓议議讯訊记記许許论論设設访訪证證评評",
    "识識诈詐诉訴词詞试試诗詩诚誠话話询詢说說请請诸諸诺諾读讀调調谈談谊誼谢謝谨謹谭譚",
    "负負贡貢财財责責账賬质質购購贵貴贸貿费費贺賀贾賈资資赔賠赖賴赛賽赵趙车車轩軒转轉",
    "软軟轻輕载載较較辉輝输輸边邊辽遼达達迁遷过過运運还還这這进進远遠连連适適选選逊遜",
    "邓鄧邮郵邹鄒郑鄭采採释釋里裡钓釣钟鍾钢鋼钱錢银銀链鏈销銷锐銳错錯锡錫键鍵长長门門",
    "问問间間闵閔阅閱阎閻队隊阳陽阵陣际際陆陸陈陳陕陝险險隐隱难難静靜韩韓项項顺順须須",
    "顾顧预預领領频頻颖穎题題风風飞飛饪飪饭飯馈饋马馬驻駐驾駕验驗骑騎鱼魚鲁魯鹏鵬鹰鷹",
    "黄黃齐齊龙龍龚龔",
);

/// Words whose traditional form differs from the character-by-character one
/// (下周 → 下週, 制造 → 製造, 阿里 stays 阿里), from OpenCC's STPhrases. Phrases that
/// OpenCC's greedy match finds across word boundaries (运维系统 → 運維繫統) are left out.
const S2T_PHRASES: &[(&str, &str)] = &[
    ("下周", "下週"),
    ("两周", "兩週"),
    ("了解", "瞭解"),
    ("倾向于", "傾向於"),
    ("先签", "先簽"),
    ("关系", "關係"),
    ("制冷", "製冷"),
    ("制造", "製造"),
    ("制造业", "製造業"),
    ("合作伙伴", "合作伙伴"),
    ("周三", "週三"),
    ("周五", "週五"),
    ("周期", "週期"),
    ("周末", "週末"),
    ("周杰", "周杰"),
    ("回复", "回覆"),
    ("定制", "定製"),
    ("尽快", "儘快"),
    ("据了解", "據瞭解"),
    ("日志", "日誌"),
    ("昆曲", "崑曲"),
    ("本周", "本週"),
    ("本周五", "本週五"),
    ("每周", "每週"),
    ("汇报", "彙報"),
    ("沈阳", "瀋陽"),
    ("沈阳市", "瀋陽市"),
    ("海淀", "海淀"),
    ("游泳", "游泳"),
    ("签章", "簽章"),
    ("签约", "簽約"),
    ("签署", "簽署"),
    ("联系", "聯繫"),
    ("重复", "重複"),
    ("阿里", "阿里"),
];

/// Converts generated simplified text to traditional: the longest known phrase at a
/// position wins, otherwise characters map one by one.
struct Converter {
    chars: HashMap<char, char>,
    phrases: HashMap<char, Vec<(&'static str, &'static str)>>,
}

impl Converter {
    fn new() -> Converter {
        let mut pairs = S2T_CHARS.chars();
        let mut chars = HashMap::new();
        while let (Some(simplified), Some(traditional)) = (pairs.next(), pairs.next()) {
            chars.insert(simplified, traditional);
        }
        let mut phrases: HashMap<char, Vec<(&str, &str)>> = HashMap::new();
        for &(simplified, traditional) in S2T_PHRASES {
            let first = simplified.chars().next().expect("phrases are not empty");
            phrases
                .entry(first)
                .or_default()
                .push((simplified, traditional));
        }
        for candidates in phrases.values_mut() {
            candidates.sort_by_key(|(simplified, _)| std::cmp::Reverse(simplified.len()));
        }
        Converter { chars, phrases }
    }

    fn convert(&self, text: &str, out: &mut String) {
        let mut rest = text;
        while let Some(first) = rest.chars().next() {
            let phrase = self.phrases.get(&first).and_then(|candidates| {
                candidates
                    .iter()
                    .find(|(simplified, _)| rest.starts_with(simplified))
            });
            if let Some((simplified, traditional)) = phrase {
                out.push_str(traditional);
                rest = &rest[simplified.len()..];
                continue;
            }
            out.push(*self.chars.get(&first).unwrap_or(&first));
            rest = &rest[first.len_utf8()..];
        }
    }
}

// ---------------------------------------------------------------------------------
// Tables built once at start-up
// ---------------------------------------------------------------------------------

/// A Zipf-ranked vocabulary: the word of rank r is drawn with weight 1 / (r + 2).
struct Vocabulary {
    words: Vec<String>,
    zipf: Weighted,
}

impl Vocabulary {
    /// Hand-written words keep the top ranks in order; compounds and the remaining words
    /// are shuffled with a fixed seed so that frequent compounds spread over all prefixes.
    fn new(words: &[&str], prefixes: &[&str], suffixes: &[&str], joiner: &str) -> Vocabulary {
        const FIXED_HEAD: usize = 30;
        let mut seen = HashSet::new();
        let mut head = Vec::new();
        let mut tail = Vec::new();
        for (rank, word) in words.iter().enumerate() {
            if seen.insert(word.to_string()) {
                let bucket = if rank < FIXED_HEAD {
                    &mut head
                } else {
                    &mut tail
                };
                bucket.push(word.to_string());
            }
        }
        for prefix in prefixes {
            for suffix in suffixes {
                let compound = format!("{prefix}{joiner}{suffix}");
                if seen.insert(compound.clone()) {
                    tail.push(compound);
                }
            }
        }
        shuffle(
            &mut tail,
            &mut Rng::for_record(0, Stream::Vocabulary, words.len() as u64),
        );
        head.extend(tail);
        let zipf = Weighted::new((0..head.len() as u64).map(|rank| 1_000_000_000 / (rank + 2)));
        Vocabulary { words: head, zipf }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.zipf.pick(rng)]
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// Pairs like `华信:Huaxin` or `建jian`, split once.
fn split_pairs(
    text: &'static str,
    separator: char,
    colon: bool,
) -> Vec<(&'static str, &'static str)> {
    text.split(separator)
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(|token| {
            if colon {
                token.split_once(':').expect("table entries have a colon")
            } else {
                let first = token.chars().next().expect("tokens are not empty");
                token.split_at(first.len_utf8())
            }
        })
        .collect()
}

struct Tables {
    surnames: Weighted,
    given: Vec<(&'static str, &'static str)>,
    reps: Vec<(&'static str, &'static str)>,
    rep_weights: Weighted,
    trade_names: Vec<(&'static str, &'static str)>,
    mainland: Vec<&'static City>,
    mainland_weights: Weighted,
    greater: Vec<&'static City>,
    greater_weights: Weighted,
    world: Vec<&'static City>,
    world_weights: Weighted,
    interests: Weighted,
    vendors: Weighted,
    tiers: Weighted,
    stages: Weighted,
    zh: Vocabulary,
    en: Vocabulary,
    converter: Converter,
}

impl Tables {
    fn new() -> Tables {
        let cities_in = |area| {
            CITIES
                .iter()
                .filter(|city| city.area == area)
                .collect::<Vec<_>>()
        };
        let weights_of = |cities: &[&City]| Weighted::new(cities.iter().map(|city| city.weight));
        let mainland = cities_in(Area::Mainland);
        let greater = cities_in(Area::Greater);
        let world = cities_in(Area::World);
        let reps = split_pairs(REPS, '|', true);
        // A few reps carry big books of business, as in any sales team.
        let rep_weights = Weighted::new((0..reps.len() as u64).map(|i| 4 + (i * 7) % 13));
        let words = |text: &'static str, separator: char| -> Vec<&'static str> {
            text.split(separator)
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect()
        };
        Tables {
            surnames: Weighted::new(SURNAMES.iter().map(|s| s.2)),
            given: split_pairs(GIVEN_CHARS, ' ', false),
            reps,
            rep_weights,
            trade_names: split_pairs(TRADE_NAMES, ' ', true),
            mainland_weights: weights_of(&mainland),
            mainland,
            greater_weights: weights_of(&greater),
            greater,
            world_weights: weights_of(&world),
            world,
            interests: Weighted::new(INTERESTS.iter().map(|i| i.2)),
            vendors: Weighted::new(VENDORS.iter().map(|v| v.2)),
            tiers: Weighted::new(TIERS.iter().map(|t| t.1)),
            stages: Weighted::new(STAGES.iter().map(|s| s.1)),
            zh: Vocabulary::new(
                &words(ZH_WORDS, ' '),
                &words(ZH_PREFIXES, ' '),
                &words(ZH_SUFFIXES, ' '),
                "",
            ),
            en: Vocabulary::new(
                &words(EN_WORDS, '|'),
                &words(EN_PREFIXES, '|'),
                &words(EN_SUFFIXES, '|'),
                " ",
            ),
            converter: Converter::new(),
        }
    }

    fn city(&self, rng: &mut Rng, area: Area) -> &'static City {
        match area {
            Area::Mainland => self.mainland[self.mainland_weights.pick(rng)],
            Area::Greater => self.greater[self.greater_weights.pick(rng)],
            Area::World => self.world[self.world_weights.pick(rng)],
        }
    }

    fn vocabulary(&self, lang: Lang) -> &Vocabulary {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

fn region_of(city: &City) -> Option<&'static Region> {
    REGIONS.iter().find(|region| region.zh == city.region)
}

/// The `n`-th of a `/`-separated list of spellings, the first one most of the time.
fn spelling(rng: &mut Rng, variants: &'static str) -> &'static str {
    let count = variants.split('/').count();
    let index = if count == 1 || rng.percent(70) {
        0
    } else {
        1 + rng.below(count - 1)
    };
    variants
        .split('/')
        .nth(index)
        .expect("index is below the count")
}

// ---------------------------------------------------------------------------------
// Parties: who a customer is. Notes rebuild the party of the customer they mention,
// so names, owners and scripts agree between a profile and its notes.
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Script {
    Simplified,
    Traditional,
    English,
}

/// The language tables a text is built from; traditional is simplified, converted.
#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Zh,
    En,
}

impl Script {
    fn lang(self) -> Lang {
        if self == Script::English {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

struct Org {
    kind: OrgKind,
    name: String,
    short: String,
    industry: &'static str,
    domain: String,
}

struct Person {
    name: String,
    nickname: Option<String>,
    title: &'static str,
    /// How notes address this person: the nickname, or surname and title.
    addressed_as: String,
    mail_user: String,
}

struct Party {
    script: Script,
    is_company: bool,
    home: &'static City,
    org: Org,
    person: Person,
    owner: usize,
}

impl Party {
    fn lang(&self) -> Lang {
        self.script.lang()
    }

    fn owner_name(&self, tables: &Tables) -> &'static str {
        rep_name(tables, self.owner, self.script)
    }
}

fn rep_name(tables: &Tables, rep: usize, script: Script) -> &'static str {
    let (zh, en) = tables.reps[rep];
    if script == Script::English { en } else { zh }
}

fn build_party(seed: u64, index: u64, tables: &Tables) -> Party {
    let mut rng = Rng::for_record(seed, Stream::Party, index);
    let script = match rng.below(10) {
        0 => Script::Traditional,
        1 => Script::English,
        _ => Script::Simplified,
    };
    let home = home_city(&mut rng, script, tables);
    let org = organisation(&mut rng, tables, script, home);
    let person = person(&mut rng, tables, script, org.kind);
    let is_company = rng.percent(30);
    let owner = tables.rep_weights.pick(&mut rng);
    Party {
        script,
        is_company,
        home,
        org,
        person,
        owner,
    }
}

fn home_city(rng: &mut Rng, script: Script, tables: &Tables) -> &'static City {
    let area = match script {
        Script::Simplified => Area::Mainland,
        Script::Traditional => Area::Greater,
        // English-language customers: foreign firms in China, Hong Kong, and abroad.
        Script::English => match rng.below(10) {
            0..=4 => Area::Mainland,
            5..=6 => Area::Greater,
            _ => Area::World,
        },
    };
    tables.city(rng, area)
}

fn organisation(rng: &mut Rng, tables: &Tables, script: Script, home: &City) -> Org {
    let roll = rng.below(100);
    let kind = match (home.area, roll) {
        (Area::Mainland, 0..=11) => OrgKind::Government,
        (Area::Mainland, 12..=23) => OrgKind::Bank,
        (Area::Mainland, 24..=35) => OrgKind::Institution,
        (_, 0..=14) => OrgKind::Bank,
        _ => OrgKind::Enterprise,
    };
    let english = script == Script::English;
    match kind {
        OrgKind::Government => government(rng, home, english),
        OrgKind::Bank => bank_branch(rng, home, english),
        OrgKind::Institution => institution(rng, home, english),
        OrgKind::Enterprise if english => enterprise_en(rng, tables, home),
        OrgKind::Enterprise => enterprise_zh(rng, tables, home),
    }
}

fn enterprise_zh(rng: &mut Rng, tables: &Tables, home: &City) -> Org {
    let (trade, pinyin) = *rng.pick(&tables.trade_names);
    let industry = rng.pick(INDUSTRIES);
    let district = DISTRICTS
        .iter()
        .find(|d| d.0 == home.zh)
        .filter(|_| rng.percent(25));
    let place = match (district, rng.below(10)) {
        (Some(district), _) => format!("{}{}", home.zh, district.1),
        (None, 0..=5) => home.zh.to_string(),
        (None, 6..=7) => region_of(home).map_or(home.zh, |r| r.zh).to_string(),
        _ => String::new(),
    };
    // Some district companies carry no 字号 at all: 上海浦东物流有限公司.
    let trade_in_name = if district.is_some() && rng.percent(30) {
        ""
    } else {
        trade
    };
    let suffix = *rng.pick(&["有限公司", "有限公司", "股份有限公司", "集团有限公司"]);
    let name = format!("{place}{trade_in_name}{}{suffix}", industry.word);
    let short = format!("{trade}{}", industry.word);
    let top_level = match home.region {
        "台湾" => ".com.tw",
        "香港" | "澳门" => ".com.hk",
        _ => *rng.pick(&[".com", ".com.cn", ".cn"]),
    };
    let domain = format!("{}{top_level}", pinyin.to_lowercase());
    Org {
        kind: OrgKind::Enterprise,
        name,
        short,
        industry: industry.field,
        domain,
    }
}

fn enterprise_en(rng: &mut Rng, tables: &Tables, home: &City) -> Org {
    let industry = rng.pick(INDUSTRIES);
    let (trade, suffix) = if home.area == Area::World {
        let suffix = *rng.pick(&["Inc.", "Ltd", "GmbH", "Pte. Ltd.", "LLC"]);
        (*rng.pick(WESTERN_TRADE_NAMES), suffix)
    } else {
        let suffix = *rng.pick(&[
            "Co., Ltd.",
            "Co., Ltd.",
            "Group Co., Ltd.",
            "Holdings Limited",
        ]);
        (rng.pick(&tables.trade_names).1, suffix)
    };
    let place = if rng.percent(60) {
        format!("{} ", home.en)
    } else {
        String::new()
    };
    let name = format!("{place}{trade} {} {suffix}", industry.word_en);
    let short = format!("{trade} {}", industry.word_en);
    let domain = format!("{}.com", trade.to_lowercase());
    Org {
        kind: OrgKind::Enterprise,
        name,
        short,
        industry: industry.field_en,
        domain,
    }
}

fn government(rng: &mut Rng, home: &City, english: bool) -> Org {
    let region = region_of(home).expect("mainland cities have a region");
    let (full, short, en) = *rng.pick(BUREAUS);
    let domain = format!("{}.gov.cn", region.en.to_lowercase().replace(' ', ""));
    let (name, short, industry) = if english {
        (
            format!("{} Provincial {en}", region.en),
            format!("{} {en}", region.en),
            "Government",
        )
    } else {
        (
            format!("{}{full}", region.full),
            format!("{}{short}", region.zh),
            "政府",
        )
    };
    Org {
        kind: OrgKind::Government,
        name,
        short,
        industry,
        domain,
    }
}

fn bank_branch(rng: &mut Rng, home: &City, english: bool) -> Org {
    let (full, short, en, domain) = *rng.pick(BANKS);
    let region = region_of(home);
    // Provincial branches sit in the capital; elsewhere the branch carries the city.
    let (place_zh, place_en) = match region {
        Some(region) if rng.percent(50) => (region.full, region.en),
        _ => (home.zh, home.en),
    };
    let (name, short, industry) = if english {
        (
            format!("{en} {place_en} Branch"),
            format!("{en} {place_en}"),
            "Banking",
        )
    } else {
        (
            format!("{full}{place_zh}分行"),
            format!("{short}{}分行", home.zh),
            "金融",
        )
    };
    Org {
        kind: OrgKind::Bank,
        name,
        short,
        industry,
        domain: domain.to_string(),
    }
}

fn institution(rng: &mut Rng, home: &City, english: bool) -> Org {
    let (suffix, suffix_en) = *rng.pick(INSTITUTIONS);
    let is_university = suffix.ends_with("大学");
    let industry = match (is_university, english) {
        (true, true) => "Education",
        (true, false) => "教育",
        (false, true) => "Healthcare",
        (false, false) => "医疗健康",
    };
    let city_key = home.en.to_lowercase().replace([' ', '\''], "");
    let domain = if is_university {
        format!("{city_key}u.edu.cn")
    } else {
        format!("{city_key}hospital.cn")
    };
    let name = if english {
        format!("{} {suffix_en}", home.en)
    } else {
        format!("{}{suffix}", home.zh)
    };
    Org {
        kind: OrgKind::Institution,
        short: name.clone(),
        name,
        industry,
        domain,
    }
}

fn titles_for(kind: OrgKind) -> &'static [Title] {
    match kind {
        OrgKind::Government => GOVERNMENT_TITLES,
        OrgKind::Enterprise => ENTERPRISE_TITLES,
        OrgKind::Bank => BANK_TITLES,
        OrgKind::Institution => INSTITUTION_TITLES,
    }
}

fn person(rng: &mut Rng, tables: &Tables, script: Script, kind: OrgKind) -> Person {
    let title = rng.pick(titles_for(kind));
    let (surname, surname_pinyin, _) = SURNAMES[tables.surnames.pick(rng)];
    let given_len = if rng.percent(60) { 2 } else { 1 };
    let mut given = String::new();
    let mut given_pinyin = String::new();
    for _ in 0..given_len {
        let (han, pinyin) = *rng.pick(&tables.given);
        given.push_str(han);
        given_pinyin.push_str(pinyin);
    }
    let mail_user = format!("{given_pinyin}.{}", surname_pinyin.to_lowercase());
    if script == Script::English {
        return english_person(rng, surname_pinyin, &given_pinyin, title, mail_user);
    }
    let nickname = chinese_nickname(rng, surname, &given, title);
    let addressed_as = nickname
        .clone()
        .unwrap_or_else(|| format!("{surname}{}", title.zh));
    Person {
        name: format!("{surname}{given}"),
        nickname,
        title: title.zh,
        addressed_as,
        mail_user,
    }
}

/// 王局, 李总, 老张, 小陈, or the given name alone, as colleagues really write them.
fn chinese_nickname(rng: &mut Rng, surname: &str, given: &str, title: &Title) -> Option<String> {
    match rng.below(100) {
        0..=44 => Some(format!("{surname}{}", title.nick)),
        45..=52 => Some(format!("老{surname}")),
        53..=59 => Some(format!("小{surname}")),
        60..=67 if given.chars().count() == 2 => Some(given.to_string()),
        _ => None,
    }
}

fn english_person(
    rng: &mut Rng,
    surname_pinyin: &str,
    given_pinyin: &str,
    title: &Title,
    mail_user: String,
) -> Person {
    let mut given = given_pinyin.to_string();
    if let Some(first) = given.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let (name, first) = match rng.below(10) {
        // Pinyin in Chinese order, the way mainland business cards print it.
        0..=2 => (format!("{surname_pinyin} {given}"), None),
        // An English first name with a Chinese surname, common in Hong Kong and Singapore.
        3..=6 => {
            let first = *rng.pick(WESTERN_FIRST);
            (format!("{first} {surname_pinyin}"), Some(first))
        }
        _ => {
            let first = *rng.pick(WESTERN_FIRST);
            (format!("{first} {}", rng.pick(WESTERN_LAST)), Some(first))
        }
    };
    let nickname = first.filter(|_| rng.percent(50)).map(str::to_string);
    let addressed_as = nickname.clone().unwrap_or_else(|| name.clone());
    // Mail addresses follow the name on the card: "Mark Zhang" is mark.zhang@…
    let mail_user = if first.is_some() {
        mail_user_of(&name)
    } else {
        mail_user
    };
    Person {
        name,
        nickname,
        title: title.en,
        addressed_as,
        mail_user,
    }
}

fn mail_user_of(name: &str) -> String {
    let parts: Vec<String> = name
        .split(' ')
        .map(|part| {
            part.chars()
                .filter(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_lowercase()
        })
        .collect();
    parts.join(".")
}

// ---------------------------------------------------------------------------------
// Customer profiles
// ---------------------------------------------------------------------------------

#[derive(Serialize)]
struct CustomerRecord {
    id: String,
    kind: &'static str,
    #[serde(rename = "type")]
    party_type: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    industry: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hometown: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birthday: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts: Option<Contacts>,
    /// Not in the contract: CRM exports of companies carry their main contact, and the
    /// contract promises that unknown fields stay searchable.
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_person: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interests: Option<Vec<Interest>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    itinerary: Option<Vec<Trip>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    competitors: Option<Vec<Competitor>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    updated: String,
}

#[derive(Serialize)]
struct Contacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wechat: Option<String>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Interest {
    Plain(&'static str),
    Detailed {
        name: &'static str,
        note: &'static str,
    },
}

#[derive(Serialize)]
struct Trip {
    city: &'static str,
    from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purpose: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Competitor {
    Plain(String),
    Detailed {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        product: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        satisfaction: Option<&'static str>,
    },
}

/// Everything a record needs besides its own random stream.
struct Generator {
    seed: u64,
    today: Day,
    customers: u64,
    notes: u64,
    tables: Tables,
}

impl Generator {
    fn new(config: &Config) -> Generator {
        Generator {
            seed: config.seed,
            today: config.today,
            customers: config.customers,
            notes: config.notes,
            tables: Tables::new(),
        }
    }

    /// Renders job `job` into `buffer`; returns its path below the output folder.
    fn render(&self, job: u64, buffer: &mut Vec<u8>) -> (PathBuf, Kind) {
        if job < self.customers {
            let script = self.render_customer(job, buffer);
            self.finish(script, buffer);
            let path = format!("customers/{:03}/{}.json", job / SHARD, customer_id(job));
            return (PathBuf::from(path), Kind::Customer);
        }
        let index = job - self.customers;
        let (kind, script) = self.render_note(index, buffer);
        self.finish(script, buffer);
        let (folder, id) = match kind {
            Kind::Visit => ("visits", format!("v{index:07}")),
            _ => ("meetings", format!("m{index:07}")),
        };
        (
            PathBuf::from(format!("{folder}/{:04}/{id}.json", index / SHARD)),
            kind,
        )
    }

    /// Converts a traditional record as a whole, which guarantees that not a single
    /// simplified character is left in it; every file ends with a newline.
    fn finish(&self, script: Script, buffer: &mut Vec<u8>) {
        if script == Script::Traditional {
            let simplified = std::str::from_utf8(buffer).expect("serde_json writes UTF-8");
            let mut traditional = String::with_capacity(buffer.len());
            self.tables.converter.convert(simplified, &mut traditional);
            buffer.clear();
            buffer.extend_from_slice(traditional.as_bytes());
        }
        buffer.push(b'\n');
    }

    fn render_customer(&self, index: u64, buffer: &mut Vec<u8>) -> Script {
        let party = build_party(self.seed, index, &self.tables);
        let mut rng = Rng::for_record(self.seed, Stream::Profile, index);
        let record = self.customer_record(&mut rng, index, &party);
        serde_json::to_writer_pretty(&mut *buffer, &record).expect("writing to memory cannot fail");
        party.script
    }

    fn customer_record(&self, rng: &mut Rng, index: u64, party: &Party) -> CustomerRecord {
        let t = &self.tables;
        let english = party.lang() == Lang::En;
        let person = &party.person;
        let (name, nickname, title, company, contact_person) = if party.is_company {
            let nickname = Some(party.org.short.clone()).filter(|s| s != &party.org.name);
            let contact = format_contact(person, english);
            (
                party.org.name.clone(),
                nickname.filter(|_| rng.percent(50)),
                None,
                None,
                Some(contact),
            )
        } else {
            let company = Some(party.org.name.clone()).filter(|_| rng.percent(95));
            (
                person.name.clone(),
                person.nickname.clone(),
                Some(person.title),
                company,
                None,
            )
        };
        let region = region_of(party.home).map(|r| if english { r.en } else { r.zh });
        CustomerRecord {
            id: customer_id(index),
            kind: "customer",
            party_type: if party.is_company {
                "company"
            } else {
                "person"
            },
            name,
            nickname,
            title: title.filter(|_| rng.percent(92)),
            company,
            industry: Some(party.org.industry).filter(|_| rng.percent(85)),
            owner: Some(party.owner_name(t)).filter(|_| rng.percent(97)),
            region: region.filter(|_| rng.percent(90)),
            tier: Some(TIERS[t.tiers.pick(rng)].0).filter(|_| rng.percent(90)),
            stage: Some(STAGES[t.stages.pick(rng)].0).filter(|_| rng.percent(90)),
            hometown: self.hometown(rng, party),
            city: Some(city_spelling(rng, party.home, party.script)).filter(|_| rng.percent(90)),
            birthday: self.birthday(rng, party),
            contacts: contacts(rng, party),
            contact_person: contact_person.filter(|_| rng.percent(60)),
            interests: self.interests(rng, party),
            itinerary: self.itinerary(rng, party),
            competitors: self.competitors(rng, party),
            notes: self.profile_notes(rng, party),
            updated: self.today.plus(-(rng.below(180) as i64)).to_string(),
        }
    }

    fn hometown(&self, rng: &mut Rng, party: &Party) -> Option<&'static str> {
        if party.is_company || rng.percent(40) {
            return None;
        }
        let area = if party.script == Script::Traditional {
            Area::Greater
        } else {
            Area::Mainland
        };
        let town = self.tables.city(rng, area);
        Some(if party.lang() == Lang::En {
            town.en
        } else {
            town.zh
        })
    }

    fn birthday(&self, rng: &mut Rng, party: &Party) -> Option<String> {
        if party.is_company || rng.percent(30) {
            return None;
        }
        let age_days = (28 + rng.below(38)) as i64 * 365 + rng.below(365) as i64;
        Some(self.today.plus(-age_days).to_string())
    }

    fn interests(&self, rng: &mut Rng, party: &Party) -> Option<Vec<Interest>> {
        if party.is_company || rng.percent(15) {
            return None;
        }
        let count = 1 + rng.below(4);
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < count {
            let pick = self.tables.interests.pick(rng);
            if !chosen.contains(&pick) {
                chosen.push(pick);
            }
        }
        let english = party.lang() == Lang::En;
        let items = chosen.into_iter().map(|index| {
            let (zh, en, _) = INTERESTS[index];
            let name = spelling(rng, if english { en } else { zh });
            if !rng.percent(15) {
                return Interest::Plain(name);
            }
            let note = *rng.pick(if english {
                INTEREST_NOTES_EN
            } else {
                INTEREST_NOTES_ZH
            });
            Interest::Detailed { name, note }
        });
        Some(items.collect())
    }

    /// 0–3 trips starting within the 120 days after today, sorted by start date.
    fn itinerary(&self, rng: &mut Rng, party: &Party) -> Option<Vec<Trip>> {
        let count = *rng.pick(&[0, 0, 0, 0, 1, 1, 1, 2, 2, 3]);
        if count == 0 {
            return Some(Vec::new()).filter(|_| rng.percent(10));
        }
        let mut starts: Vec<i64> = (0..count).map(|_| rng.below(120) as i64).collect();
        starts.sort_unstable();
        let english = party.lang() == Lang::En;
        let trips = starts.into_iter().map(|start| {
            let from = self.today.plus(start);
            let to = from.plus(rng.below(5) as i64);
            let (purpose_zh, purpose_en) = *rng.pick(TRIP_PURPOSES);
            let destination = self.destination(rng, party);
            Trip {
                city: city_spelling(rng, destination, party.script),
                from: from.to_string(),
                to: Some(to.to_string()).filter(|_| rng.percent(95)),
                purpose: Some(if english { purpose_en } else { purpose_zh })
                    .filter(|_| rng.percent(70)),
            }
        });
        Some(trips.collect())
    }

    fn destination(&self, rng: &mut Rng, party: &Party) -> &'static City {
        let area = match rng.below(100) {
            0..=69 => Area::Mainland,
            70..=84 => Area::Greater,
            _ => Area::World,
        };
        let city = self.tables.city(rng, area);
        if std::ptr::eq(city, party.home) {
            self.tables.city(rng, Area::Mainland)
        } else {
            city
        }
    }

    fn competitors(&self, rng: &mut Rng, party: &Party) -> Option<Vec<Competitor>> {
        let count = *rng.pick(&[0, 0, 0, 0, 0, 1, 1, 1, 2, 3]);
        if count == 0 {
            return Some(Vec::new()).filter(|_| rng.percent(10));
        }
        let english = party.lang() == Lang::En;
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < count {
            let pick = self.tables.vendors.pick(rng);
            if !chosen.contains(&pick) {
                chosen.push(pick);
            }
        }
        let items = chosen.into_iter().map(|vendor| {
            let name = vendor_name(rng, &self.tables, vendor, party.lang());
            if rng.percent(50) {
                return Competitor::Plain(name);
            }
            let (product_zh, product_en) = *rng.pick(PRODUCTS);
            let (satisfaction_zh, satisfaction_en) = *rng.pick(SATISFACTION);
            Competitor::Detailed {
                name,
                product: Some(if english { product_en } else { product_zh })
                    .filter(|_| rng.percent(90)),
                satisfaction: Some(if english {
                    satisfaction_en
                } else {
                    satisfaction_zh
                })
                .filter(|_| rng.percent(70)),
            }
        });
        Some(items.collect())
    }

    fn profile_notes(&self, rng: &mut Rng, party: &Party) -> Option<String> {
        if rng.percent(40) {
            return None;
        }
        let voice = Voice::for_party(rng, &self.tables, party, party.lang());
        let remarks = if party.lang() == Lang::En {
            EN_REMARKS
        } else {
            ZH_REMARKS
        };
        let mut text = String::new();
        if !party.is_company && rng.percent(60) {
            voice.expand_any(remarks, rng, &self.tables, &mut text);
        }
        let sentences = if voice.lang == Lang::En {
            EN_SENTENCES
        } else {
            ZH_SENTENCES
        };
        for _ in 0..1 + rng.below(2) {
            voice.separate(&mut text);
            voice.expand_any(sentences, rng, &self.tables, &mut text);
        }
        Some(text)
    }
}

fn customer_id(index: u64) -> String {
    format!("c{index:06}")
}

fn format_contact(person: &Person, english: bool) -> String {
    if english {
        format!("{} ({})", person.name, person.title)
    } else {
        format!("{}（{}）", person.name, person.title)
    }
}

/// 北京, 北京市 or Beijing: a record's spelling of a city depends on its script, and
/// varies inside a script as it does in real data.
fn city_spelling(rng: &mut Rng, city: &'static City, script: Script) -> &'static str {
    let roll = rng.below(100);
    match script {
        Script::English => city.en,
        Script::Traditional if roll < 15 => city.en,
        Script::Simplified if roll < 8 => city.en,
        _ if roll >= 75 => city.full,
        _ => city.zh,
    }
}

/// A competitor's name as this record writes it: a Chinese or Latin surface in
/// Chinese text, now and then a traditional one pasted from a Taiwanese document.
fn vendor_name(rng: &mut Rng, tables: &Tables, vendor: usize, lang: Lang) -> String {
    let (zh, en, _) = VENDORS[vendor];
    if lang == Lang::En || rng.percent(20) {
        return spelling(rng, en).to_string();
    }
    let name = spelling(rng, zh);
    if !rng.percent(4) {
        return name.to_string();
    }
    let mut traditional = String::new();
    tables.converter.convert(name, &mut traditional);
    traditional
}

/// Contacts as a CRM has them: some channels missing, `None` if nothing is known.
fn contacts(rng: &mut Rng, party: &Party) -> Option<Contacts> {
    let mail_user = if party.is_company {
        rng.pick(&["info", "contact", "it", "purchase", "service"])
            .to_string()
    } else {
        party.person.mail_user.clone()
    };
    let mainland = party.home.area == Area::Mainland;
    let email = if party.is_company || rng.percent(60) {
        format!("{mail_user}@{}", party.org.domain)
    } else if mainland && rng.percent(40) {
        let mut qq = (1 + rng.below(9)).to_string();
        let length = 6 + rng.below(4);
        rng.digits(length, &mut qq);
        format!("{qq}@qq.com")
    } else {
        format!(
            "{mail_user}@{}",
            rng.pick(if mainland {
                MAINLAND_MAIL
            } else {
                OVERSEAS_MAIL
            })
        )
    };
    let contacts = Contacts {
        mobile: Some(mobile(rng, party.home)).filter(|_| !party.is_company && rng.percent(90)),
        phone: Some(landline(rng, party.home)).filter(|_| party.is_company || rng.percent(20)),
        email: Some(email).filter(|_| rng.percent(75)),
        wechat: Some(wechat(rng, &mail_user)).filter(|_| !party.is_company && rng.percent(50)),
    };
    let is_empty = contacts.mobile.is_none()
        && contacts.phone.is_none()
        && contacts.email.is_none()
        && contacts.wechat.is_none();
    (!is_empty).then_some(contacts)
}

fn mobile(rng: &mut Rng, home: &City) -> String {
    let mut number = String::new();
    match home.region {
        "香港" | "澳门" => {
            number.push_str(if home.region == "香港" {
                "+852 "
            } else {
                "+853 "
            });
            number.push(*rng.pick(&['5', '6', '9']));
            rng.digits(3, &mut number);
            number.push(' ');
            rng.digits(4, &mut number);
        }
        "台湾" => {
            number.push_str("09");
            rng.digits(2, &mut number);
            number.push('-');
            rng.digits(3, &mut number);
            number.push('-');
            rng.digits(3, &mut number);
        }
        _ if home.area == Area::World => {
            let _ = write!(number, "+{} ", dial_code(COUNTRY_CODES, home));
            rng.digits(9, &mut number);
        }
        _ => {
            number.push('1');
            number.push(*rng.pick(&['3', '5', '7', '8', '9']));
            rng.digits(9, &mut number);
        }
    }
    number
}

fn landline(rng: &mut Rng, home: &City) -> String {
    let mut number = match (home.area, home.region) {
        (Area::Mainland, _) => format!("{}-", dial_code(AREA_CODES, home)),
        (_, "台湾") => "+886 2".to_string(),
        (_, "澳门") => "+853 2".to_string(),
        (Area::Greater, _) => "+852 2".to_string(),
        (Area::World, _) => format!("+{} ", dial_code(COUNTRY_CODES, home)),
    };
    rng.digits(if home.area == Area::Mainland { 8 } else { 7 }, &mut number);
    number
}

fn wechat(rng: &mut Rng, mail_user: &str) -> String {
    if rng.percent(40) {
        let mut id = String::from("wxid_");
        for _ in 0..10 {
            id.push(char::from(
                *rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789"),
            ));
        }
        return id;
    }
    let mut id = mail_user.replace('.', "_");
    let length = 2 + rng.below(3);
    rng.digits(length, &mut id);
    id
}

// ---------------------------------------------------------------------------------
// Meeting notes and visit reports
// ---------------------------------------------------------------------------------

#[derive(Serialize)]
struct NoteRecord {
    id: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customers: Option<[String; 2]>,
    date: String,
    author: &'static str,
    title: String,
    text: String,
}

/// The people and things one text talks about, in one language.
struct Voice {
    lang: Lang,
    person: String,
    org: String,
    colleague: &'static str,
    vendor: String,
    product: &'static str,
}

impl Voice {
    fn for_party(rng: &mut Rng, tables: &Tables, party: &Party, lang: Lang) -> Voice {
        let person = if party.lang() != lang && lang == Lang::Zh {
            // A Chinese note about an English-speaking contact still uses the name.
            party.person.name.clone()
        } else {
            party.person.addressed_as.clone()
        };
        let org = if rng.percent(70) {
            party.org.short.clone()
        } else {
            party.org.name.clone()
        };
        let colleague_script = if lang == Lang::En {
            Script::English
        } else {
            Script::Simplified
        };
        let colleague = rep_name(tables, tables.rep_weights.pick(rng), colleague_script);
        let vendor = tables.vendors.pick(rng);
        let (product_zh, product_en) = *rng.pick(PRODUCTS);
        Voice {
            lang,
            person,
            org,
            colleague,
            vendor: vendor_name(rng, tables, vendor, lang),
            product: if lang == Lang::En {
                product_en
            } else {
                product_zh
            },
        }
    }

    /// The same people in the other language, for mixed-language notes; the competitor
    /// keeps its identity but takes an English spelling.
    fn english_twin(&self, rng: &mut Rng, tables: &Tables) -> Voice {
        let vendor = VENDORS
            .iter()
            .position(|v| v.0.split('/').any(|s| s == self.vendor));
        let vendor = vendor.map_or_else(
            || self.vendor.clone(),
            |v| vendor_name(rng, tables, v, Lang::En),
        );
        let product = PRODUCTS
            .iter()
            .find(|p| p.0 == self.product)
            .map_or(self.product, |p| p.1);
        Voice {
            lang: Lang::En,
            person: self.person.clone(),
            org: self.org.clone(),
            colleague: self.colleague,
            vendor,
            product,
        }
    }

    /// Fills the `{x}` slots of a template; see `ZH_SENTENCES` for the slot letters.
    fn expand(&self, template: &str, rng: &mut Rng, tables: &Tables, out: &mut String) {
        let vocabulary = tables.vocabulary(self.lang);
        let times = if self.lang == Lang::En {
            EN_TIMES
        } else {
            ZH_TIMES
        };
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            match rest.as_bytes()[open + 1] {
                b'w' => out.push_str(vocabulary.word(rng)),
                b'p' => out.push_str(&self.person),
                b'o' => out.push_str(&self.org),
                b'r' => out.push_str(self.colleague),
                b'x' => out.push_str(&self.vendor),
                b'g' => out.push_str(self.product),
                // Writing into a String cannot fail.
                b'n' => write!(out, "{}", 2 + rng.below(98)).expect("String accepts writes"),
                b'k' => write!(out, "{}", 2 + rng.below(11)).expect("String accepts writes"),
                b't' => {
                    let time = *rng.pick(times);
                    out.push_str(time);
                }
                other => unreachable!("unknown template slot {}", char::from(other)),
            }
            rest = &rest[open + 3..];
        }
        out.push_str(rest);
    }

    /// Expands one template chosen at random.
    fn expand_any(&self, templates: &[&str], rng: &mut Rng, tables: &Tables, out: &mut String) {
        let template = *rng.pick(templates);
        self.expand(template, rng, tables, out);
    }

    /// English sentences need a space between them; Chinese ones end in 。 and need none.
    fn separate(&self, text: &mut String) {
        if self.lang == Lang::En && !text.is_empty() && !text.ends_with('\n') {
            text.push(' ');
        }
    }
}

/// Which sentences of a note are special; decided before writing so the rates hold.
struct TextPlan {
    target_chars: usize,
    is_visit: bool,
    competitor_at: [Option<usize>; 2],
    english_at: [Option<usize>; 2],
    traditional_at: Option<usize>,
}

impl Generator {
    fn render_note(&self, index: u64, buffer: &mut Vec<u8>) -> (Kind, Script) {
        let mut rng = Rng::for_record(self.seed, Stream::Note, index);
        let kind = if rng.percent(60) {
            Kind::Meeting
        } else {
            Kind::Visit
        };
        let primary = self.popular_customer(&mut rng);
        let party = build_party(self.seed, primary, &self.tables);
        let script = if rng.percent(90) {
            party.script
        } else {
            Script::Simplified
        };
        let record = self.note_record(&mut rng, index, kind, primary, &party, script);
        serde_json::to_writer_pretty(&mut *buffer, &record).expect("writing to memory cannot fail");
        (kind, script)
    }

    fn note_record(
        &self,
        rng: &mut Rng,
        index: u64,
        kind: Kind,
        primary: u64,
        party: &Party,
        script: Script,
    ) -> NoteRecord {
        let (customer, customers) = self.links(rng, primary);
        let voice = Voice::for_party(rng, &self.tables, party, script.lang());
        let plan = self.text_plan(rng, kind, voice.lang);
        let author_rep = if rng.percent(80) {
            party.owner
        } else {
            self.tables.rep_weights.pick(rng)
        };
        let (kind_name, prefix) = if kind == Kind::Visit {
            ("visit", 'v')
        } else {
            ("meeting", 'm')
        };
        NoteRecord {
            id: format!("{prefix}{index:07}"),
            kind: kind_name,
            customer,
            customers,
            date: self.today.plus(-(rng.below(365) as i64)).to_string(),
            author: rep_name(&self.tables, author_rep, script),
            title: self.note_title(rng, &voice, kind),
            text: self.note_text(rng, &voice, &plan),
        }
    }

    /// Popularity is skewed: the rank is the product of two uniform draws, whose density
    /// −ln x gives the busiest 10 % of customers a third of the notes and the busiest
    /// 1 % about 6 %, with no single account buried in hundreds. A fixed multiplicative
    /// permutation then scatters the busy ones over all ids.
    fn popular_customer(&self, rng: &mut Rng) -> u64 {
        const PRIME: u64 = 2_654_435_761;
        let n = self.customers;
        let u = rng.below(1 << 20) as u64;
        let v = rng.below(1 << 20) as u64;
        let rank = ((u128::from(u * v) * u128::from(n)) >> 40) as u64;
        let multiplier = if n.is_multiple_of(PRIME) { 1 } else { PRIME };
        let offset = mix64(self.seed) % n;
        ((u128::from(rank) * u128::from(multiplier) + u128::from(offset)) % u128::from(n)) as u64
    }

    fn links(&self, rng: &mut Rng, primary: u64) -> (Option<String>, Option<[String; 2]>) {
        if self.customers < 2 || !rng.percent(10) {
            return (Some(customer_id(primary)), None);
        }
        let mut second = self.popular_customer(rng);
        if second == primary {
            second = (primary + 1) % self.customers;
        }
        (None, Some([customer_id(primary), customer_id(second)]))
    }

    fn text_plan(&self, rng: &mut Rng, kind: Kind, lang: Lang) -> TextPlan {
        // The largest of three uniform draws: lengths lean long (mean ≈ 1130 characters),
        // as notes typed up after a meeting do; 60 characters of headroom for the last
        // sentence keep nearly every note under the hard cap without cutting it.
        let spread = TEXT_MAX - TEXT_MIN - 60;
        let target_chars = TEXT_MIN
            + rng
                .below(spread)
                .max(rng.below(spread))
                .max(rng.below(spread));
        // Special sentences sit early, so that even the shortest note still has them.
        let at =
            |percent: usize, rng: &mut Rng| Some(rng.below(3)).filter(|_| rng.percent(percent));
        let competitor_first = at(15, rng);
        let competitor_second = competitor_first.and_then(|_| at(30, rng)).map(|i| i + 4);
        let is_zh = lang == Lang::Zh;
        let english_first = at(if is_zh { 20 } else { 0 }, rng);
        TextPlan {
            target_chars,
            is_visit: kind == Kind::Visit,
            competitor_at: [competitor_first, competitor_second],
            english_at: [
                english_first,
                english_first.and_then(|_| at(30, rng)).map(|i| i + 6),
            ],
            traditional_at: at(if is_zh { 3 } else { 0 }, rng),
        }
    }

    fn note_title(&self, rng: &mut Rng, voice: &Voice, kind: Kind) -> String {
        let templates = match (voice.lang, kind) {
            (Lang::Zh, Kind::Visit) => ZH_VISIT_TITLES,
            (Lang::Zh, _) => ZH_MEETING_TITLES,
            (Lang::En, Kind::Visit) => EN_VISIT_TITLES,
            (Lang::En, _) => EN_MEETING_TITLES,
        };
        let mut title = String::new();
        voice.expand_any(templates, rng, &self.tables, &mut title);
        title
    }

    /// Sentences until the planned length; never over `TEXT_MAX` characters.
    fn note_text(&self, rng: &mut Rng, voice: &Voice, plan: &TextPlan) -> String {
        let mut text = String::with_capacity(plan.target_chars * 3);
        let mut chars = 0;
        if rng.percent(30) {
            self.header(rng, voice, plan, &mut text);
            chars = text.chars().count();
        }
        let twin = voice.english_twin(rng, &self.tables);
        let mut recent = Vec::new();
        let mut sentence = String::new();
        let mut position = 0;
        while chars < plan.target_chars {
            let speaker = if plan.english_at.contains(&Some(position)) {
                &twin
            } else {
                voice
            };
            let template = pick_fresh(
                self.templates(rng, speaker.lang, plan, position),
                rng,
                &mut recent,
            );
            sentence.clear();
            if plan.traditional_at == Some(position) && speaker.lang == Lang::Zh {
                // A passage quoted from a Hong Kong or Taiwan correspondent.
                let mut simplified = String::new();
                speaker.expand(template, rng, &self.tables, &mut simplified);
                self.tables.converter.convert(&simplified, &mut sentence);
            } else {
                speaker.expand(template, rng, &self.tables, &mut sentence);
            }
            let length = sentence.chars().count();
            if chars + length > TEXT_MAX && chars >= TEXT_MIN {
                break;
            }
            voice.separate(&mut text);
            text.push_str(&sentence);
            chars += length;
            position += 1;
            if rng.percent(15) && chars < plan.target_chars {
                text.push('\n');
                chars += 1;
            }
        }
        truncate_chars(&mut text, TEXT_MAX);
        text
    }

    fn header(&self, rng: &mut Rng, voice: &Voice, plan: &TextPlan, text: &mut String) {
        let templates = match (voice.lang, plan.is_visit) {
            (Lang::Zh, true) => ZH_HEADERS_VISIT,
            (Lang::Zh, false) => ZH_HEADERS_MEETING,
            (Lang::En, true) => EN_HEADERS_VISIT,
            (Lang::En, false) => EN_HEADERS_MEETING,
        };
        voice.expand_any(templates, rng, &self.tables, text);
        text.push('\n');
    }

    /// The template family for sentence `position` of a note.
    fn templates(
        &self,
        rng: &mut Rng,
        lang: Lang,
        plan: &TextPlan,
        position: usize,
    ) -> &'static [&'static str] {
        let is_competitor = plan.competitor_at.contains(&Some(position));
        match (lang, is_competitor) {
            (Lang::Zh, true) => ZH_COMPETITOR_SENTENCES,
            (Lang::En, true) => EN_COMPETITOR_SENTENCES,
            (Lang::Zh, false) if plan.is_visit && rng.percent(15) => ZH_VISIT_SENTENCES,
            (Lang::En, false) if plan.is_visit && rng.percent(15) => EN_VISIT_SENTENCES,
            (Lang::Zh, false) => ZH_SENTENCES,
            (Lang::En, false) => EN_SENTENCES,
        }
    }
}

/// Picks a template not used in the last dozen sentences, if a few tries find one:
/// real notes do not repeat the same phrasing three times in a paragraph.
fn pick_fresh(
    templates: &'static [&'static str],
    rng: &mut Rng,
    recent: &mut Vec<usize>,
) -> &'static str {
    const MEMORY: usize = 12;
    let mut template = *rng.pick(templates);
    for _ in 0..3 {
        if !recent.contains(&(template.as_ptr() as usize)) {
            break;
        }
        template = *rng.pick(templates);
    }
    if recent.len() == MEMORY {
        recent.remove(0);
    }
    recent.push(template.as_ptr() as usize);
    template
}

fn truncate_chars(text: &mut String, max_chars: usize) {
    if let Some((cut, _)) = text.char_indices().nth(max_chars) {
        text.truncate(cut);
    }
}
