//! The agendas a watcher has rendered on its current commit. Every rep
//! opens the agenda in the morning, the page and `dossier agenda --json`
//! ask for it again and again, and between two commits the answer to one
//! question (day, window, owner, reader) cannot change: it is made once
//! and sent as it was rendered. A new commit (other segments, or other
//! deletes in one) empties the cache; so does a day that is not one kept.
//! On the benchmark corpus the whole knowledge base's agenda is 7 MB of
//! JSON and about 100 ms to make; sending it again costs the copy.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::agenda::Agenda;
use crate::error::Result;
use crate::index::{Generation, ReadIndex};
use crate::team::Reader;

/// What an agenda answers: the question, as far as it decides the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    /// The day it is made for.
    pub today: NaiveDate,
    /// Days covered.
    pub days: u32,
    /// Only this owner's customers.
    pub owner: Option<String>,
    /// Whose view (their customers, whose birthdays they may see).
    pub reader: Reader,
}

/// An agenda as `agenda --json` prints it.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The JSON line (`wire::agenda_json`).
    pub json: Arc<str>,
    /// An owner was asked for and no customer has it.
    pub unknown_owner: bool,
}

/// The rendered agendas of one commit, most recent last.
#[derive(Default)]
pub(super) struct Agendas {
    slot: Mutex<(Option<Generation>, Kept)>,
}

/// The agendas kept for one commit, with their questions.
type Kept = Vec<(Asked, Rendered)>;

impl Agendas {
    /// Bytes kept at most: a few whole agendas of the benchmark corpus,
    /// or a whole team's own ones; the oldest go first.
    const MOST_BYTES: usize = 24 << 20;

    /// The agenda `asked` on the commit `read` sees: the one kept, or the
    /// one `make` makes (then kept).
    ///
    /// Fails as `make` does; a failure is not kept.
    pub(super) fn get(
        &self,
        read: &ReadIndex,
        asked: Asked,
        make: impl FnOnce() -> Result<Agenda>,
    ) -> Result<Rendered> {
        let generation = read.generation();
        {
            let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
            if slot.0.as_ref() == Some(generation)
                && let Some((_, rendered)) = slot.1.iter().find(|(kept, _)| *kept == asked)
            {
                return Ok(rendered.clone());
            }
        }
        let agenda = make()?;
        let rendered = Rendered {
            json: crate::wire::agenda_json(&agenda).into(),
            unknown_owner: agenda.unknown_owner,
        };
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.0.as_ref() != Some(generation) {
            *slot = (Some(generation.clone()), Vec::new());
        }
        let kept = &mut slot.1;
        kept.retain(|(other, _)| *other != asked && other.today == asked.today);
        kept.push((asked, rendered.clone()));
        while kept.len() > 1
            && kept.iter().map(|(_, r)| r.json.len()).sum::<usize>() > Self::MOST_BYTES
        {
            kept.remove(0);
        }
        Ok(rendered)
    }
}
