//! A terminal for end-to-end tests of the TUI: a detached tmux session of a
//! fixed size running a plain shell, driven with send-keys and read with
//! capture-pane. Dropping it kills the session.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Tmux {
    pub name: String,
}

fn tmux(args: &[&str]) -> Result<String, String> {
    let out = Command::new("tmux")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("tmux: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "tmux {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Whether tmux can be run.
pub fn available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Tmux {
    /// A `w`x`h` session running `bash --norc` with TERM=xterm-256color.
    pub fn new(tag: &str, w: u16, h: u16) -> Result<Tmux, String> {
        let name = format!("wl-{tag}-{}", std::process::id());
        let _ = tmux(&["kill-session", "-t", &name]);
        tmux(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            "env",
            "TERM=xterm-256color",
            "PS1=$ ",
            "bash",
            "--norc",
            "--noprofile",
        ])?;
        let t = Tmux { name };
        t.wait_for(Duration::from_secs(5), |s| s.contains('$'))
            .ok_or("the shell in tmux did not start")?;
        Ok(t)
    }

    /// Types `text` then Enter.
    pub fn run(&self, text: &str) {
        let _ = tmux(&["send-keys", "-t", &self.name, "-l", text]);
        let _ = tmux(&["send-keys", "-t", &self.name, "Enter"]);
    }

    /// Sends keys by tmux name (`Down`, `Tab`, `Escape`, `q`, `C-c`).
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let _ = tmux(&["send-keys", "-t", &self.name, k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Types literal text.
    pub fn text(&self, text: &str) {
        let _ = tmux(&["send-keys", "-t", &self.name, "-l", text]);
    }

    /// The visible screen.
    pub fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.name]).unwrap_or_default()
    }

    /// A tmux format value of the pane (`#{alternate_on}`, `#{cursor_flag}`).
    pub fn pane(&self, format: &str) -> String {
        tmux(&["display-message", "-p", "-t", &self.name, format])
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// Polls the screen until `f` holds.
    pub fn wait_for(&self, timeout: Duration, f: impl Fn(&str) -> bool) -> Option<String> {
        let end = Instant::now() + timeout;
        loop {
            let s = self.screen();
            if f(&s) {
                return Some(s);
            }
            if Instant::now() > end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Like [`wait_for`](Self::wait_for), but panics with the screen and `what`.
    pub fn expect(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        match self.wait_for(Duration::from_secs(20), f) {
            Some(s) => s,
            None => panic!("{what}: not on screen after 20 s:\n{}", self.screen()),
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.name]);
    }
}
