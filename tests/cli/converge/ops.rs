//! The random run's operations: each changes the real folder the way a
//! person, an editor or a sync client would, and the model beside it.

use super::*;

impl Run {
    // ---- the filesystem, and the model beside it ----

    pub(super) fn write(&mut self, path: &str, text: &str, how: Save) {
        let root = self.root();
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().expect("a file has a folder"))
            .unwrap_or_else(|e| self.fail(&format!("creating the folder of {path}: {e}")));
        let result = match how {
            Save::Whole => std::fs::write(&full, text),
            Save::Atomic => {
                let name = path.rsplit('/').next().expect("a file name");
                let temporary = full.with_file_name(format!(".{name}.tmp{}", self.rng.below(1000)));
                std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, &full))
            }
            Save::Backup => {
                let backup = full.with_file_name(format!(
                    "{}~",
                    path.rsplit('/').next().expect("a file name")
                ));
                let renamed = if full.exists() {
                    std::fs::rename(&full, &backup).map(|()| true)
                } else {
                    Ok(false)
                };
                renamed.and_then(|renamed| {
                    std::fs::write(&full, text)?;
                    if renamed {
                        std::fs::remove_file(&backup)?;
                    }
                    Ok(())
                })
            }
            Save::Halves => {
                let mut cut = text.len() / 2;
                while !text.is_char_boundary(cut) {
                    cut += 1;
                }
                let pause = Duration::from_millis(self.rng.below(150) as u64);
                std::fs::File::create(&full).and_then(|mut file| {
                    file.write_all(&text.as_bytes()[..cut])?;
                    file.sync_data()?;
                    std::thread::sleep(pause);
                    file.write_all(&text.as_bytes()[cut..])
                })
            }
        };
        result.unwrap_or_else(|e| self.fail(&format!("writing {path}: {e}")));
        self.model.dirty.insert(path.to_string());
    }

    pub(super) fn put(&mut self, path: &str, content: Content, mut how: Save) {
        let renames = matches!(how, Save::Atomic | Save::Backup);
        if renames && self.avoids("lost-rename") && self.model.moved.contains(path) {
            how = Save::Whole;
        }
        let mut text = content.text();
        // People leave comments, and some editors write CRLF.
        if self.rng.chance(15) {
            text = format!("// 手工修改\n{text}");
        }
        if self.rng.chance(10) {
            text = text.replace('\n', "\r\n");
        }
        self.note(format!("write {path} ({how:?}): {}", content.value()));
        self.write(path, &text, how);
        self.model
            .files
            .insert(path.to_string(), File::Good(content));
        if matches!(how, Save::Atomic | Save::Backup) {
            self.model.moved.insert(path.to_string());
        }
    }

    pub(super) fn random_write(&mut self) -> Save {
        let backup = if self.avoids("lost-rename") {
            Save::Whole
        } else {
            Save::Backup
        };
        *self
            .rng
            .pick(&[Save::Whole, Save::Whole, Save::Atomic, Save::Halves, backup])
    }

    pub(super) fn fresh_id(&mut self) -> usize {
        self.model.next_id += 1;
        self.model.next_id
    }

    pub(super) fn fresh_word(&mut self, prefix: &str) -> String {
        let word = self.rng.word(prefix);
        self.model.words_ever.insert(word.clone());
        word
    }

    pub(super) fn fresh_customer(&mut self) -> Customer {
        let n = self.fresh_id();
        let name = if self.rng.chance(70) {
            self.rng.pick(NAMES).0.to_string()
        } else {
            format!("顾客{n}")
        };
        let nickname = self
            .rng
            .chance(30)
            .then(|| self.rng.pick(NICKNAMES).0.to_string());
        let mut customer = Customer {
            id: format!("c{n:03}"),
            name: Some(name),
            nickname,
            token: self.fresh_word("zq"),
            interests: Vec::new(),
            kind_field: self.rng.chance(20),
        };
        self.random_interests(&mut customer);
        customer
    }

    pub(super) fn random_interests(&mut self, customer: &mut Customer) {
        customer.interests.clear();
        for _ in 0..self.rng.below(3) {
            let group = self.rng.below(GROUPS.len());
            // One past the group's names: its word from `dossier-vocab.tsv`.
            let name = self.rng.below(GROUPS[group].1.len() + 1);
            if customer.interests.iter().all(|&(g, _)| g != group) {
                customer.interests.push((group, name));
            }
        }
    }

    /// A link to a customer: by id, by name or nickname (with
    /// `LINKS_BY_NAME`), or to an id nobody has yet.
    pub(super) fn random_link(&mut self) -> String {
        let customers: Vec<Customer> = self
            .model
            .files
            .values()
            .filter_map(|file| match file.effective() {
                Some(Content::Customer(c)) => Some(c.clone()),
                _ => None,
            })
            .collect();
        if customers.is_empty() || self.rng.chance(15) {
            return format!("c{:03}", self.model.next_id + 1 + self.rng.below(3));
        }
        let customer = self.rng.pick(&customers).clone();
        if !LINKS_BY_NAME || self.rng.chance(50) {
            if LINKS_BY_NAME && self.rng.chance(40) {
                return customer.id.to_uppercase();
            }
            return customer.id;
        }
        let written = match (&customer.name, &customer.nickname) {
            (_, Some(nickname)) if self.rng.chance(40) => nickname.clone(),
            (Some(name), _) => name.clone(),
            _ => customer.id,
        };
        let variants: Vec<&str> = NAMES
            .iter()
            .chain(NICKNAMES)
            .find(|(name, _)| *name == written)
            .map(|(_, variants)| variants.to_vec())
            .unwrap_or_default();
        if !variants.is_empty() && self.rng.chance(60) {
            self.rng.pick(&variants).to_string()
        } else {
            written
        }
    }

    pub(super) fn fresh_note(&mut self) -> Note {
        let n = self.fresh_id();
        let many = self.rng.chance(25);
        let links = (0..if many { 1 + self.rng.below(3) } else { 1 })
            .map(|_| self.random_link())
            .collect();
        Note {
            id: format!("n{n:03}"),
            many,
            links,
            token: self.fresh_word("nq"),
            day: 1 + self.rng.below(28) as u32,
            kind_field: if self.rng.chance(20) {
                Some(*self.rng.pick(&["meeting", "visit"]))
            } else {
                None
            },
        }
    }

    pub(super) fn fresh_notes(&mut self) -> Content {
        let array = self.rng.chance(20);
        let count = if array { 1 + self.rng.below(3) } else { 1 };
        let notes = (0..count).map(|_| self.fresh_note()).collect();
        Content::Notes { notes, array }
    }

    /// A new path for `content` in a folder it fits.
    pub(super) fn fresh_path(&mut self, content: &Content) -> String {
        let n = self.fresh_id();
        let folders = if content.says_kind() && self.rng.chance(50) {
            PLAIN_FOLDERS
        } else if content.is_customer() {
            CUSTOMER_FOLDERS
        } else {
            NOTE_FOLDERS
        };
        let folder = *self.rng.pick(folders);
        let name = match content {
            Content::Customer(c) => format!("{} {}", c.id, c.name.as_deref().unwrap_or("无名")),
            Content::Notes { .. } => format!("2026-11-{n:03}"),
        };
        format!("{folder}/{name}.json")
    }

    pub(super) fn paths(&self, keep: impl Fn(&File) -> bool) -> Vec<String> {
        self.model
            .files
            .iter()
            .filter(|(_, file)| keep(file))
            .map(|(path, _)| path.clone())
            .collect()
    }

    pub(super) fn any_path(&mut self, keep: impl Fn(&File) -> bool) -> Option<String> {
        let paths = self.paths(keep);
        (!paths.is_empty()).then(|| self.rng.pick(&paths).clone())
    }

    pub(super) fn count(&self, customers: bool) -> usize {
        self.model
            .files
            .values()
            .filter(|file| file.effective().is_some_and(|c| c.is_customer()) == customers)
            .count()
    }

    // ---- operations ----

    pub(super) fn create_customer(&mut self) {
        let content = Content::Customer(self.fresh_customer());
        let path = self.fresh_path(&content);
        let how = self.random_write();
        self.put(&path, content, how);
    }

    pub(super) fn create_notes(&mut self) {
        let content = self.fresh_notes();
        let path = self.fresh_path(&content);
        let how = self.random_write();
        self.put(&path, content, how);
    }

    /// Changes a readable file: a customer's interests, name or nickname
    /// (a missing name comes back), a note's links or date.
    pub(super) fn edit(&mut self) {
        let Some(path) = self.any_path(|f| matches!(f, File::Good(_))) else {
            return self.create_customer();
        };
        let File::Good(mut content) = self.model.files[&path].clone() else {
            unreachable!("picked a readable file")
        };
        match &mut content {
            Content::Customer(c) => {
                let mut changed = c.clone();
                match self.rng.below(3) {
                    0 => self.random_interests(&mut changed),
                    1 => changed.name = Some(self.rng.pick(NAMES).0.to_string()),
                    _ => {
                        changed.nickname = self
                            .rng
                            .chance(60)
                            .then(|| self.rng.pick(NICKNAMES).0.to_string())
                    }
                }
                if changed.name.is_none() {
                    changed.name = Some(format!("顾客{}", self.fresh_id()));
                }
                *c = changed;
            }
            Content::Notes { notes, .. } => {
                let which = self.rng.below(notes.len());
                if self.rng.chance(70) {
                    let link = self.random_link();
                    let note = &mut notes[which];
                    if note.many && self.rng.chance(50) {
                        note.links.push(link);
                    } else {
                        note.links = vec![link];
                        note.many = false;
                    }
                } else {
                    notes[which].day = 1 + self.rng.below(28) as u32;
                }
            }
        }
        let how = self.random_write();
        self.put(&path, content, how);
    }

    /// A customer's id changes: to a new one, to one that notes already
    /// link to, or (with `DUPLICATE_IDS`) to another customer's, in any case.
    pub(super) fn change_id(&mut self) {
        let Some(path) = self.any_path(|f| matches!(f, File::Good(Content::Customer(_)))) else {
            return self.create_customer();
        };
        let File::Good(Content::Customer(mut customer)) = self.model.files[&path].clone() else {
            unreachable!("picked a readable customer")
        };
        let taken: BTreeSet<String> = self
            .model
            .files
            .values()
            .filter_map(|f| match f.effective() {
                Some(Content::Customer(c)) => Some(id_key(&c.id)),
                _ => None,
            })
            .collect();
        let linked: Vec<String> = self
            .model
            .files
            .values()
            .filter_map(|f| match f.effective() {
                Some(Content::Notes { notes, .. }) => {
                    Some(notes.iter().flat_map(|n| n.links.clone()))
                }
                _ => None,
            })
            .flatten()
            .filter(|link| link.starts_with('c') && !taken.contains(&id_key(link)))
            .collect();
        let kept = self.kept_ids();
        let claimable: Vec<String> = taken
            .iter()
            .filter(|id| !(self.avoids("kept-duplicate") && kept.contains(*id)))
            .cloned()
            .collect();
        customer.id = if DUPLICATE_IDS && !claimable.is_empty() && self.rng.chance(30) {
            let other = self.rng.pick(&claimable).clone();
            if self.rng.chance(50) {
                other.to_uppercase()
            } else {
                other
            }
        } else if !linked.is_empty() && self.rng.chance(50) {
            self.rng.pick(&linked).clone()
        } else {
            format!("c{:03}", self.fresh_id())
        };
        let how = self.random_write();
        self.put(&path, Content::Customer(customer), how);
    }

    /// A customer loses its name: an error record, not indexed.
    pub(super) fn drop_name(&mut self) {
        let Some(path) = self.any_path(|f| matches!(f, File::Good(Content::Customer(_)))) else {
            return;
        };
        let File::Good(Content::Customer(mut customer)) = self.model.files[&path].clone() else {
            unreachable!("picked a readable customer")
        };
        customer.name = None;
        self.put(&path, Content::Customer(customer), Save::Whole);
    }

    /// A readable file becomes invalid JSON (a save cut short, a stray
    /// character): the index keeps the version it had until it is fixed.
    pub(super) fn break_file(&mut self) {
        let Some(path) = self.any_path(|f| matches!(f, File::Good(_))) else {
            return;
        };
        // Which of its records the index holds is only known once synced:
        // another file may have taken an id from it, or given one back.
        let records_of = |records: &std::collections::BTreeSet<(String, String)>| {
            records
                .iter()
                .filter(|(owner, _)| *owner == path)
                .cloned()
                .collect::<Vec<_>>()
        };
        let held_now = records_of(&self.model.indexed_records());
        if self.model.dirty.contains(&path) || held_now != records_of(&self.model.synced_records) {
            // Which version the watcher saw last is only known once synced.
            self.note(format!("(sync before breaking {path})"));
            self.quiet_point();
        }
        let File::Good(content) = self.model.files[&path].clone() else {
            unreachable!("picked a readable file")
        };
        let text = content.text();
        let broken = match self.rng.below(3) {
            0 => {
                let mut cut = text.len() * 2 / 3;
                while !text.is_char_boundary(cut) {
                    cut += 1;
                }
                text[..cut].to_string()
            }
            1 => format!("{text}\n}}"),
            _ => text.replacen(':', "", 1),
        };
        self.note(format!("break {path}: {broken:?}"));
        self.write(&path, &broken, Save::Whole);
        let kept = self.model.indexed(&path, content);
        self.model.files.insert(path, File::Broken(kept));
    }

    /// A broken file is fixed: the version it had, changed or not, or new
    /// content when nothing good was ever there.
    pub(super) fn fix_file(&mut self) {
        let Some(path) = self.any_path(|f| matches!(f, File::Broken(_))) else {
            return self.edit();
        };
        let File::Broken(last_good) = self.model.files[&path].clone() else {
            unreachable!("picked a broken file")
        };
        let content = match last_good {
            Some(content) if self.rng.chance(60) => content,
            _ if folder_kind(&path) == Some("customer") => Content::Customer(self.fresh_customer()),
            _ if folder_kind(&path).is_some() => self.fresh_notes(),
            _ => {
                let mut customer = self.fresh_customer();
                customer.kind_field = true;
                Content::Customer(customer)
            }
        };
        let how = self.random_write();
        self.put(&path, content, how);
    }

    /// A new file that is not JSON at all (a draft, a sync client's stub).
    pub(super) fn create_broken(&mut self) {
        let n = self.fresh_id();
        let folder = *self.rng.pick(CUSTOMER_FOLDERS);
        let path = format!("{folder}/draft-{n}.json");
        self.note(format!("create broken {path}"));
        self.write(&path, "{\"id\": \"draft\", \"name\": ", Save::Whole);
        self.model.files.insert(path, File::Broken(None));
    }

    /// Renames a file in its folder, or moves it into a new folder.
    pub(super) fn rename_file(&mut self, new_folder: bool) {
        let Some(from) = self.any_path(|_| true) else {
            return self.create_notes();
        };
        let file = self.model.files[&from].clone();
        let n = self.fresh_id();
        let name = from.rsplit('/').next().expect("a file name");
        let stem = name.trim_end_matches(".json");
        let mut folder = parent(&from).to_string();
        if new_folder {
            folder = format!("{folder}/{}-{n}", self.rng.pick(&["archive", "2025", "旧"]));
        }
        let to = format!("{folder}/{stem}-{n}.json");
        let content = file.effective().cloned();
        if content.as_ref().is_some_and(|c| !fits(c, &to)) || self.claims_kept_id(&from) {
            return;
        }
        if self.avoids("lost-rename") && self.model.moved.contains(&from) {
            self.note(format!("(sync before renaming {from} again)"));
            self.quiet_point();
        }
        self.note(format!("rename {from} -> {to}"));
        let root = self.root();
        std::fs::create_dir_all(root.join(&folder))
            .and_then(|()| std::fs::rename(root.join(&from), root.join(&to)))
            .unwrap_or_else(|e| self.fail(&format!("renaming {from}: {e}")));
        self.model.files.remove(&from);
        // A broken file moved keeps no version: its new path never had one.
        let moved = match file {
            File::Broken(_) => File::Broken(None),
            good => good,
        };
        self.model.files.insert(to.clone(), moved);
        self.model.moved.insert(to.clone());
        self.model.dirty.extend([from, to]);
    }

    /// Ids (compared as dossier compares them) held by broken files' last
    /// good versions.
    pub(super) fn kept_ids(&self) -> BTreeSet<String> {
        self.model
            .files
            .values()
            .filter_map(|file| match file {
                File::Broken(Some(Content::Customer(c))) => Some(id_key(&c.id)),
                _ => None,
            })
            .collect()
    }

    /// With `kept-duplicate` avoided: true when the readable customer at
    /// `path` has an id that a broken file's last good version holds.
    pub(super) fn claims_kept_id(&self, path: &str) -> bool {
        self.avoids("kept-duplicate")
            && matches!(
                self.model.files.get(path),
                Some(File::Good(Content::Customer(c))) if self.kept_ids().contains(&id_key(&c.id))
            )
    }

    /// The folders that hold files, other than those that name a kind
    /// (renaming those would change what their files are).
    pub(super) fn plain_folders(&self) -> Vec<String> {
        let mut folders = BTreeSet::new();
        for path in self.model.files.keys() {
            let mut folder = parent(path);
            while !folder.is_empty() {
                let last = folder.rsplit('/').next().expect("a folder name");
                if folder_kind(&format!("{last}/x")).is_none() {
                    folders.insert(folder.to_string());
                }
                folder = parent(folder);
            }
        }
        folders.into_iter().collect()
    }

    /// Renames a whole folder (all its files move at once).
    pub(super) fn rename_folder(&mut self) {
        let folders = self.plain_folders();
        if folders.is_empty() {
            return self.rename_file(true);
        }
        let from = self.rng.pick(&folders).clone();
        let inside = format!("{from}/");
        if self
            .paths(|_| true)
            .iter()
            .any(|path| path.starts_with(&inside) && self.claims_kept_id(path))
        {
            return;
        }
        let n = self.fresh_id();
        let to = format!("{from}-{n}");
        let prefix = format!("{from}/");
        if self.avoids("lost-rename") && self.model.moved.iter().any(|p| p.starts_with(&prefix)) {
            self.note(format!(
                "(sync before renaming {from} with files just renamed)"
            ));
            self.quiet_point();
        }
        self.note(format!("rename folder {from} -> {to}"));
        let root = self.root();
        std::fs::rename(root.join(&from), root.join(&to))
            .unwrap_or_else(|e| self.fail(&format!("renaming folder {from}: {e}")));
        let moved: Vec<String> = self.model.files_under(&from);
        for path in moved {
            let file = self.model.files.remove(&path).expect("a listed file");
            let new_path = format!("{to}{}", &path[from.len()..]);
            let file = match file {
                File::Broken(_) => File::Broken(None),
                good => good,
            };
            self.model.files.insert(new_path.clone(), file);
            self.model.moved.insert(new_path.clone());
            self.model.dirty.extend([path, new_path]);
        }
    }

    pub(super) fn delete_file(&mut self) {
        let Some(path) = self.any_path(|_| true) else {
            return;
        };
        if self.avoids("lost-rename") && self.model.moved.contains(&path) {
            self.note(format!("(sync before deleting {path}, just renamed)"));
            self.quiet_point();
        }
        self.note(format!("delete {path}"));
        std::fs::remove_file(self.root().join(&path))
            .unwrap_or_else(|e| self.fail(&format!("deleting {path}: {e}")));
        self.model.files.remove(&path);
        self.model.dirty.insert(path);
    }

    pub(super) fn delete_folder(&mut self) {
        let folders = self.plain_folders();
        if folders.is_empty() {
            return self.delete_file();
        }
        let folder = self.rng.pick(&folders).clone();
        let prefix = format!("{folder}/");
        if self.avoids("lost-rename") && self.model.moved.iter().any(|p| p.starts_with(&prefix)) {
            self.note(format!(
                "(sync before deleting {folder} with files just renamed)"
            ));
            self.quiet_point();
        }
        self.note(format!("delete folder {folder}"));
        std::fs::remove_dir_all(self.root().join(&folder))
            .unwrap_or_else(|e| self.fail(&format!("deleting folder {folder}: {e}")));
        let gone: Vec<String> = self.model.files_under(&folder);
        for path in gone {
            self.model.files.remove(&path);
            self.model.dirty.insert(path);
        }
    }

    /// Copies a file beside itself, as people start a new record: with
    /// `DUPLICATE_IDS` two records then claim one id.
    pub(super) fn copy_file(&mut self) {
        let Some(from) = self.any_path(|f| matches!(f, File::Good(_))) else {
            return;
        };
        if self.claims_kept_id(&from) {
            return;
        }
        let n = self.fresh_id();
        let to = format!("{}/copy-{n}.json", parent(&from));
        let File::Good(content) = self.model.files[&from].clone() else {
            unreachable!("picked a readable file")
        };
        self.note(format!("copy {from} -> {to}"));
        self.write(&to, &content.text(), Save::Whole);
        self.model.files.insert(to, File::Good(content));
    }

    /// Writes a file again with the same content.
    pub(super) fn touch(&mut self) {
        let Some(path) = self.any_path(|f| matches!(f, File::Good(_))) else {
            return;
        };
        let File::Good(content) = self.model.files[&path].clone() else {
            unreachable!("picked a readable file")
        };
        self.note(format!("touch {path}"));
        self.write(&path, &content.text(), Save::Whole);
    }

    /// The knowledge base's own vocabulary changes (groups gain or lose
    /// their own word), which rebuilds the index; or the file goes.
    pub(super) fn edit_vocab(&mut self) {
        let vocab: BTreeSet<usize> = (0..GROUPS.len()).filter(|_| self.rng.chance(40)).collect();
        let path = "dossier-vocab.tsv";
        let full = self.root().join(path);
        if vocab.is_empty() && full.exists() {
            self.note(format!("delete {path}"));
            std::fs::remove_file(&full)
                .unwrap_or_else(|e| self.fail(&format!("deleting {path}: {e}")));
        } else {
            let mut text = "# section\tid\tnames\n".to_string();
            text.extend(vocab.iter().map(|&group| vocab_line(group)));
            let how = self.random_write();
            self.note(format!("write {path} ({how:?}): {text:?}"));
            self.write(path, &text, how);
        }
        self.model.vocab = vocab;
        if self.avoids("killed-rebuild") && self.watcher.is_some() {
            self.quiet_point();
        }
    }

    /// Someone deletes the index while no watcher runs (to start afresh):
    /// the last good versions of broken files go with it.
    pub(super) fn delete_index(&mut self) {
        if self.watcher.is_some() {
            return self.edit();
        }
        self.note("delete .dossier".to_string());
        let index = self.root().join(".dossier");
        if index.exists() {
            std::fs::remove_dir_all(&index)
                .unwrap_or_else(|e| self.fail(&format!("deleting .dossier: {e}")));
        }
        for file in self.model.files.values_mut() {
            if let File::Broken(last_good) = file {
                *last_good = None;
            }
        }
    }

    /// One random change to the folder.
    pub(super) fn operation(&mut self) {
        let customers = self.count(true);
        let notes = self.count(false);
        let roll = self.rng.below(100);
        match roll {
            _ if customers < 3 => self.create_customer(),
            0..=9 if customers < 14 => self.create_customer(),
            0..=9 => self.delete_file(),
            10..=19 if notes < 16 => self.create_notes(),
            10..=19 => self.delete_file(),
            20..=35 => self.edit(),
            36..=42 => self.rename_file(false),
            43..=48 => self.rename_file(true),
            49..=51 => self.rename_folder(),
            52..=59 => self.delete_file(),
            60 => self.delete_folder(),
            61..=66 => self.break_file(),
            67..=73 => self.fix_file(),
            74..=76 => self.drop_name(),
            77..=83 => self.change_id(),
            84..=86 if DUPLICATE_IDS => self.copy_file(),
            84..=86 => self.edit(),
            87..=88 => self.touch(),
            89 => self.create_broken(),
            90..=91 => self.edit_vocab(),
            92 => self.delete_index(),
            _ => self.edit(),
        }
    }
}
