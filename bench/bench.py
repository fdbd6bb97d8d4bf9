#!/usr/bin/env python3
"""Benchmark harness for dossier, run by `bench/run`.

Measures indexing (against read and stat floors), one-shot search latency, the
watcher (saved-to-searchable latency, memory, idle CPU), and compares answers and
costs with `rg -l` and an SQLite FTS5 trigram index. Writes a Markdown report whose
`## Analysis` section (written by hand) survives regeneration, and the raw numbers
as JSON. Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TODAY = "2026-11-23"  # the generator's default reference date
WATCH_ROUNDS = 20
WATCH_PREFIX = "bench-watch-"  # files the watch phase adds to CORPUS/customers/
SEARCH_WARMUP = 3
SEARCH_RUNS = 30
RG_RUNS = 5
FTS_RUNS = 10
SCAN_RUNS = 3  # the instr() fallback scans the whole table: a few runs are enough
IDLE_SECONDS = 10
RELEASE_AFTER_S = 30  # the watcher's RELEASE_AFTER (src/bin/dossier/socket.rs)
POLL_PAUSE = 0.002  # seconds between two searches while waiting for a saved file
AGENDA_RUNS = 30
HTTP_RUNS = 30
SERVE_PREFIX = "bench-serve-"  # files the serve phase adds to CORPUS/customers/

TARGETS = {
    "full_index_s": 12.0,
    "full_index_docs_per_s": 25_000,
    "full_index_vs_read_floor": 4.0,
    "reindex_s": 1.5,
    "search_p50_ms": 10.0,
    "searchable_p50_ms": 150.0,
    "searchable_p95_ms": 400.0,
    "watcher_rss_mb": 250.0,
    "index_vs_corpus": 0.8,
    "agenda_p50_ms": 50.0,
    "http_p50_ms": 10.0,
    "http_p95_ms": 30.0,
    "serve_rss_mb": 250.0,
    "visible_p50_ms": 150.0,
    "rep_view_ratio": 1.10,
}

# (shape, subcommand, query) timed as one-shot processes.
SEARCH_SHAPES = [
    ("free text, Chinese", "search", "计费系统"),
    ("English word", "search", "budget"),
    ("quoted phrase", "search", '"billing system"'),
    ("interest", "search", "likes:话剧"),
    ("trip next week", "search", "travel:北京 when:next-week"),
    ("competitor", "search", "mentions:联想"),
    ("filter: tier", "search", "tier:vip"),
    ("filter: owner", "search", "owner:刘芳"),
    ("broad term", "search", "客户"),
    ("question (ask)", "ask", "谁下周去北京"),
    ("any field", "search", "region:山东"),
    ("note date + word", "search", "联想 date:last-month"),
    ("birthday", "search", "birthday:next-week"),
    ("OR", "search", "likes:话剧 OR likes:golf"),
    ("everyone by name", "search", "--sort name *"),
]

# Questions a plain-text tool can also try. `word` is what a user would grep for,
# `aliases` what dossier treats as the same thing, `false_friends` longer words that
# contain `word` without meaning it; `fts` is the FTS5 MATCH expression.
QUESTIONS = [
    {"label": "free text 计费系统", "query": "计费系统", "word": "计费系统",
     "aliases": ["計費系統"], "false_friends": [], "fts": '"计费系统"', "rg_extra": ""},
    {"label": "English budget", "query": "budget", "word": "budget",
     "aliases": ["Budget", "BUDGET"], "false_friends": [], "fts": '"budget"',
     "rg_extra": "case-sensitive unless -i"},
    {"label": "phrase \"billing system\"", "query": '"billing system"',
     "word": "billing system", "aliases": ["Billing system", "Billing System"],
     "false_friends": [], "fts": '"billing system"', "rg_extra": ""},
    {"label": "likes:话剧", "query": "likes:话剧", "word": "话剧",
     "aliases": ["話劇", "戏剧", "戲劇", "theater", "theatre", "drama"],
     "false_friends": [], "fts": '"话剧"',
     "rg_extra": "rg also hits 看话剧 written as a trip purpose, not an interest"},
    {"label": "travel:北京 when:next-week", "query": "travel:北京 when:next-week",
     "word": "北京", "aliases": ["Beijing", "北平", "Peking"], "false_friends": [],
     "fts": '"北京"',
     "rg_extra": "rg cannot restrict to next week; it also hits trips on other dates, home cities, "
     "regions, company names and notes"},
    {"label": "mentions:联想", "query": "mentions:联想", "word": "联想",
     "aliases": ["聯想", "Lenovo"], "false_friends": ["联想到", "联想起"], "fts": '"联想"',
     "rg_extra": ""},
]


def log(message):
    """Prints a progress line to stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def latency_summary(seconds):
    """p50/p95/min/max in milliseconds of a list of durations in seconds."""
    ms = sorted(s * 1000 for s in seconds)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {"n": len(ms), "p50_ms": statistics.median(ms), "p95_ms": p95,
            "min_ms": ms[0], "max_ms": ms[-1]}


def timed(command, env=None):
    """Runs a command to completion; returns (wall seconds, CompletedProcess)."""
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, env=env)
    return time.perf_counter() - started, completed


def run_measured(command, stderr_path):
    """Runs a command and returns wall seconds, exit code and peak RSS in MB.

    os.wait4 gives the rusage of exactly this child, so earlier children (the
    generator, rg) cannot inflate the peak. Its stderr goes to `stderr_path`.
    """
    with open(stderr_path, "w") as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return {"wall_s": wall, "exit": child.returncode, "peak_rss_mb": usage.ru_maxrss / 1024}


class Dossier:
    """Builds dossier command lines for one corpus and index."""

    def __init__(self, binary, corpus, index, via=None, as_user=None):
        self.binary, self.corpus, self.index = binary, corpus, index
        self.via_value, self.as_user = via, as_user
        # DOSSIER_VIA_WATCHER for searches: None leaves the default (auto).
        self.env = None if via is None else {**os.environ, "DOSSIER_VIA_WATCHER": via}

    def via(self, via):
        """The same corpus and index, searching with DOSSIER_VIA_WATCHER=via."""
        return Dossier(self.binary, self.corpus, self.index, via, self.as_user)

    def reading_as(self, name):
        """The same, answering as NAME of the team file sees it (`--as NAME`)."""
        return Dossier(self.binary, self.corpus, self.index, self.via_value, name)

    def command(self, subcommand, *arguments):
        """The argument list for `dossier SUBCOMMAND --dir --index --today [--as]
        ARGUMENTS`."""
        reader = ["--as", self.as_user] if self.as_user else []
        return [self.binary, subcommand, "--dir", self.corpus, "--index", self.index,
                "--today", TODAY, *reader, *arguments]

    def search_json(self, query, subcommand="search", limit=None):
        """Runs a --json search; returns (wall seconds, parsed output). Exit 2 raises."""
        extra = ["--limit", str(limit)] if limit else []
        # A shape may lead with options: "--sort name *".
        if query.startswith("--sort "):
            _, order, query = query.split(" ", 2)
            extra += ["--sort", order]
        wall, done = timed(self.command(subcommand, "--json", *extra, query), self.env)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"dossier {subcommand} {query!r} failed: "
                               f"{done.stderr.decode(errors='replace').strip()}")
        return wall, json.loads(done.stdout)

    def agenda_json(self, owner=None):
        """Runs `agenda --json [--owner OWNER]`; returns (wall seconds, parsed output)."""
        extra = ["--owner", owner] if owner else []
        wall, done = timed(self.command("agenda", "--json", *extra), self.env)
        if done.returncode != 0:
            raise RuntimeError(f"dossier agenda {extra} failed: "
                               f"{done.stderr.decode(errors='replace').strip()}")
        return wall, json.loads(done.stdout)

    def customer_ids(self, query):
        """Every customer id dossier returns for `query`."""
        _, output = self.search_json(query, limit=10_000_000)
        return {hit["id"] for hit in output["hits"]}


# ---------------------------------------------------------------------------------
# Floors and indexing
# ---------------------------------------------------------------------------------

def stat_walk(corpus):
    """os.walk + os.stat of every file; returns (seconds, files, apparent bytes)."""
    started = time.perf_counter()
    files = size = 0
    for folder, _, names in os.walk(corpus):
        for name in names:
            size += os.stat(os.path.join(folder, name)).st_size
            files += 1
    return time.perf_counter() - started, files, size


def read_floor(corpus):
    """Seconds to read every byte of every file with two parallel `cat` workers."""
    script = 'find "$1" -type f -name "*.json" -print0 | xargs -0 -P2 -n 500 cat >/dev/null'
    wall, done = timed(["bash", "-c", script, "_", corpus])
    if done.returncode != 0:
        raise RuntimeError(f"read floor failed: {done.stderr.decode(errors='replace')}")
    return wall


def measure_floors(corpus):
    """Stat-walk and read floors, best of a few runs (the first one warms caches)."""
    log("floors: stat walk and parallel read")
    walks = [stat_walk(corpus) for _ in range(3)]
    reads = [read_floor(corpus) for _ in range(2)]
    _, files, size = walks[0]
    return {"files": files, "bytes": size,
            "stat_walk_s": min(w[0] for w in walks), "stat_walk_runs_s": [w[0] for w in walks],
            "read_s": min(reads), "read_runs_s": reads}


def measure_indexing(dossier, work, floors, records):
    """Full index from empty, then no-change re-indexes (median of three)."""
    shutil.rmtree(dossier.index, ignore_errors=True)
    log("full index from empty (the slow step)")
    full = run_measured(dossier.command("index"), os.path.join(work, "index-full.err"))
    if full["exit"] not in (0, 1):
        raise RuntimeError(f"dossier index failed; see {work}/index-full.err")
    log(f"full index: {full['wall_s']:.1f} s")
    reindex_runs = [run_measured(dossier.command("index"),
                                 os.path.join(work, "index-again.err")) for _ in range(3)]
    walls = [run["wall_s"] for run in reindex_runs]
    _, _, index_bytes = stat_walk(dossier.index)
    return {
        "full": full,
        "files_per_s": floors["files"] / full["wall_s"],
        "records_per_s": records / full["wall_s"],
        "mb_per_s": floors["bytes"] / 1e6 / full["wall_s"],
        "vs_read_floor": full["wall_s"] / floors["read_s"],
        "index_bytes": index_bytes,
        "index_vs_corpus": index_bytes / floors["bytes"],
        "reindex_s": statistics.median(walls),
        "reindex_runs_s": walls,
        "reindex_peak_rss_mb": max(run["peak_rss_mb"] for run in reindex_runs),
        "reindex_vs_stat_walk": statistics.median(walls) / floors["stat_walk_s"],
    }


# ---------------------------------------------------------------------------------
# Search latency
# ---------------------------------------------------------------------------------

def measure_process_start():
    """p50 of starting and reaping /bin/true: the floor under any one-shot CLI."""
    return latency_summary([timed(["/bin/true"])[0] for _ in range(SEARCH_RUNS)])


def page_cache_share(directory):
    """Share of the bytes of the files under `directory` that are in the page cache
    (util-linux `fincore`), or None without fincore. On the benchmark VM the page
    cache does not keep files for long, so one-shot searches may read the index from
    disk; this says how much of it was cached."""
    if not shutil.which("fincore"):
        return None
    files = [os.path.join(top, name) for top, _, names in os.walk(directory) for name in names]
    if not files:
        return None
    done = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES,SIZE", *files],
                          capture_output=True, text=True, check=False)
    resident = size = 0
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and all(part.isdigit() for part in parts):
            resident += int(parts[0])
            size += int(parts[1])
    return resident / size if size else None


def measure_search(dossier):
    """One-shot latency of every shape in SEARCH_SHAPES, in interleaved rounds (each
    round runs every shape once), so a burst of noise on the machine spreads over all
    shapes instead of spoiling one."""
    walls = {index: [] for index in range(len(SEARCH_SHAPES))}
    outputs = {}
    for round_number in range(SEARCH_WARMUP + SEARCH_RUNS):
        for index, (_, subcommand, query) in enumerate(SEARCH_SHAPES):
            wall, outputs[index] = dossier.search_json(query, subcommand)
            if round_number >= SEARCH_WARMUP:
                walls[index].append(wall)
    rows = []
    for index, (shape, subcommand, query) in enumerate(SEARCH_SHAPES):
        result = {**latency_summary(walls[index]), "total": outputs[index]["total"],
                  "understood": outputs[index].get("understood")}
        log(f"search {query}: p50 {result['p50_ms']:.1f} ms, {result['total']} hits")
        rows.append({"shape": shape, "command": subcommand, "query": query, **result})
    return rows


def measure_query_path(repo, dossier, as_user=None):
    """`cargo bench --bench search` pointed at the benchmark index: the query path
    inside one process (no process start, index open once), per shape, both as a
    one-shot search opens the index and as a running watcher holds it; as
    `as_user` of the team file sees it when given (DOSSIER_BENCH_AS)."""
    env = {**os.environ, "DOSSIER_BENCH_KB": dossier.corpus,
           "DOSSIER_BENCH_INDEX": dossier.index}
    env.pop("DOSSIER_BENCH_AS", None)
    if as_user:
        env["DOSSIER_BENCH_AS"] = as_user
    done = subprocess.run(["cargo", "bench", "--locked", "--bench", "search"], cwd=repo,
                          env=env, capture_output=True, text=True, check=True)
    # search  QUERY   12.345 ms median,    11.234 ms fastest, 81 runs, 71429 customers
    line_re = re.compile(r"^(search|watcher)\s+(.*?)\s{2,}([\d.]+) ms median,\s+([\d.]+) ms "
                         r"fastest, (\d+) runs, (\d+) customers$")
    rows = {}
    for line in done.stdout.splitlines():
        found = line_re.match(line)
        if not found:
            continue
        how, query, median, fastest, runs, customers = found.groups()
        row = rows.setdefault(query, {"query": query})
        row[how] = {"median_ms": float(median), "fastest_ms": float(fastest),
                    "runs": int(runs), "customers": int(customers)}
    for row in rows.values():
        if {"search", "watcher"} <= row.keys() and \
                row["search"]["customers"] != row["watcher"]["customers"]:
            raise SystemExit(f"bench: {row['query']}: the watcher's index found "
                             f"{row['watcher']['customers']} customers, the one-shot "
                             f"index {row['search']['customers']}")
    log(f"query path: {len(rows)} shapes")
    return list(rows.values())


# ---------------------------------------------------------------------------------
# Watcher
# ---------------------------------------------------------------------------------

class Watcher:
    """A running `dossier watch` whose stderr is collected by a thread."""

    def __init__(self, dossier):
        self.lines = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(dossier.command("watch"), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()

    def _read_stderr(self):
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))
            if "watching" in line:
                self.ready.set()

    def wait_ready(self, timeout):
        """Waits for the "watching" line; fails if the watcher exits or times out."""
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dossier watch did not start: " + " | ".join(self.lines))

    def rss_mb(self, field="VmRSS"):
        """A resident size from /proc/PID/status in MB: VmRSS (all), RssAnon (the
        process's own memory) or RssFile (mapped files: the index, the binary)."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError(f"no {field} in /proc status")

    def cpu_seconds(self):
        """utime + stime of the watcher so far, in seconds."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        """SIGINT, then the exit code (killed and None if it ignores it for 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = None
        self.reader.join(timeout=5)
        return code


def watch_file(corpus, round_number):
    """Path of the customer file the watch phase writes in round `round_number`."""
    return os.path.join(corpus, "customers", f"{WATCH_PREFIX}{round_number}.json")


def write_customer(path, round_number):
    """Writes a small new customer whose name is unique to this round."""
    record = {"id": f"benchwatch{round_number}", "kind": "customer",
              "name": f"基准客户{round_number}", "owner": "刘芳", "interests": ["话剧"]}
    with open(path, "w", encoding="utf-8") as file:
        json.dump(record, file, ensure_ascii=False)


def wait_until(dossier, round_number, present, timeout=30.0):
    """Polls `name:基准客户N` until the customer is (or is no longer) found.

    Returns the seconds waited, or None on timeout.
    """
    wanted = f"benchwatch{round_number}"
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        _, output = dossier.search_json(f"name:基准客户{round_number}")
        if (wanted in {hit["id"] for hit in output["hits"]}) == present:
            return time.perf_counter() - started
        time.sleep(POLL_PAUSE)
    return None


def saved_to_searchable(dossier, corpus):
    """Writes WATCH_ROUNDS new customers, timing each until a search finds it."""
    latencies, timeouts = [], 0
    for round_number in range(WATCH_ROUNDS):
        write_customer(watch_file(corpus, round_number), round_number)
        waited = wait_until(dossier, round_number, present=True)
        if waited is None:
            timeouts += 1
        else:
            latencies.append(waited)
        time.sleep(0.05)
    return latencies, timeouts


def delete_phase_files(corpus, prefix):
    """Deletes every customer file a phase adds, named `prefix…` (also ones an
    interrupted run left)."""
    folder = os.path.join(corpus, "customers")
    stale = [name for name in os.listdir(folder) if name.startswith(prefix)]
    for name in stale:
        os.remove(os.path.join(folder, name))
    return len(stale)


def delete_watch_files(corpus):
    """Deletes every file the watch phase adds (also ones an interrupted run left)."""
    return delete_phase_files(corpus, WATCH_PREFIX)


def idle_cpu_percent(watcher):
    """CPU used by the watcher over IDLE_SECONDS without changes, as % of one core."""
    before, started = watcher.cpu_seconds(), time.monotonic()
    time.sleep(IDLE_SECONDS)
    return 100 * (watcher.cpu_seconds() - before) / (time.monotonic() - started)


def measure_watch(dossier, corpus, agenda_owner):
    """The watch phase: start, saved→searchable rounds, memory, idle CPU, stop."""
    log(f"watch: {WATCH_ROUNDS} saved→searchable rounds")
    watcher = Watcher(dossier)
    try:
        started = time.perf_counter()
        watcher.wait_ready(timeout=600)
        startup = time.perf_counter() - started
        rss_ready = watcher.rss_mb()
        log("search: every shape again, answered by the running watcher")
        searches = measure_search(dossier.via("only"))
        log("agenda: answered by the running watcher")
        agenda = measure_agenda(dossier.via("only"), agenda_owner)
        rss_searched = watcher.rss_mb()
        latencies, timeouts = saved_to_searchable(dossier, corpus)
        # The watcher keeps each agenda it rendered until its next commit
        # (src/serve/agendas.rs): the rounds above committed, so this one is made.
        agenda_fresh_ms = dossier.via("only").agenda_json(None)[0] * 1000
        log(f"agenda (all), the first after a commit: {agenda_fresh_ms:.1f} ms")
        time.sleep(1)
        rss = watcher.rss_mb()
        rss_anon, rss_file = watcher.rss_mb("RssAnon"), watcher.rss_mb("RssFile")
        delete_watch_files(corpus)
        removal = wait_until(dossier, WATCH_ROUNDS - 1, present=False)
        last_search = time.monotonic()
        time.sleep(2)
        log(f"watch: idle CPU over {IDLE_SECONDS} s")
        idle = idle_cpu_percent(watcher)
        # After RELEASE_AFTER_S without a search the watcher lets go of its open
        # index (src/bin/dossier/socket.rs): its mapped index pages leave its RSS.
        log(f"watch: RSS after {RELEASE_AFTER_S} s without searches")
        time.sleep(max(0.0, last_search + RELEASE_AFTER_S + 3 - time.monotonic()))
        rss_quiet = {field: watcher.rss_mb(field) for field in ("VmRSS", "RssAnon", "RssFile")}
    finally:
        delete_watch_files(corpus)
        exit_code = watcher.stop()
    result = {"startup_s": startup, "timeouts": timeouts, "rss_mb": rss, "rss_quiet": rss_quiet,
              "rss_anon_mb": rss_anon, "rss_file_mb": rss_file,
              "rss_ready_mb": rss_ready, "rss_searched_mb": rss_searched, "search": searches,
              "agenda": agenda, "agenda_fresh_ms": agenda_fresh_ms,
              "removal_searchable_s": removal, "idle_cpu_percent": idle,
              "sigint_exit": exit_code, "stderr_tail": watcher.lines[-3:]}
    if latencies:
        result["searchable"] = latency_summary(latencies)
    return result


# ---------------------------------------------------------------------------------
# Agenda
# ---------------------------------------------------------------------------------

def busiest_owner(agenda):
    """The owner listed most often in an agenda (items and attention): a busy
    rep's morning agenda. Chinese names win ties (they are the team file's)."""
    counts = {}
    for row in agenda["items"] + agenda["attention"]:
        if row.get("owner"):
            counts[row["owner"]] = counts.get(row["owner"], 0) + 1
    if not counts:
        return None
    return max(sorted(counts), key=lambda owner: (counts[owner], not owner.isascii()))


def agenda_shapes(owner):
    """(shape, owner) pairs: the whole knowledge base, then one owner's agenda."""
    return [("whole knowledge base", None)] + ([(f"`--owner {owner}`", owner)] if owner else [])


def measure_agenda(dossier, owner):
    """`agenda --json` latency (one-shot processes), the whole knowledge base and one
    owner's, in interleaved rounds as the search shapes are."""
    shapes = agenda_shapes(owner)
    walls = {shape: [] for shape, _ in shapes}
    outputs = {}
    for round_number in range(SEARCH_WARMUP + AGENDA_RUNS):
        for shape, who in shapes:
            wall, outputs[shape] = dossier.agenda_json(who)
            if round_number >= SEARCH_WARMUP:
                walls[shape].append(wall)
    rows = []
    for shape, who in shapes:
        output = outputs[shape]
        row = {"shape": shape, "owner": who, **latency_summary(walls[shape]),
               "items": len(output["items"]), "attention": len(output["attention"])}
        log(f"agenda {who or '(all)'}: p50 {row['p50_ms']:.1f} ms, {row['items']} items, "
            f"{row['attention']} need attention")
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------
# dossier serve (HTTP)
# ---------------------------------------------------------------------------------

class Server(Watcher):
    """A running `dossier serve --listen 127.0.0.1:0`: a watcher that also serves
    HTTP; its address is read from the "listening on http://ADDR" line."""

    def __init__(self, dossier):
        self.address = None
        self.listening = threading.Event()
        self.lines = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(dossier.command("serve", "--listen", "127.0.0.1:0"),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()

    def _read_stderr(self):
        for line in self.process.stderr:
            line = line.rstrip("\n")
            self.lines.append(line)
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                self.address = found.group(1)
                self.listening.set()
            if "watching" in line:
                self.ready.set()

    def get(self, path, **params):
        """GET path?params; returns (wall seconds, status, parsed JSON body). A new
        connection per request (urllib, no keep-alive), timed from before the
        connection to the last byte of the body."""
        url = self.address + path + ("?" + urllib.parse.urlencode(params) if params else "")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                body, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        return time.perf_counter() - started, status, json.loads(body)


def http_request(shape_row):
    """The API route and parameters of one SEARCH_SHAPES row."""
    _, subcommand, query = shape_row
    params = {}
    if query.startswith("--sort "):
        _, order, query = query.split(" ", 2)
        params["sort"] = order
    return f"/api/{subcommand}", {"q": query, **params}


def measure_http(server, agenda_owner):
    """GET /api/search (or /api/ask) for every search shape and GET /api/agenda,
    in interleaved rounds."""
    requests = [(shape, *http_request(row)) for row in SEARCH_SHAPES for shape in [row[0]]]
    requests += [(f"agenda: {shape}", "/api/agenda", {"owner": who} if who else {})
                 for shape, who in agenda_shapes(agenda_owner)]
    walls = {shape: [] for shape, _, _ in requests}
    outputs = {}
    for round_number in range(SEARCH_WARMUP + HTTP_RUNS):
        for shape, path, params in requests:
            wall, status, outputs[shape] = server.get(path, **params)
            if status != 200:
                raise RuntimeError(f"GET {path} {params}: {status} {outputs[shape]}")
            if round_number >= SEARCH_WARMUP:
                walls[shape].append(wall)
    rows = []
    for shape, path, params in requests:
        output = outputs[shape]
        row = {"shape": shape, "path": path, "params": params, **latency_summary(walls[shape])}
        if "total" in output:
            row["total"] = output["total"]
        else:
            row["items"], row["attention"] = len(output["items"]), len(output["attention"])
        log(f"GET {path} {params}: p50 {row['p50_ms']:.1f} ms")
        rows.append(row)
    return rows


def serve_file(corpus, round_number):
    """Path of the customer file the serve phase writes in round `round_number`."""
    return os.path.join(corpus, "customers", f"{SERVE_PREFIX}{round_number}.json")


def delete_serve_files(corpus):
    """Deletes every file the serve phase adds (also ones an interrupted run left)."""
    return delete_phase_files(corpus, SERVE_PREFIX)


def saved_to_visible(server, corpus):
    """Writes WATCH_ROUNDS new customers, timing each until `/api/search` finds it
    (what the page's next search would show)."""
    latencies, timeouts = [], 0
    for round_number in range(WATCH_ROUNDS):
        number = 1000 + round_number  # other names than the watch phase's
        with open(serve_file(corpus, round_number), "w", encoding="utf-8") as file:
            json.dump({"id": f"benchserve{round_number}", "kind": "customer",
                       "name": f"基准客户{number}", "owner": "刘芳", "interests": ["话剧"]},
                      file, ensure_ascii=False)
        started = time.perf_counter()
        while True:
            _, _, output = server.get("/api/search", q=f"name:基准客户{number}")
            if f"benchserve{round_number}" in {hit["id"] for hit in output["hits"]}:
                latencies.append(time.perf_counter() - started)
                break
            if time.perf_counter() - started > 30:
                timeouts += 1
                break
            time.sleep(POLL_PAUSE)
        time.sleep(0.05)
    return latencies, timeouts


def measure_serve(dossier, corpus, agenda_owner):
    """The serve phase: start `dossier serve`, time the API, its memory, and saved →
    visible through `/api/search`; stop it."""
    log("serve: start dossier serve")
    server = Server(dossier)
    try:
        started = time.perf_counter()
        server.wait_ready(timeout=600)
        startup = time.perf_counter() - started
        if not server.listening.is_set():
            raise RuntimeError("dossier serve did not say where it listens: "
                               + " | ".join(server.lines))
        rss_ready = server.rss_mb()
        log(f"serve: every shape over HTTP, {HTTP_RUNS} runs")
        rows = measure_http(server, agenda_owner)
        rss_searched = server.rss_mb()
        log(f"serve: {WATCH_ROUNDS} saved → visible rounds")
        latencies, timeouts = saved_to_visible(server, corpus)
        time.sleep(1)
        rss = {field: server.rss_mb(field) for field in ("VmRSS", "RssAnon", "RssFile")}
    finally:
        delete_serve_files(corpus)
        exit_code = server.stop()
    result = {"startup_s": startup, "address": server.address, "http": rows,
              "rss_ready_mb": rss_ready, "rss_searched_mb": rss_searched, "rss": rss,
              "timeouts": timeouts, "sigint_exit": exit_code,
              "stderr_tail": server.lines[-3:]}
    if latencies:
        result["visible"] = latency_summary(latencies)
    return result


# ---------------------------------------------------------------------------------
# A rep's view (a team file): the cost of the visibility clause
# ---------------------------------------------------------------------------------

def team_copy(corpus, work, generator, suffix):
    """A copy of the corpus made of hard links (no file is copied; the corpus itself
    never gets a team file, so every other phase reads it without one), with the
    team file `gen_corpus --team` writes. Returns its path."""
    copy = os.path.join(work, f"team-{suffix}")
    shutil.rmtree(copy, ignore_errors=True)
    done = subprocess.run(["cp", "-al", corpus, copy], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"cp -al {corpus} {copy}: {done.stderr.strip()}")
    scratch = os.path.join(work, "team-file")
    shutil.rmtree(scratch, ignore_errors=True)
    # The team file names the generator's reps, whatever the corpus's size.
    subprocess.run([generator, "--out", scratch, "--customers", "10", "--notes", "10",
                    "--team"], capture_output=True, check=True)
    shutil.copy(os.path.join(scratch, "dossier-team.toml"), copy)
    shutil.rmtree(scratch, ignore_errors=True)
    return copy


def measure_rep_view(everyone, rep, repo):
    """Each search shape through a watcher of the team copy, as `rep` sees it and as
    everyone (no `--as`) does, in interleaved rounds; then the same in one process
    (`cargo bench --bench search`, with and without DOSSIER_BENCH_AS)."""
    log(f"rep view: {rep} against everyone, through the watcher")
    watcher = Watcher(everyone)
    try:
        watcher.wait_ready(timeout=1200)
        as_rep = everyone.reading_as(rep).via("only")
        all_of_it = everyone.via("only")
        walls = {(index, who): [] for index in range(len(SEARCH_SHAPES))
                 for who in ("everyone", "rep")}
        totals = {}
        for round_number in range(SEARCH_WARMUP + SEARCH_RUNS):
            for index, (_, subcommand, query) in enumerate(SEARCH_SHAPES):
                for who, dossier in (("everyone", all_of_it), ("rep", as_rep)):
                    wall, output = dossier.search_json(query, subcommand)
                    totals[(index, who)] = output["total"]
                    if round_number >= SEARCH_WARMUP:
                        walls[(index, who)].append(wall)
        agenda = {who: measure_agenda(dossier, None)[0]
                  for who, dossier in (("everyone", all_of_it), ("rep", as_rep))}
    finally:
        watcher.stop()
    rows = []
    for index, (shape, subcommand, query) in enumerate(SEARCH_SHAPES):
        everyone_row = latency_summary(walls[(index, "everyone")])
        rep_row = latency_summary(walls[(index, "rep")])
        rows.append({"shape": shape, "command": subcommand, "query": query,
                     "everyone": {**everyone_row, "total": totals[(index, "everyone")]},
                     "rep": {**rep_row, "total": totals[(index, "rep")]},
                     "ratio": rep_row["p50_ms"] / everyone_row["p50_ms"]})
        log(f"rep view {query}: {rows[-1]['ratio']:.2f}×")
    log("rep view: in one process (cargo bench --bench search)")
    in_process = {"everyone": measure_query_path(repo, everyone),
                  "rep": measure_query_path(repo, everyone, as_user=rep)}
    return {"rep": rep, "corpus": everyone.corpus, "index": everyone.index,
            "searches": rows, "agenda": agenda, "in_process": in_process}


# ---------------------------------------------------------------------------------
# SQLite FTS5 (trigram)
# ---------------------------------------------------------------------------------

def text_values(value):
    """Every string inside a JSON value, depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from text_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_values(item)


def linked_customers(record):
    """The customer ids a record belongs to: its own id, or the ones a note links."""
    if record.get("kind") == "customer":
        return [record["id"]]
    linked = record.get("customers") or []
    return linked + ([record["customer"]] if record.get("customer") else [])


def corpus_records(corpus):
    """Yields (relative path, record) for every record of every .json file."""
    for folder, _, names in os.walk(corpus):
        for name in sorted(names):
            if not name.endswith(".json"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as file:
                parsed = json.load(file)
            for record in parsed if isinstance(parsed, list) else [parsed]:
                yield os.path.relpath(path, corpus), record


def build_fts(corpus, database):
    """Builds the FTS5 trigram table; returns (build stats, {path: customer ids}).

    One row per record: id, kind, linked customer ids, all its text. The build time
    includes reading and parsing the JSON, as dossier's does.
    """
    if os.path.exists(database):
        os.remove(database)
    owners = {}

    def rows():
        for path, record in corpus_records(corpus):
            customers = linked_customers(record)
            owners.setdefault(path, set()).update(customers)
            yield (record.get("id", path), record.get("kind", ""), " ".join(customers),
                   "\n".join(text_values(record)))

    started = time.perf_counter()
    connection = sqlite3.connect(database)
    connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                             "CREATE VIRTUAL TABLE records USING fts5(id UNINDEXED, "
                             "kind UNINDEXED, customers UNINDEXED, body, tokenize='trigram');")
    with connection:
        inserted = connection.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", rows())
        connection.execute("INSERT INTO records(records) VALUES ('optimize')")
    connection.close()
    build = {"build_s": time.perf_counter() - started, "bytes": os.path.getsize(database),
             "rows": inserted.rowcount}
    return build, owners


def fts_customers(connection, where, parameter):
    """Runs one lookup; returns (seconds, set of customer ids of the matching rows)."""
    started = time.perf_counter()
    found = set()
    for (customers,) in connection.execute(f"SELECT customers FROM records WHERE {where}",
                                           (parameter,)):
        found.update(customers.split())
    return time.perf_counter() - started, found


def timed_lookups(connection, where, parameter, runs):
    """Latency summary and customer count of `runs` identical lookups."""
    lookups = [fts_customers(connection, where, parameter) for _ in range(runs)]
    return {**latency_summary([lookup[0] for lookup in lookups]),
            "customers": len(lookups[0][1])}


def measure_fts_question(connection, question):
    """MATCH latency and customers for one question.

    A word under 3 characters has no trigram, so this also tries LIKE (which FTS5
    still answers from the trigram index) and a full scan with instr().
    """
    word = question["word"]
    result = {"match": question["fts"],
              **timed_lookups(connection, "records MATCH ?", question["fts"], FTS_RUNS)}
    if len(word) < 3:
        result["like"] = timed_lookups(connection, "body LIKE ?", f"%{word}%", FTS_RUNS)
        result["scan"] = timed_lookups(connection, "instr(body, ?) > 0", word, SCAN_RUNS)
    return result


def measure_fts(corpus, work, suffix):
    """Builds the FTS5 database and times every question of QUESTIONS against it."""
    database = os.path.join(work, f"fts-{suffix}.sqlite")
    log("SQLite FTS5 trigram: build")
    build, owners = build_fts(corpus, database)
    log(f"SQLite FTS5 build: {build['build_s']:.1f} s")
    connection = sqlite3.connect(database)
    questions = {q["label"]: measure_fts_question(connection, q) for q in QUESTIONS}
    connection.close()
    result = {"build": build, "questions": questions, "sqlite_version": sqlite3.sqlite_version}
    return result, owners


# ---------------------------------------------------------------------------------
# Comparison answers: dossier's full customer sets and ripgrep's
# ---------------------------------------------------------------------------------

def rg_files(corpus, word):
    """`rg -l --fixed-strings WORD CORPUS`: (seconds, set of relative paths)."""
    wall, done = timed(["rg", "-l", "--fixed-strings", word, corpus])
    if done.returncode not in (0, 1):
        raise RuntimeError(f"rg failed: {done.stderr.decode(errors='replace')}")
    paths = {os.path.relpath(line, corpus) for line in done.stdout.decode().splitlines()}
    return wall, paths


def customers_of(paths, owners):
    """The customer ids the files in `paths` belong to."""
    found = set()
    for path in paths:
        found |= owners.get(path, set())
    return found


def compare_rg_question(corpus, question, owners, expected):
    """rg's answer to one question next to dossier's `expected` customer set."""
    runs = [rg_files(corpus, question["word"]) for _ in range(RG_RUNS)]
    files = runs[0][1]
    found = customers_of(files, owners)
    both = found & expected
    result = {**latency_summary([r[0] for r in runs]), "files": len(files),
              "customers": len(found), "agree": len(both),
              "rg_only": len(found - expected), "missed": len(expected - found),
              "recall": len(both) / len(expected) if expected else None,
              "precision": len(both) / len(found) if found else None,
              "aliases": {}, "false_friends": {}}
    covered = set(found)
    for alias in question["aliases"]:
        extra = customers_of(rg_files(corpus, alias)[1], owners) & expected
        result["aliases"][alias] = len(extra - covered)
        covered |= extra
    result["missed_with_aliases"] = len(expected - covered)
    for word in question["false_friends"]:
        result["false_friends"][word] = len(rg_files(corpus, word)[1])
    return result


def measure_rg(corpus, owners, expected_sets):
    """Compares `rg -l` with dossier on every question, or says rg is missing."""
    if shutil.which("rg") is None:
        log("rg is not available: skipping its comparison")
        return {"available": False}
    version = subprocess.run(["rg", "--version"], capture_output=True, text=True)
    result = {"available": True, "version": version.stdout.splitlines()[0], "questions": {}}
    for question in QUESTIONS:
        log(f"rg -l {question['word']}")
        result["questions"][question["label"]] = compare_rg_question(
            corpus, question, owners, expected_sets[question["label"]])
    return result


def dossier_answers(dossier, search_rows):
    """dossier's full customer set for every comparison question.

    The latency is the one measured for the same query in the search phase.
    """
    latency = {row["query"]: row for row in search_rows if row["command"] == "search"}
    answers = {}
    for question in QUESTIONS:
        ids = dossier.customer_ids(question["query"])
        answers[question["label"]] = {"ids": ids, "customers": len(ids),
                                      "p50_ms": latency[question["query"]]["p50_ms"]}
    return answers


# ---------------------------------------------------------------------------------
# Machine description
# ---------------------------------------------------------------------------------

def first_line_with(path, prefix):
    """The value after ':' of the first line of `path` starting with `prefix`."""
    with open(path) as file:
        for line in file:
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    return "unknown"


def machine_info():
    """CPU count and model, memory, kernel and rustc version."""
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True)
    memory_kb = int(first_line_with("/proc/meminfo", "MemTotal").split()[0])
    return {"nproc": len(os.sched_getaffinity(0)),
            "cpu": first_line_with("/proc/cpuinfo", "model name"),
            "memory_gb": memory_kb / 1024 / 1024,
            "kernel": platform.release(),
            "rustc": rustc.stdout.strip() or "unknown",
            "python": platform.python_version()}


# ---------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------

ANALYSIS_HEADING = "## Analysis"
ANALYSIS_PLACEHOLDER = "<!-- analysis: written by hand, kept across runs -->"


def verdict(value, limit, at_most=True):
    """"met" or "**missed**" for a measured value against its target."""
    if value is None:
        return "n/a"
    return "met" if (value <= limit if at_most else value >= limit) else "**missed**"


def fmt_ms(value):
    """Milliseconds with a precision that suits their size."""
    if value is None:
        return "—"
    return f"{value:.2f} ms" if value < 1 else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def fmt_pct(value):
    """A 0..1 ratio as a percentage, or a dash."""
    return "—" if value is None else f"{100 * value:.0f} %"


def table(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def indexing_table(results):
    """Indexing, floors, ratios, size and memory against their targets."""
    floors, ix, t = results["floors"], results["indexing"], TARGETS
    full = ix["full"]
    mb = floors["bytes"] / 1e6
    return table(["measurement", "value", "target", "status"], [
        ["read floor: every file, 2 parallel `cat`", f"{floors['read_s']:.2f} s "
         f"({mb / floors['read_s']:.0f} MB/s)", "—", ""],
        ["stat floor: `os.walk` + `os.stat` (python)", f"{floors['stat_walk_s']:.2f} s", "—", ""],
        ["full index from empty", f"{full['wall_s']:.1f} s", f"≤ {t['full_index_s']:.0f} s",
         verdict(full["wall_s"], t["full_index_s"])],
        ["full index throughput", f"{ix['records_per_s']:,.0f} records/s · "
         f"{ix['files_per_s']:,.0f} files/s · {ix['mb_per_s']:.1f} MB/s",
         f"≥ {t['full_index_docs_per_s']:,} docs/s",
         verdict(ix["records_per_s"], t["full_index_docs_per_s"], at_most=False)],
        ["full index ÷ read floor", f"{ix['vs_read_floor']:.1f}×",
         f"≤ {t['full_index_vs_read_floor']:.0f}×",
         verdict(ix["vs_read_floor"], t["full_index_vs_read_floor"])],
        ["full index peak RSS", f"{full['peak_rss_mb']:.0f} MB", "—", ""],
        ["re-index, nothing changed (median of 3)", f"{ix['reindex_s']:.2f} s "
         f"({ix['reindex_vs_stat_walk']:.1f}× the stat floor; peak RSS "
         f"{ix['reindex_peak_rss_mb']:.0f} MB)", f"≤ {t['reindex_s']} s",
         verdict(ix["reindex_s"], t["reindex_s"])],
        ["index size", f"{ix['index_bytes'] / 1e6:.1f} MB = {ix['index_vs_corpus']:.2f}× "
         f"the corpus", f"≤ {t['index_vs_corpus']}×",
         verdict(ix["index_vs_corpus"], t["index_vs_corpus"])],
    ])


def shape_query(row):
    """The command of a search row, with the query `ask` understood."""
    cell = f"`{row['command']} {row['query']}`"
    return cell + (f" → `{row['understood']}`" if row["understood"] else "")


def search_table(results):
    """One-shot latency of every search shape: searching alone, and answered by a
    running watcher (same output, checked: the totals must agree)."""
    limit = TARGETS["search_p50_ms"]
    served = results["watch"]["search"]
    rows = []
    for row, via in zip(results["search"], served):
        if via["total"] != row["total"]:
            raise RuntimeError(f"{row['query']}: {row['total']} hits alone, "
                               f"{via['total']} from the watcher")
        rows.append([row["shape"], shape_query(row), fmt_ms(row["p50_ms"]),
                     fmt_ms(row["p95_ms"]), fmt_ms(via["p50_ms"]), fmt_ms(via["p95_ms"]),
                     f"{row['total']:,}", verdict(row["p50_ms"], limit),
                     verdict(via["p50_ms"], limit)])
    start = results["process_start"]
    rows.append(["(process start: `/bin/true`)", "—", fmt_ms(start["p50_ms"]),
                 fmt_ms(start["p95_ms"]), "", "", "—", "", ""])
    return table(["shape", "query", "alone p50", "alone p95", "watcher p50", "watcher p95",
                  "total hits", f"alone: p50 ≤ {limit:.0f} ms",
                  f"watcher: p50 ≤ {limit:.0f} ms"], rows)


def cache_sentence(results):
    """How much of the index the page cache held around the search rounds."""
    before = results.get("index_cached_before_search")
    after = results.get("index_cached_after_search")
    if before is None or after is None:
        return "(`fincore` is not installed: how much of the index was cached is unknown.)"
    return (f"Share of the index in the page cache (`fincore`): {before:.0%} before the "
            f"warm-up runs, {after:.0%} after the last round; what is not cached is read "
            "from disk by the search that needs it.")


def query_path_table(results):
    """In-process latency of the query path, per shape: opened as a one-shot search
    opens the index, and held as a running watcher holds it."""
    def cell(row, how, key):
        return fmt_ms(row[how][key]) if how in row else "—"
    rows = [[f"`{row['query']}`", cell(row, "search", "median_ms"),
             cell(row, "search", "fastest_ms"), cell(row, "watcher", "median_ms"),
             cell(row, "watcher", "fastest_ms")] for row in results.get("query_path", [])]
    return table(["query", "one-shot median", "one-shot fastest", "watcher median",
                  "watcher fastest"], rows)


def watch_table(results):
    """Watcher latency, memory, idle CPU and shutdown."""
    watch, t = results["watch"], TARGETS
    searchable = watch.get("searchable", {})
    removal = watch["removal_searchable_s"]
    return table(["measurement", "value", "target", "status"], [
        ["start-up until \"watching\" (index up to date)", f"{watch['startup_s']:.2f} s", "—", ""],
        [f"saved → searchable p50 ({searchable.get('n', 0)} rounds, "
         f"{watch['timeouts']} timeouts)", fmt_ms(searchable.get("p50_ms")),
         f"≤ {t['searchable_p50_ms']:.0f} ms",
         verdict(searchable.get("p50_ms"), t["searchable_p50_ms"])],
        ["saved → searchable p95", fmt_ms(searchable.get("p95_ms")),
         f"≤ {t['searchable_p95_ms']:.0f} ms",
         verdict(searchable.get("p95_ms"), t["searchable_p95_ms"])],
        ["deleted → gone from results (last of 20 deletions)",
         "timeout" if removal is None else fmt_ms(removal * 1000), "—", ""],
        ["RSS (VmRSS) when ready / after the search rounds it answered",
         f"{watch['rss_ready_mb']:.0f} / {watch['rss_searched_mb']:.0f} MB", "—", ""],
        ["steady RSS (VmRSS) after the rounds", f"{watch['rss_mb']:.0f} MB "
         f"({watch['rss_anon_mb']:.0f} MB its own, {watch['rss_file_mb']:.0f} MB mapped "
         "files: index pages read by searches, the binary)",
         f"≤ {t['watcher_rss_mb']:.0f} MB", verdict(watch["rss_mb"], t["watcher_rss_mb"])],
        [f"RSS (VmRSS) after {RELEASE_AFTER_S} s without searches (it lets go of its open index)",
         f"{watch['rss_quiet']['VmRSS']:.0f} MB ({watch['rss_quiet']['RssAnon']:.0f} MB its own, "
         f"{watch['rss_quiet']['RssFile']:.0f} MB mapped files)",
         f"≤ {t['watcher_rss_mb']:.0f} MB", verdict(watch['rss_quiet']['VmRSS'], t["watcher_rss_mb"])],
        [f"idle CPU over {IDLE_SECONDS} s, no changes", f"{watch['idle_cpu_percent']:.2f} % "
         "of one core", "—", ""],
        ["exit status after SIGINT", str(watch["sigint_exit"]), "0",
         "met" if watch["sigint_exit"] == 0 else "**missed**"],
    ])


def cost_table(results):
    """Build time, on-disk size and query latency of the three approaches."""
    ix, fts = results["indexing"], results["fts"]
    dossier_p50 = [answer["p50_ms"] for answer in results["answers"].values()]
    fts_p50 = [q["p50_ms"] for q in fts["questions"].values()]
    rows = [["dossier (tantivy)", f"{ix['full']['wall_s']:.1f} s",
             f"{ix['index_bytes'] / 1e6:.1f} MB",
             f"{fmt_ms(min(dossier_p50))} – {fmt_ms(max(dossier_p50))}", "yes, included"]]
    rg = results["rg"]
    if rg["available"]:
        rg_p50 = [q["p50_ms"] for q in rg["questions"].values()]
        rows.append([f"`rg -l` ({rg['version']})", "none", "none",
                     f"{fmt_ms(min(rg_p50))} – {fmt_ms(max(rg_p50))}", "yes, included"])
    else:
        rows.append(["`rg -l`", "not available", "—", "—", "—"])
    rows.append([f"SQLite {fts['sqlite_version']} FTS5 trigram", f"{fts['build']['build_s']:.1f} s",
                 f"{fts['build']['bytes'] / 1e6:.1f} MB",
                 f"{fmt_ms(min(fts_p50))} – {fmt_ms(max(fts_p50))} (MATCH)",
                 f"no: in-process; a one-shot CLI adds ≥ "
                 f"{fmt_ms(results['process_start']['p50_ms'])} plus opening the database"])
    return table(["approach", "build", "on disk", "query p50 (comparison questions)",
                  "process start in the time?"], rows)


def rg_note(question, rg):
    """What rg gets right and wrong for one question, from the measured sets."""
    parts = [f"{rg['files']:,} files → {rg['customers']:,} customers; recall "
             f"{fmt_pct(rg['recall'])}, precision {fmt_pct(rg['precision'])} "
             f"({rg['missed']:,} missed, {rg['rg_only']:,} not in dossier's answer)"]
    gains = [f"{alias} +{count:,}" for alias, count in rg["aliases"].items() if count]
    if gains:
        parts.append(f"grepping the aliases too finds {', '.join(gains)}; "
                     f"{rg['missed_with_aliases']:,} still missed")
    friends = [f"{word} in {count:,} files" for word, count in rg["false_friends"].items()]
    if friends:
        parts.append("false friends a plain grep counts: " + ", ".join(friends))
    if question["rg_extra"]:
        parts.append(question["rg_extra"])
    return "; ".join(parts)


def fts_note(fts):
    """The FTS5 answer for one question, with the LIKE fallback when MATCH cannot work."""
    note = f"MATCH `{fts['match']}`: {fts['customers']:,} customers in {fmt_ms(fts['p50_ms'])}"
    if "scan" in fts:
        like, scan = fts["like"], fts["scan"]
        note += (f"; a 2-character word has no trigram: LIKE `%…%` gives {like['customers']:,} "
                 f"customers in {fmt_ms(like['p50_ms'])}, only a full scan with `instr()` "
                 f"answers: {scan['customers']:,} customers in {fmt_ms(scan['p50_ms'])}")
    return note


def answers_table(results):
    """Per question: dossier's answer, rg's and FTS5's, with concrete differences."""
    rows = []
    for question in QUESTIONS:
        label = question["label"]
        mine = results["answers"][label]
        rg = results["rg"]
        rg_cell = (f"{fmt_ms(rg['questions'][label]['p50_ms'])}: "
                   f"{rg_note(question, rg['questions'][label])}"
                   if rg["available"] else "not available")
        rows.append([f"`{question['query']}`",
                     f"{mine['customers']:,} customers, {fmt_ms(mine['p50_ms'])}",
                     rg_cell, fts_note(results["fts"]["questions"][label])])
    return table(["question", "dossier", "`rg -l --fixed-strings` (word: the Chinese or "
                  "English term)", "SQLite FTS5 trigram"], rows)


def agenda_table(results):
    """`agenda --json` alone and answered by a running watcher, against the target."""
    limit = TARGETS["agenda_p50_ms"]
    rows = []
    fresh = results["watch"].get("agenda_fresh_ms")
    for alone, via in zip(results["agenda"], results["watch"]["agenda"]):
        first = fmt_ms(fresh) if fresh is not None and alone["owner"] is None else "—"
        rows.append([alone["shape"], f"{alone['items']:,} / {alone['attention']:,}",
                     fmt_ms(alone["p50_ms"]), fmt_ms(alone["p95_ms"]), fmt_ms(via["p50_ms"]),
                     fmt_ms(via["p95_ms"]), first, verdict(via["p50_ms"], limit)])
    return table(["agenda", "items / need attention", "alone p50", "alone p95",
                  "watcher p50", "watcher p95", "watcher, first after a commit",
                  f"watcher: p50 ≤ {limit:.0f} ms"], rows)


def http_table(results):
    """GET /api/… latency per shape against the targets of issue 18 (the agenda's
    against its own)."""
    serve, t = results["serve"], TARGETS
    rows = []
    for row in serve["http"]:
        query = "&".join(f"{key}={value}" for key, value in row["params"].items())
        answered = (f"{row['total']:,}" if "total" in row
                    else f"{row['items']:,} items, {row['attention']:,} need attention")
        if row["path"] == "/api/agenda":
            p50_cell = verdict(row["p50_ms"], t["agenda_p50_ms"]) + \
                f" (agenda: ≤ {t['agenda_p50_ms']:.0f} ms)"
            p95_cell = "—"
        else:
            p50_cell = verdict(row["p50_ms"], t["http_p50_ms"])
            p95_cell = verdict(row["p95_ms"], t["http_p95_ms"])
        rows.append([row["shape"], f"`GET {row['path']}{'?' + query if query else ''}`",
                     fmt_ms(row["p50_ms"]), fmt_ms(row["p95_ms"]), answered, p50_cell,
                     p95_cell])
    return table(["shape", "request", "p50", "p95", "total hits",
                  f"p50 ≤ {t['http_p50_ms']:.0f} ms", f"p95 ≤ {t['http_p95_ms']:.0f} ms"],
                 rows)


def serve_table(results):
    """The serve process: start-up, memory, saved → visible, shutdown."""
    serve, t = results["serve"], TARGETS
    visible = serve.get("visible", {})
    rss = serve["rss"]
    return table(["measurement", "value", "target", "status"], [
        ["start-up until \"watching\" (index up to date)", f"{serve['startup_s']:.2f} s",
         "—", ""],
        [f"saved → visible in `/api/search` p50 ({visible.get('n', 0)} rounds, "
         f"{serve['timeouts']} timeouts)", fmt_ms(visible.get("p50_ms")),
         f"≤ {t['visible_p50_ms']:.0f} ms", verdict(visible.get("p50_ms"), t["visible_p50_ms"])],
        ["saved → visible p95", fmt_ms(visible.get("p95_ms")),
         f"≤ {t['searchable_p95_ms']:.0f} ms",
         verdict(visible.get("p95_ms"), t["searchable_p95_ms"])],
        ["RSS (VmRSS) when ready / after the HTTP rounds",
         f"{serve['rss_ready_mb']:.0f} / {serve['rss_searched_mb']:.0f} MB", "—", ""],
        ["steady RSS (VmRSS) after the rounds (watcher + server, one process)",
         f"{rss['VmRSS']:.0f} MB ({rss['RssAnon']:.0f} MB its own, "
         f"{rss['RssFile']:.0f} MB mapped files)", f"≤ {t['serve_rss_mb']:.0f} MB",
         verdict(rss["VmRSS"], t["serve_rss_mb"])],
        ["exit status after SIGINT", str(serve["sigint_exit"]), "0",
         "met" if serve["sigint_exit"] == 0 else "**missed**"],
    ])


def rep_view_table(results):
    """A rep's view against everyone's, per shape, through the watcher."""
    view, limit = results["rep_view"], TARGETS["rep_view_ratio"]
    rows = []
    for row in view["searches"]:
        rows.append([row["shape"], f"`{row['command']} {row['query']}`",
                     fmt_ms(row["everyone"]["p50_ms"]), fmt_ms(row["rep"]["p50_ms"]),
                     f"{row['ratio']:.2f}×",
                     f"{row['everyone']['total']:,} / {row['rep']['total']:,}",
                     verdict(row["ratio"], limit)])
    agenda = view["agenda"]
    ratio = agenda["rep"]["p50_ms"] / agenda["everyone"]["p50_ms"]
    rows.append(["agenda", "`agenda --json`", fmt_ms(agenda["everyone"]["p50_ms"]),
                 fmt_ms(agenda["rep"]["p50_ms"]), f"{ratio:.2f}×",
                 f"{agenda['everyone']['items'] + agenda['everyone']['attention']:,} / "
                 f"{agenda['rep']['items'] + agenda['rep']['attention']:,} rows",
                 verdict(ratio, limit)])
    return table(["shape", "query", "everyone p50", f"as {view['rep']} p50", "ratio",
                  "total hits: everyone / rep", f"ratio ≤ {limit:.2f}"], rows)


def rep_view_in_process_table(results):
    """The same comparison inside one process, on the index as a watcher holds it."""
    view, limit = results["rep_view"], TARGETS["rep_view_ratio"]
    rep = {row["query"]: row for row in view["in_process"]["rep"]}
    rows = []
    for row in view["in_process"]["everyone"]:
        mine = rep.get(row["query"])
        if not mine or "watcher" not in row or "watcher" not in mine:
            continue
        ratio = mine["watcher"]["median_ms"] / row["watcher"]["median_ms"]
        rows.append([f"`{row['query']}`", fmt_ms(row["watcher"]["median_ms"]),
                     fmt_ms(mine["watcher"]["median_ms"]), f"{ratio:.2f}×",
                     f"{row['watcher']['customers']:,} / {mine['watcher']['customers']:,}",
                     verdict(ratio, limit)])
    return table(["query", "everyone median", f"as {view['rep']} median", "ratio",
                  "customers: everyone / rep", f"ratio ≤ {limit:.2f}"], rows)


def corpus_line(results):
    """One sentence describing the corpus."""
    floors, args = results["floors"], results["args"]
    return (f"{floors['files']:,} files, {args['customers'] + args['notes']:,} records "
            f"({args['customers']:,} customers + {args['notes']:,} meeting notes and visit "
            f"reports), {floors['bytes'] / 1e6:.1f} MB — `examples/gen_corpus.rs`, seed 42, "
            f"today {TODAY}, at `{args['corpus']}`")


def rep_view_intro(results):
    """What the rep-view tables compare, and why it is fair."""
    view = results["rep_view"]
    return (f"A team file changes the index (its `private_fields` are indexed apart), so "
            f"this runs on a copy of the corpus made of hard links, `{view['corpus']}`, "
            f"with the team file `gen_corpus --team` writes (a rep per sales rep, a "
            f"manager, an admin), indexed at `{view['index']}`; the corpus itself never "
            f"has one. One watcher of the copy answers both views over its socket, in "
            f"interleaved rounds: *everyone* (no `--as`: the person at the terminal sees "
            f"everything, no clause) and `--as {view['rep']}` (a rep: their customers and "
            f"the shared pool, the clause in every query). The rep sees fewer customers, "
            f"so totals and the work after the query differ; the ratio is the cost of "
            f"the view as a rep meets it.")


def render_report(results):
    """The generated part of the report: everything above `## Analysis`."""
    machine = results["machine"]
    return "\n\n".join([
        "# dossier benchmarks",
        f"Generated by `bench/run` on {results['date']}. Everything above "
        f"`{ANALYSIS_HEADING}` is regenerated on each run; the analysis is kept.",
        "## Setup",
        "\n".join([
            f"- Machine: {machine['nproc']} CPUs ({machine['cpu']}), "
            f"{machine['memory_gb']:.1f} GB RAM, Linux {machine['kernel']}, {machine['rustc']}, "
            f"Python {machine['python']}",
            f"- Command: `{results['args']['command']}`",
            f"- Corpus: {corpus_line(results)}",
            f"- Index: `{results['args']['index']}`; every command gets `--today {TODAY}`. "
            "The floors read the whole corpus first, but this VM's page cache does not keep "
            "files for long (see the share of the index cached, under Search latency).",
            "- Latencies are one-shot processes, start to exit, after "
            f"{SEARCH_WARMUP} warm-up runs; raw numbers in `{results['args']['json']}`.",
        ]),
        "## Indexing",
        indexing_table(results),
        f"## Search latency ({SEARCH_RUNS} runs each)",
        "Each round runs every shape once, one-shot processes start to exit. *Alone*: "
        "no watcher runs, the command opens the index itself. *Watcher*: the same "
        "rounds while `dossier watch` runs (in the watch phase, before its edits), which "
        "answers them over its socket (`DOSSIER_VIA_WATCHER=only`, so a search it did not "
        "answer fails the run). " + cache_sentence(results),
        search_table(results),
        "The same queries inside one process (`cargo bench --bench search` on this index: "
        "opened once, no process start, 20 hits as the command shows): the query path "
        "itself, with the index opened as a one-shot search opens it and as a running "
        "watcher holds it (customers numbered, `search::Ordinals`). Runs follow each other "
        "without a pause, so their caches stay warm; one-shot runs do not.",
        query_path_table(results),
        "## Watch",
        f"`dossier watch` running; each round writes a new customer file "
        f"(`customers/{WATCH_PREFIX}N.json`, name 基准客户N) and polls "
        "`dossier search --json name:基准客户N` until it is found.",
        watch_table(results),
        f"## Agenda ({AGENDA_RUNS} runs each)",
        f"`dossier agenda --json --today {TODAY}` (14 days), one-shot processes start to "
        "exit: the whole knowledge base, and the owner listed most often in it (a busy "
        "rep's morning agenda). *Alone*: the command opens the index itself. *Watcher*: "
        "answered by the running `dossier watch` over its socket "
        "(`DOSSIER_VIA_WATCHER=only`). In one process, the `agenda` rows of the query "
        "path table above.",
        agenda_table(results),
        f"## dossier serve ({HTTP_RUNS} runs each)",
        "`dossier serve --listen 127.0.0.1:0` on the same corpus and index (no team "
        "file). The client is Python's `urllib`: one new connection per request (no "
        "keep-alive), timed from before connecting to the last byte of the body; each "
        "round asks every route once. Search shapes as `GET /api/search?q=…` (the `ask` "
        "row as `/api/ask`), the agenda as `GET /api/agenda`.",
        http_table(results),
        serve_table(results),
        "## A rep's view: the visibility clause",
        rep_view_intro(results),
        rep_view_table(results),
        "The same queries in one process (`cargo bench --bench search` on the team "
        "copy's index as a watcher holds it, `DOSSIER_BENCH_AS` set and not): the "
        "clause's cost without process start or socket.",
        rep_view_in_process_table(results),
        "## Comparison: dossier vs `rg -l` vs SQLite FTS5",
        "Costs (the FTS5 build includes reading and parsing the JSON in Python):",
        cost_table(results),
        "Answers. Recall and precision take dossier's customer set as the reference; "
        "rg's files become customers through the records' `id` / `customer` / `customers`.",
        answers_table(results),
    ]) + "\n\n"


def write_report(path, generated):
    """Writes the report, keeping an existing `## Analysis` section verbatim."""
    analysis = f"{ANALYSIS_HEADING}\n\n{ANALYSIS_PLACEHOLDER}\n"
    if os.path.exists(path):
        with open(path, encoding="utf-8") as file:
            previous = file.read()
        at = previous.find(f"\n{ANALYSIS_HEADING}\n")
        if at >= 0:
            analysis = previous[at + 1:]
        elif previous.startswith(f"{ANALYSIS_HEADING}\n"):
            analysis = previous
    with open(path, "w", encoding="utf-8") as file:
        file.write(generated + analysis)


# ---------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------

def parse_args():
    """Command-line arguments; bench/run passes all of them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag in ("--binary", "--generator", "--repo", "--corpus", "--index", "--work",
                 "--out", "--command"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--notes", type=int, required=True)
    return parser.parse_args()


def jsonable(results):
    """`results` without the customer-id sets, ready for json.dump."""
    answers = {label: {k: v for k, v in answer.items() if k != "ids"}
               for label, answer in results["answers"].items()}
    return {**results, "answers": answers}


def main():
    """Runs every phase, then writes the report and the JSON results."""
    args = parse_args()
    dossier = Dossier(args.binary, args.corpus, args.index)
    suffix = f"{args.customers}-{args.notes}"
    json_path = os.path.join(args.work, "results.json")
    results = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
               "machine": machine_info(),
               "args": {**vars(args), "json": json_path}}
    if delete_watch_files(args.corpus) + delete_serve_files(args.corpus):
        log("deleted files an interrupted watch or serve phase had left in the corpus")
    results["floors"] = measure_floors(args.corpus)
    results["indexing"] = measure_indexing(dossier, args.work, results["floors"],
                                           args.customers + args.notes)
    results["process_start"] = measure_process_start()
    results["index_cached_before_search"] = page_cache_share(args.index)
    results["search"] = measure_search(dossier)
    results["index_cached_after_search"] = page_cache_share(args.index)
    agenda_owner = busiest_owner(dossier.agenda_json()[1])
    results["agenda"] = measure_agenda(dossier, agenda_owner)
    results["query_path"] = measure_query_path(args.repo, dossier)
    results["answers"] = dossier_answers(dossier, results["search"])
    results["fts"], owners = measure_fts(args.corpus, args.work, suffix)
    expected = {label: answer["ids"] for label, answer in results["answers"].items()}
    results["rg"] = measure_rg(args.corpus, owners, expected)
    results["watch"] = measure_watch(dossier, args.corpus, agenda_owner)
    results["serve"] = measure_serve(dossier, args.corpus, agenda_owner)
    team_corpus = team_copy(args.corpus, args.work, args.generator, suffix)
    everyone = Dossier(args.binary, team_corpus,
                       os.path.join(args.work, f"index-team-{suffix}"))
    log("rep view: index the team copy")
    indexed = run_measured(everyone.command("index"),
                           os.path.join(args.work, "index-team.err"))
    if indexed["exit"] not in (0, 1):
        raise RuntimeError(f"dossier index of the team copy failed; see "
                           f"{args.work}/index-team.err")
    results["rep_view"] = measure_rep_view(everyone, agenda_owner, args.repo)
    results["rep_view"]["index_s"] = indexed["wall_s"]
    with open(json_path, "w", encoding="utf-8") as file:
        json.dump(jsonable(results), file, ensure_ascii=False, indent=2)
    write_report(args.out, render_report(results))
    log(f"wrote {args.out} and {json_path}")


if __name__ == "__main__":
    main()
