//! The terminal UI: `app` holds the state and handles keys, `view` draws,
//! `flowviews` builds the ladder and follow screens; this module runs the
//! event loop and owns the terminal.

pub mod app;
pub mod flowviews;
pub mod view;

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;

use crate::commands::Status;
use crate::engine::Config;
use crate::store::{self, Source, Store};
use app::App;

/// Puts the terminal back: mouse off, main screen, cooked mode, cursor shown.
pub fn restore_terminal() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

/// Restores the terminal when dropped: on return, on error and on unwinding.
struct TermGuard;

impl Drop for TermGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn setup_terminal() -> io::Result<(TermGuard, Terminal<CrosstermBackend<io::Stdout>>)> {
    // A panic restores the terminal before its message is printed.
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        prev(info);
    }));
    terminal::enable_raw_mode()?;
    let guard = TermGuard;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let t = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((guard, t))
}

/// Checks that standard input and output are a terminal.
pub fn check_tty() -> Result<(), String> {
    if io::stdout().is_terminal() && io::stdin().is_terminal() {
        Ok(())
    } else {
        Err("the terminal UI needs a terminal on standard input and output; \
             for text use `wirelens packets FILE`, `wirelens tree FILE` or `wirelens flows FILE`"
            .into())
    }
}

/// Runs the event loop until the user quits. `tick` runs before every draw.
pub fn run(app: &mut App, mut tick: impl FnMut(&mut App)) -> io::Result<()> {
    let (_guard, mut term) = setup_terminal()?;
    // For the end-to-end test that a panic leaves the terminal usable.
    let panic_test = std::env::var_os("WIRELENS_TEST_PANIC").is_some();
    loop {
        tick(app);
        app.update();
        term.draw(|f| view::draw(f, app))?;
        if panic_test {
            panic!("WIRELENS_TEST_PANIC is set: panicking after the first screen");
        }
        if app.quit {
            return Ok(());
        }
        // While something fills the screen in the background, draw often.
        let busy = app.busy();
        if event::poll(Duration::from_millis(if busy { 20 } else { 100 }))? {
            // Take every queued event before drawing again (fast scrolling).
            loop {
                match event::read()? {
                    Event::Key(k) if k.kind != KeyEventKind::Release => app.on_key(k),
                    Event::Mouse(m) => app.on_mouse(m),
                    _ => {}
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
    }
}

/// `wirelens FILE` / `wirelens open FILE`.
pub fn open(path: &Path, cfg: Config, filter: Option<&str>) -> Status {
    let shared = Arc::new(Mutex::new(Store::new(path, cfg)));
    // The file is opened before the screen changes: a bad file is reported plainly.
    if let Err(e) = store::spawn_indexer(shared.clone(), Source::File) {
        eprintln!("wirelens: {e}");
        return Status::Error;
    }
    if let Err(e) = check_tty() {
        eprintln!("wirelens: {e}");
        return Status::Usage;
    }
    let title = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let mut app = App::new(shared, &title);
    if let Some(f) = filter {
        if let Err(e) = app.apply_filter(f) {
            eprintln!("wirelens: {e}");
            return Status::Usage;
        }
    }
    match run(&mut app, |_| {}) {
        Ok(()) => Status::Ok,
        Err(e) => {
            eprintln!("wirelens: terminal error: {e}");
            Status::Error
        }
    }
}
