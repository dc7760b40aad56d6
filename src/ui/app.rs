//! The TUI's state and what keys and the mouse do to it. Nothing here draws:
//! `view` renders an `App`, and tests drive an `App` without a terminal.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use tui_tree_widget::TreeState;
use wirelens_dissectors::tree::{NodeId, Tree};

use super::flowviews::{self, FlowCtx, FollowView, Ladder};
use crate::filter::{self, FilterError};
use crate::store::{self, lock, FilterJob, GroupKind, Replayer, Shared, Source, Store, TreeWorker};

/// The screen shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Packets,
    Flows,
    Ladder,
    Follow,
    Help,
}

/// The pane of the packets screen that keys go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    List,
    Tree,
    Hex,
}

/// (flows, open flows, filter matches, frames) and the sorted flow indexes.
type FlowOrderKey = ((usize, usize, Option<usize>, usize), Vec<u32>);

/// A line being typed at the bottom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prompt {
    Filter,
    Export,
}

/// A built flow screen.
enum FlowScreen {
    Ladder(Ladder),
    Follow(FollowView),
}

/// A flow screen being built on its own thread; dropping it cancels.
struct ViewJob {
    rx: std::sync::mpsc::Receiver<Result<FlowScreen, String>>,
    progress: Arc<Mutex<(usize, usize)>>,
    cancel: Arc<AtomicBool>,
    what: String,
}

impl Drop for ViewJob {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// The selected frame, rebuilt when the selection changes.
pub struct Detail {
    pub frame: u32,
    pub tree: Tree,
    pub data: Vec<u8>,
    pub error: Option<String>,
}

/// Where the view drew things (for the mouse and for page sizes).
#[derive(Default)]
pub struct Areas {
    pub list: Cell<Rect>,
    pub tree: Cell<Rect>,
    pub hex: Cell<Rect>,
    pub flows: Cell<Rect>,
    pub body: Cell<Rect>,
}

pub struct App {
    pub shared: Shared,
    /// Builds the selected frame's tree off the UI thread.
    worker: TreeWorker,
    /// The frame asked of the worker and not back yet.
    pending: Option<u32>,
    pub title: String,
    /// A live capture is writing the file: new frames keep coming.
    pub live: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    pub screen: Screen,
    back: Vec<Screen>,
    pub pane: Pane,
    /// Position of the selection in the shown list, and the first row drawn.
    pub sel: usize,
    pub top: Cell<usize>,
    /// Keep the selection on the newest frame (live) until the user moves.
    pub tail: bool,
    pub prompt: Option<Prompt>,
    pub input: String,
    pub input_error: Option<FilterError>,
    pub job: Option<FilterJob>,
    /// With a filter: show every frame, matches marked (`a`), instead of matches only.
    pub show_all: bool,
    pub detail: Option<Detail>,
    pub tree_state: RefCell<TreeState<NodeId>>,
    /// Names of the nodes the user opened: opened again in the next frame's tree.
    open_names: HashSet<&'static str>,
    pub hex_scroll: usize,
    pub help_scroll: usize,
    pub flow_sel: usize,
    pub flow_top: Cell<usize>,
    /// The flow list's order, and what it was computed for.
    flow_order: RefCell<Option<FlowOrderKey>>,
    pub ladder: Option<Ladder>,
    pub follow: Option<FollowView>,
    pub message: Option<(String, bool)>,
    /// A flow export running in the background.
    pub export: Option<store::ExportJob>,
    /// A ladder or follow screen being built.
    view_job: Option<ViewJob>,
    pub quit: bool,
    pub areas: Areas,
}

impl App {
    pub fn new(shared: Shared, title: &str) -> App {
        let path = lock(&shared).path.clone();
        App {
            worker: TreeWorker::new(&path),
            pending: None,
            shared,
            title: title.to_string(),
            live: None,
            screen: Screen::Packets,
            back: Vec::new(),
            pane: Pane::List,
            sel: 0,
            top: Cell::new(0),
            tail: false,
            prompt: None,
            input: String::new(),
            input_error: None,
            job: None,
            show_all: false,
            detail: None,
            tree_state: RefCell::new(TreeState::default()),
            open_names: HashSet::new(),
            hex_scroll: 0,
            help_scroll: 0,
            flow_sel: 0,
            flow_top: Cell::new(0),
            flow_order: RefCell::new(None),
            ladder: None,
            follow: None,
            message: None,
            export: None,
            view_job: None,
            quit: false,
            areas: Areas::default(),
        }
    }

    /// The frames the list shows: all, or those that pass the filter.
    pub fn shown_len(&self) -> usize {
        self.shown_len_in(&lock(&self.shared))
    }

    /// [`shown_len`](Self::shown_len) with the store already locked.
    pub fn shown_len_in(&self, st: &Store) -> usize {
        match (&self.job, self.show_all) {
            (Some(j), false) => lock(&j.run).matches.len(),
            _ => st.rows.len(),
        }
    }

    /// The frame index at list position `i`.
    pub fn shown_frame(&self, i: usize) -> Option<u32> {
        self.shown_frame_in(&lock(&self.shared), i)
    }

    pub fn shown_frame_in(&self, st: &Store, i: usize) -> Option<u32> {
        match (&self.job, self.show_all) {
            (Some(j), false) => lock(&j.run).matches.get(i).copied(),
            _ => (i < st.rows.len()).then_some(i as u32),
        }
    }

    /// Frames `from..from+n` of the shown list.
    pub fn shown_range_in(&self, st: &Store, from: usize, n: usize) -> Vec<u32> {
        match (&self.job, self.show_all) {
            (Some(j), false) => lock(&j.run).matches.iter().skip(from).take(n).copied().collect(),
            _ => {
                let len = st.rows.len();
                (from..(from + n).min(len)).map(|i| i as u32).collect()
            }
        }
    }

    /// Whether frame `f` passes the applied filter (None: no filter).
    pub fn is_match(&self, f: u32) -> Option<bool> {
        self.job
            .as_ref()
            .map(|j| lock(&j.run).matches.binary_search(&f).is_ok())
    }

    pub fn selected_frame(&self) -> Option<u32> {
        self.shown_frame(self.sel)
    }

    fn list_page(&self) -> usize {
        usize::from(self.areas.list.get().height.saturating_sub(1)).max(1)
    }

    /// Moves the list selection to position `to` (clamped).
    pub fn select(&mut self, to: usize) {
        let n = self.shown_len();
        self.sel = to.min(n.saturating_sub(1));
        self.tail = false;
    }

    fn move_sel(&mut self, by: isize) {
        let to = self.sel.saturating_add_signed(by);
        self.select(to);
    }

    /// Selects frame `f` in the list (showing every frame when the filter hides it).
    pub fn select_frame(&mut self, f: u32) {
        if let Some(j) = &self.job {
            if !self.show_all {
                let pos = lock(&j.run).matches.binary_search(&f);
                match pos {
                    Ok(p) => return self.select(p),
                    Err(_) => self.show_all = true,
                }
            }
        }
        self.select(f as usize);
    }

    /// Called every tick and after every event: follows new frames, finishes
    /// a filter, rebuilds the selected frame's tree when the selection changed.
    pub fn update(&mut self) {
        if self.tail {
            let n = self.shown_len();
            self.sel = n.saturating_sub(1);
        }
        let want = self.selected_frame();
        let have = self.detail.as_ref().map(|d| d.frame);
        if let Some(f) = want.filter(|&f| Some(f) != have && Some(f) != self.pending) {
            let plan = lock(&self.shared).plan_frame(f);
            match plan {
                Ok(plan) => {
                    self.worker.request(f, plan);
                    self.pending = Some(f);
                }
                Err(e) => self.install(f, Err(e)),
            }
        }
        // Most frames come back at once; a long flow's replay shows its progress.
        self.collect(Duration::from_millis(40));
        self.collect_view(Duration::ZERO);
        self.check_export();
    }

    /// Takes finished trees from the worker; installs the one still wanted.
    fn collect(&mut self, wait: Duration) {
        while self.pending.is_some() {
            let Some((f, res)) = self.worker.take(wait) else { return };
            if Some(f) == self.pending {
                self.pending = None;
                if Some(f) == self.selected_frame() {
                    self.install(f, res);
                }
            }
        }
    }

    /// Indexing, filtering, a tree or an export in progress, or a live capture.
    pub fn busy(&self) -> bool {
        let st = lock(&self.shared);
        !st.progress.done
            || st.live.as_ref().is_some_and(|l| l.running)
            || self.pending.is_some()
            || self.export.is_some()
            || self.view_job.is_some()
            || self.job.as_ref().is_some_and(|j| !lock(&j.run).done)
    }

    /// Waits until the selected frame's tree is built (tests).
    pub fn wait_detail(&mut self) {
        self.update();
        self.collect(Duration::from_secs(60));
        while self.view_job.is_some() {
            self.collect_view(Duration::from_secs(60));
        }
    }

    /// The frame whose tree is being rebuilt: (frame, frames replayed, frames to replay).
    pub fn building(&self) -> Option<(u32, usize, usize)> {
        self.pending?;
        Some(*lock(&self.worker.progress))
    }

    fn install(&mut self, f: u32, res: Result<store::Built, String>) {
        let d = match res {
            Ok(b) => Detail {
                frame: f,
                tree: store::tree_of(&b),
                data: b.data,
                error: None,
            },
            Err(e) => Detail {
                frame: f,
                tree: Tree::new(),
                data: Vec::new(),
                error: Some(e),
            },
        };
        let mut ts = TreeState::default();
        // Open again the kinds of nodes the user had open.
        for (id, n) in d.tree.iter() {
            if self.open_names.contains(n.name) {
                ts.open(path_of(&d.tree, id));
            }
        }
        if let Some((first, _)) = d.tree.iter().next() {
            ts.select(vec![first]);
        }
        *self.tree_state.borrow_mut() = ts;
        self.detail = Some(d);
        self.hex_scroll = 0;
    }

    fn remember_open(&mut self) {
        let Some(d) = &self.detail else { return };
        let opened: Vec<Vec<NodeId>> = self.tree_state.borrow().opened().iter().cloned().collect();
        let mut names = HashSet::new();
        for p in opened {
            if let Some(n) = p.last().and_then(|&id| d.tree.node(id)) {
                names.insert(n.name);
            }
        }
        self.open_names = names;
    }

    /// The selected tree node, if any.
    pub fn selected_node(&self) -> Option<NodeId> {
        self.tree_state.borrow().selected().last().copied()
    }

    fn go(&mut self, s: Screen) {
        if self.screen != s {
            self.back.push(self.screen);
            self.screen = s;
        }
    }

    fn go_back(&mut self) {
        self.screen = self.back.pop().unwrap_or(Screen::Packets);
    }

    /// The flow group of the selected frame.
    fn selected_group(&self) -> Option<u32> {
        let f = self.selected_frame()?;
        let st = lock(&self.shared);
        let g = st.rows.get(f as usize)?.group;
        st.groups
            .get(g as usize)
            .filter(|g| matches!(g.kind, GroupKind::Tcp(_) | GroupKind::Udp(_)))
            .map(|_| g)
    }

    /// The group of the flow selected in the flow list.
    fn flow_list_group(&self) -> Option<u32> {
        let st = lock(&self.shared);
        let f = flow_rows(self, &st).get(self.flow_sel).copied()?;
        st.group_of_flow(f.proto, f.id)
    }

    pub fn open_ladder(&mut self, group: u32) {
        self.start_view(group, None);
    }

    pub fn open_follow(&mut self, group: u32) {
        self.start_view(group, Some(false));
    }

    /// Builds a flow screen on its own thread: the ladder (`follow` None)
    /// or the stream (`Some(messages)`). A long flow shows its progress and
    /// Esc cancels; the UI keeps answering meanwhile.
    fn start_view(&mut self, group: u32, follow: Option<bool>) {
        let (cx, path) = {
            let st = lock(&self.shared);
            (FlowCtx::of(&st, group), st.path.clone())
        };
        let cx = match cx {
            Ok(c) => c,
            Err(e) => {
                self.message = Some((e, true));
                return;
            }
        };
        let what = match follow {
            None => format!("the ladder of {}", cx.title),
            Some(_) => format!("the stream of {}", cx.title),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let progress = Arc::new(Mutex::new((0, cx.plan.frames.len())));
        let cancel = Arc::new(AtomicBool::new(false));
        let (prog, stop) = (progress.clone(), cancel.clone());
        std::thread::spawn(move || {
            let mut rp = Replayer::new(&path);
            let tick = |done, total| {
                *lock(&prog) = (done, total);
                !stop.load(Ordering::Relaxed)
            };
            let res = match follow {
                None => flowviews::ladder(&mut rp, &cx, tick).map(FlowScreen::Ladder),
                Some(m) => flowviews::follow(&mut rp, &cx, m, tick).map(FlowScreen::Follow),
            };
            let _ = tx.send(res);
        });
        self.view_job = Some(ViewJob {
            rx,
            progress,
            cancel,
            what,
        });
        self.collect_view(Duration::from_millis(40));
    }

    /// Shows a flow screen that is ready.
    fn collect_view(&mut self, wait: Duration) {
        let Some(j) = &self.view_job else { return };
        let res = match j.rx.recv_timeout(wait) {
            Ok(r) => r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => return,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err("the flow screen could not be built".into()),
        };
        self.view_job = None;
        match res {
            Ok(FlowScreen::Ladder(mut l)) => {
                // Start on the arrow of the selected frame when it is in this flow.
                if let Some(f) = self.selected_frame() {
                    if let Some(i) = l.rows.iter().position(|r| r.frame == f) {
                        l.sel = i;
                    }
                }
                self.ladder = Some(l);
                self.go(Screen::Ladder);
            }
            Ok(FlowScreen::Follow(v)) => {
                self.follow = Some(v);
                self.go(Screen::Follow);
            }
            Err(e) => self.message = Some((e, true)),
        }
    }

    /// The flow screen being built: what, frames replayed, frames to replay.
    pub fn building_view(&self) -> Option<(String, usize, usize)> {
        let j = self.view_job.as_ref()?;
        let (d, t) = *lock(&j.progress);
        Some((j.what.clone(), d, t))
    }

    fn no_flow(&mut self) {
        self.message = Some((
            "this frame belongs to no TCP or UDP flow (ARP, ICMP and others have no ladder or stream)".into(),
            true,
        ));
    }

    /// Applies the filter typed in the bar (empty: no filter).
    pub fn apply_filter(&mut self, text: &str) -> Result<(), FilterError> {
        let keep = self.selected_frame();
        if text.trim().is_empty() {
            self.job = None;
            self.show_all = false;
        } else {
            let expr = filter::parse(text)?;
            let (path, cfg, src) = {
                let st = lock(&self.shared);
                let src = match &self.live {
                    Some(done) => Source::Growing(done.clone()),
                    None => Source::File,
                };
                (st.path.clone(), st.cfg.clone(), src)
            };
            self.job = Some(store::spawn_filter(&path, src, cfg, text, expr));
            self.show_all = false;
        }
        self.sel = 0;
        self.top.set(0);
        self.tail = false;
        if let (Some(f), None) = (keep, &self.job) {
            self.select(f as usize);
        }
        Ok(())
    }

    /// Waits until the filter job is done (tests and benchmarks).
    pub fn wait_filter(&self) {
        if let Some(j) = &self.job {
            while !lock(&j.run).done {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }

    fn next_match(&mut self, forward: bool) {
        let Some(j) = &self.job else {
            self.message = Some((
                "no filter: type / and a filter first; n and N then go from match to match".into(),
                true,
            ));
            return;
        };
        if !self.show_all {
            return self.move_sel(if forward { 1 } else { -1 });
        }
        let cur = self.selected_frame().unwrap_or(0);
        let m = lock(&j.run);
        let p = m.matches.partition_point(|&x| x <= cur);
        let to = if forward {
            m.matches.get(p).copied()
        } else {
            let q = m.matches.partition_point(|&x| x < cur);
            q.checked_sub(1).and_then(|i| m.matches.get(i)).copied()
        };
        drop(m);
        match to {
            Some(f) => self.select(f as usize),
            None => self.message = Some(("no more matches".into(), false)),
        }
    }

    /// Writes the flow summaries to `path` on a background pass over the
    /// capture (the full summaries, as `flows` writes them; with a display
    /// filter, only the flows holding a match, as `flows -Y`).
    fn export(&mut self, path: &str) {
        let (file, cfg) = {
            let st = lock(&self.shared);
            (st.path.clone(), st.cfg.clone())
        };
        let filter = self.job.as_ref().and_then(|j| filter::parse(&j.text).ok());
        let title = self.title.clone();
        self.export = Some(store::spawn_export(&file, cfg, Path::new(path), &title, filter));
        self.message = Some((format!("exporting the flows to {path}…"), false));
    }

    /// Reports a finished export.
    fn check_export(&mut self) {
        let Some(e) = &self.export else { return };
        let r = lock(&e.run);
        if !r.done {
            return;
        }
        self.message = Some(match &r.result {
            Ok(n) => (format!("wrote {n} flows to {}", e.path.display()), false),
            Err(m) => (m.clone(), true),
        });
        drop(r);
        self.export = None;
    }

    /// Waits for an export to finish (tests).
    pub fn wait_export(&mut self) {
        while let Some(e) = &self.export {
            if lock(&e.run).done {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.check_export();
    }

    fn default_export_name(&self) -> String {
        let st = lock(&self.shared);
        let stem = st
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "capture".into());
        format!("{stem}-flows.jsonl")
    }

    /// One key.
    pub fn on_key(&mut self, k: KeyEvent) {
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if let Some(p) = self.prompt.clone() {
            return self.prompt_key(p, k);
        }
        self.message = None;
        if k.code == KeyCode::Esc && self.view_job.is_some() {
            self.view_job = None;
            self.message = Some(("cancelled".into(), false));
            return;
        }
        match (self.screen, k.code) {
            (Screen::Help, KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown | KeyCode::Char(' ')) => {
                self.help_scroll += if matches!(k.code, KeyCode::PageDown | KeyCode::Char(' ')) {
                    10
                } else {
                    1
                };
                return;
            }
            (Screen::Help, KeyCode::Up | KeyCode::Char('k') | KeyCode::PageUp) => {
                self.help_scroll = self
                    .help_scroll
                    .saturating_sub(if k.code == KeyCode::PageUp { 10 } else { 1 });
                return;
            }
            (Screen::Help, _) => return self.go_back(),
            (_, KeyCode::Char('q')) => {
                self.quit = true;
                return;
            }
            (_, KeyCode::Char('?')) => {
                self.help_scroll = 0;
                return self.go(Screen::Help);
            }
            (_, KeyCode::Char('/')) => {
                self.prompt = Some(Prompt::Filter);
                self.input = self.job.as_ref().map(|j| j.text.clone()).unwrap_or_default();
                self.input_error = None;
                return;
            }
            (_, KeyCode::Char('e')) => {
                self.prompt = Some(Prompt::Export);
                self.input = self.default_export_name();
                return;
            }
            (_, KeyCode::Char('F')) => {
                return self.go(Screen::Flows);
            }
            (_, KeyCode::Esc) if self.screen != Screen::Packets => return self.go_back(),
            _ => {}
        }
        match self.screen {
            Screen::Packets => self.packets_key(k),
            Screen::Flows => self.flows_key(k),
            Screen::Ladder => self.ladder_key(k),
            Screen::Follow => self.follow_key(k),
            Screen::Help => {}
        }
    }

    fn prompt_key(&mut self, p: Prompt, k: KeyEvent) {
        match k.code {
            KeyCode::Esc => {
                self.prompt = None;
                self.input_error = None;
            }
            KeyCode::Enter => {
                let text = self.input.clone();
                match p {
                    Prompt::Filter => match self.apply_filter(&text) {
                        Ok(()) => {
                            self.prompt = None;
                            self.input_error = None;
                        }
                        // The bar stays open and red with the error.
                        Err(e) => self.input_error = Some(e),
                    },
                    Prompt::Export => {
                        self.prompt = None;
                        self.export(text.trim());
                    }
                }
            }
            KeyCode::Backspace => {
                self.input.pop();
            }
            KeyCode::Char(c) => self.input.push(c),
            _ => {}
        }
        if self.prompt == Some(Prompt::Filter) && k.code != KeyCode::Enter {
            self.input_error = if self.input.trim().is_empty() {
                None
            } else {
                filter::parse(&self.input).err()
            };
        }
    }

    fn packets_key(&mut self, k: KeyEvent) {
        let page = self.list_page() as isize;
        match k.code {
            KeyCode::Tab => {
                self.pane = match self.pane {
                    Pane::List => Pane::Tree,
                    Pane::Tree => Pane::Hex,
                    Pane::Hex => Pane::List,
                };
                return;
            }
            KeyCode::BackTab => {
                self.pane = match self.pane {
                    Pane::List => Pane::Hex,
                    Pane::Tree => Pane::List,
                    Pane::Hex => Pane::Tree,
                };
                return;
            }
            KeyCode::Char('l') => {
                return match self.selected_group() {
                    Some(g) => self.open_ladder(g),
                    None => self.no_flow(),
                }
            }
            KeyCode::Char('f') => {
                return match self.selected_group() {
                    Some(g) => self.open_follow(g),
                    None => self.no_flow(),
                }
            }
            KeyCode::Char('n') => return self.next_match(true),
            KeyCode::Char('N') => return self.next_match(false),
            KeyCode::Char('a') if self.job.is_some() => {
                let keep = self.selected_frame();
                self.show_all = !self.show_all;
                if let Some(f) = keep {
                    self.select_frame(f);
                }
                return;
            }
            KeyCode::Char('+') | KeyCode::Char('=') | KeyCode::Char('*') => return self.expand_all(),
            KeyCode::Char('-') => {
                self.tree_state.borrow_mut().close_all();
                self.open_names.clear();
                return;
            }
            KeyCode::Esc => {
                self.pane = Pane::List;
                return;
            }
            _ => {}
        }
        match self.pane {
            Pane::List => match k.code {
                KeyCode::Up | KeyCode::Char('k') => self.move_sel(-1),
                KeyCode::Down | KeyCode::Char('j') => self.move_sel(1),
                KeyCode::PageUp => self.move_sel(-page),
                KeyCode::PageDown | KeyCode::Char(' ') => self.move_sel(page),
                KeyCode::Home | KeyCode::Char('g') => self.select(0),
                KeyCode::End | KeyCode::Char('G') => {
                    let n = self.shown_len();
                    self.select(n.saturating_sub(1));
                    // At the end of a growing capture: follow it again.
                    self.tail = self.live.is_some();
                }
                KeyCode::Enter => self.pane = Pane::Tree,
                _ => {}
            },
            Pane::Tree => {
                match k.code {
                    KeyCode::Up | KeyCode::Char('k') => self.tree_move(-1),
                    KeyCode::Down | KeyCode::Char('j') => self.tree_move(1),
                    KeyCode::PageUp => self.tree_move(-page),
                    KeyCode::PageDown => self.tree_move(page),
                    KeyCode::Home | KeyCode::Char('g') => self.tree_move(isize::MIN / 2),
                    KeyCode::End | KeyCode::Char('G') => self.tree_move(isize::MAX / 2),
                    KeyCode::Left | KeyCode::Char('h') => self.tree_left(),
                    KeyCode::Right => self.tree_right(),
                    KeyCode::Enter | KeyCode::Char(' ') => {
                        self.tree_state.borrow_mut().toggle_selected();
                    }
                    _ => {}
                }
                self.remember_open();
                self.hex_scroll = 0;
            }
            Pane::Hex => match k.code {
                KeyCode::Up | KeyCode::Char('k') => self.hex_scroll = self.hex_scroll.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => self.hex_scroll += 1,
                KeyCode::PageUp => self.hex_scroll = self.hex_scroll.saturating_sub(page as usize),
                KeyCode::PageDown => self.hex_scroll += page as usize,
                KeyCode::Home | KeyCode::Char('g') => self.hex_scroll = 0,
                _ => {}
            },
        }
    }

    /// The tree's rows as shown: roots, and the children of open nodes
    /// (computed from the tree itself, so keys work before any drawing).
    pub fn tree_rows(&self) -> Vec<Vec<NodeId>> {
        let Some(d) = &self.detail else { return Vec::new() };
        let ts = self.tree_state.borrow();
        let opened = ts.opened();
        let mut out = Vec::new();
        fn walk(
            t: &Tree,
            id: NodeId,
            path: &mut Vec<NodeId>,
            opened: &HashSet<Vec<NodeId>>,
            out: &mut Vec<Vec<NodeId>>,
        ) {
            let Some(n) = t.node(id) else { return };
            if n.hidden {
                return;
            }
            path.push(id);
            out.push(path.clone());
            if opened.contains(path) {
                for (k, _) in t.children(id) {
                    walk(t, k, path, opened, out);
                }
            }
            path.pop();
        }
        let mut path = Vec::new();
        for (id, _) in d.tree.roots() {
            walk(&d.tree, id, &mut path, opened, &mut out);
        }
        out
    }

    fn tree_move(&mut self, by: isize) {
        let rows = self.tree_rows();
        if rows.is_empty() {
            return;
        }
        let cur = {
            let ts = self.tree_state.borrow();
            rows.iter().position(|p| p.as_slice() == ts.selected()).unwrap_or(0)
        };
        let to = cur.saturating_add_signed(by).min(rows.len() - 1);
        if let Some(p) = rows.get(to) {
            self.tree_state.borrow_mut().select(p.clone());
        }
    }

    /// →: opens the selected node, or goes to its first child when open.
    fn tree_right(&mut self) {
        let Some(d) = &self.detail else { return };
        let sel = self.tree_state.borrow().selected().to_vec();
        let Some(&id) = sel.last() else { return };
        if d.tree.children(id).next().is_none() {
            return;
        }
        let open = self.tree_state.borrow().opened().contains(&sel);
        if open {
            self.tree_move(1);
        } else {
            self.tree_state.borrow_mut().open(sel);
        }
    }

    /// ←: closes the selected node, or goes to its parent when closed.
    fn tree_left(&mut self) {
        let sel = self.tree_state.borrow().selected().to_vec();
        let open = self.tree_state.borrow().opened().contains(&sel);
        let mut ts = self.tree_state.borrow_mut();
        if open {
            ts.close(&sel);
        } else if sel.len() > 1 {
            ts.select(sel[..sel.len() - 1].to_vec());
        }
    }

    /// Opens every node of the selected frame's tree.
    pub fn expand_all(&mut self) {
        let Some(d) = &self.detail else { return };
        let mut ts = self.tree_state.borrow_mut();
        for (id, _) in d.tree.iter() {
            if d.tree.children(id).next().is_some() {
                ts.open(path_of(&d.tree, id));
            }
        }
        drop(ts);
        self.remember_open();
    }

    fn flows_key(&mut self, k: KeyEvent) {
        let n = flow_rows(self, &lock(&self.shared)).len();
        let page = usize::from(self.areas.flows.get().height.saturating_sub(1)).max(1);
        match k.code {
            KeyCode::Up | KeyCode::Char('k') => self.flow_sel = self.flow_sel.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.flow_sel += 1,
            KeyCode::PageUp => self.flow_sel = self.flow_sel.saturating_sub(page),
            KeyCode::PageDown | KeyCode::Char(' ') => self.flow_sel += page,
            KeyCode::Home | KeyCode::Char('g') => self.flow_sel = 0,
            KeyCode::End | KeyCode::Char('G') => self.flow_sel = n.saturating_sub(1),
            KeyCode::Enter | KeyCode::Char('l') => {
                if let Some(g) = self.flow_list_group() {
                    self.open_ladder(g);
                }
            }
            KeyCode::Char('f') => {
                if let Some(g) = self.flow_list_group() {
                    self.open_follow(g);
                }
            }
            _ => {}
        }
        self.flow_sel = self.flow_sel.min(n.saturating_sub(1));
    }

    fn ladder_key(&mut self, k: KeyEvent) {
        let page = usize::from(self.areas.body.get().height.saturating_sub(4)).max(1);
        let Some(l) = self.ladder.as_mut() else { return };
        let n = l.rows.len();
        match k.code {
            KeyCode::Up | KeyCode::Char('k') => l.sel = l.sel.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => l.sel += 1,
            KeyCode::PageUp => l.sel = l.sel.saturating_sub(page),
            KeyCode::PageDown | KeyCode::Char(' ') => l.sel += page,
            KeyCode::Home | KeyCode::Char('g') => l.sel = 0,
            KeyCode::End | KeyCode::Char('G') => l.sel = n.saturating_sub(1),
            KeyCode::Char('f') => {
                let g = l.group;
                return self.open_follow(g);
            }
            KeyCode::Enter => {
                // The packet of this arrow, in the packet list.
                if let Some(f) = l.rows.get(l.sel).map(|r| r.frame) {
                    self.select_frame(f);
                    self.screen = Screen::Packets;
                    self.back.clear();
                    self.pane = Pane::Tree;
                }
                return;
            }
            _ => {}
        }
        l.sel = l.sel.min(n.saturating_sub(1));
        // Moving along the ladder selects that packet.
        if let Some(f) = l.rows.get(l.sel).map(|r| r.frame) {
            self.select_frame(f);
        }
    }

    fn follow_key(&mut self, k: KeyEvent) {
        let page = usize::from(self.areas.body.get().height.saturating_sub(2)).max(1);
        if k.code == KeyCode::Char('m') {
            if let Some(fv) = &self.follow {
                let (g, m) = (fv.group, !fv.messages);
                self.start_view(g, Some(m));
            }
            return;
        }
        let Some(fv) = self.follow.as_mut() else { return };
        let n = fv.lines.len();
        match k.code {
            KeyCode::Up | KeyCode::Char('k') => fv.top = fv.top.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => fv.top += 1,
            KeyCode::PageUp => fv.top = fv.top.saturating_sub(page),
            KeyCode::PageDown | KeyCode::Char(' ') => fv.top += page,
            KeyCode::Home | KeyCode::Char('g') => fv.top = 0,
            KeyCode::End | KeyCode::Char('G') => fv.top = n.saturating_sub(page),
            _ => {}
        }
        fv.top = fv.top.min(n.saturating_sub(1));
    }

    /// A mouse event: click selects, the wheel scrolls the pane under it.
    pub fn on_mouse(&mut self, m: MouseEvent) {
        let pos = Position::new(m.column, m.row);
        let inside = |r: &Cell<Rect>| r.get().contains(pos);
        match (self.screen, m.kind) {
            (Screen::Packets, MouseEventKind::Down(MouseButton::Left)) => {
                if inside(&self.areas.list) {
                    self.pane = Pane::List;
                    let row = usize::from(m.row.saturating_sub(self.areas.list.get().y));
                    if row >= 1 {
                        let to = self.top.get() + row - 1;
                        if to < self.shown_len() {
                            self.select(to);
                        }
                    }
                } else if inside(&self.areas.tree) {
                    self.pane = Pane::Tree;
                    self.tree_state.borrow_mut().click_at(pos);
                    self.remember_open();
                } else if inside(&self.areas.hex) {
                    self.pane = Pane::Hex;
                }
            }
            (Screen::Packets, MouseEventKind::ScrollDown | MouseEventKind::ScrollUp) => {
                let down = m.kind == MouseEventKind::ScrollDown;
                if inside(&self.areas.tree) {
                    let mut ts = self.tree_state.borrow_mut();
                    if down {
                        ts.scroll_down(3);
                    } else {
                        ts.scroll_up(3);
                    }
                } else if inside(&self.areas.hex) {
                    self.hex_scroll = if down {
                        self.hex_scroll + 3
                    } else {
                        self.hex_scroll.saturating_sub(3)
                    };
                } else {
                    self.move_sel(if down { 3 } else { -3 });
                }
            }
            (Screen::Flows, MouseEventKind::Down(MouseButton::Left)) if inside(&self.areas.flows) => {
                let row = usize::from(m.row.saturating_sub(self.areas.flows.get().y));
                if row >= 1 {
                    let to = self.flow_top.get() + row - 1;
                    if to == self.flow_sel {
                        if let Some(g) = self.flow_list_group() {
                            self.open_ladder(g);
                        }
                    } else {
                        self.flow_sel = to.min(flow_rows(self, &lock(&self.shared)).len().saturating_sub(1));
                    }
                }
            }
            (Screen::Flows, MouseEventKind::ScrollDown) => self.flows_key(key(KeyCode::Down)),
            (Screen::Flows, MouseEventKind::ScrollUp) => self.flows_key(key(KeyCode::Up)),
            (Screen::Ladder, MouseEventKind::ScrollDown) => self.ladder_key(key(KeyCode::Down)),
            (Screen::Ladder, MouseEventKind::ScrollUp) => self.ladder_key(key(KeyCode::Up)),
            (Screen::Ladder, MouseEventKind::Down(MouseButton::Left)) => {
                let body = self.areas.body.get();
                if let Some(l) = self.ladder.as_mut() {
                    let row = usize::from(m.row.saturating_sub(body.y));
                    if row >= 2 {
                        let to = l.top.get() + row - 2;
                        if to < l.rows.len() {
                            l.sel = to;
                            let f = l.rows.get(to).map(|r| r.frame);
                            if let Some(f) = f {
                                self.select_frame(f);
                            }
                        }
                    }
                }
            }
            (Screen::Follow, MouseEventKind::ScrollDown) => self.follow_key(key(KeyCode::Down)),
            (Screen::Follow, MouseEventKind::ScrollUp) => self.follow_key(key(KeyCode::Up)),
            _ => {}
        }
    }
}

/// A key press without modifiers.
pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// The path of node ids from a root to `id` (the tree widget's identifier).
pub fn path_of(t: &Tree, id: NodeId) -> Vec<NodeId> {
    let mut p = vec![id];
    let mut cur = id;
    while let Some(parent) = t.node(cur).and_then(|n| n.parent()) {
        p.push(parent);
        cur = parent;
    }
    p.reverse();
    p
}

/// The flow list's rows: ended flows then open ones, by protocol and id;
/// with a display filter, only the flows that hold a frame passing it.
/// The order is kept between draws until the flows or the matches change.
pub fn flow_rows<'a>(app: &App, st: &'a store::Store) -> Vec<&'a store::FlowRow> {
    let matches = app.job.as_ref().map(|j| lock(&j.run).matches.len());
    let key = (st.flows.len(), st.open_flows.len(), matches, st.rows.len());
    let all = |i: &u32| {
        let i = *i as usize;
        st.flows.get(i).or_else(|| st.open_flows.get(i - st.flows.len().min(i)))
    };
    if let Some((k, order)) = &*app.flow_order.borrow() {
        if *k == key {
            return order.iter().filter_map(all).collect();
        }
    }
    let groups: Option<HashSet<u32>> = app.job.as_ref().map(|j| {
        let m = lock(&j.run);
        m.matches
            .iter()
            .filter_map(|&f| st.rows.get(f as usize).map(|r| r.group))
            .collect()
    });
    let n = st.flows.len() + st.open_flows.len();
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|i| {
            let Some(f) = all(i) else { return false };
            match &groups {
                None => true,
                Some(g) => st.group_of_flow(f.proto, f.id).is_some_and(|id| g.contains(&id)),
            }
        })
        .collect();
    order.sort_by(|a, b| match (all(a), all(b)) {
        (Some(a), Some(b)) => a.proto.cmp(b.proto).then(a.id.cmp(&b.id)),
        _ => std::cmp::Ordering::Equal,
    });
    let v = order.iter().filter_map(all).collect();
    *app.flow_order.borrow_mut() = Some((key, order));
    v
}
