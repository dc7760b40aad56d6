//! Privileges for live capture: a capture handle is opened with root (or the
//! capture capabilities), then the process gives them up before it parses a
//! single packet, so a hostile packet meets an unprivileged process.
//!
//! Started by root through sudo, wirelens becomes the invoking user
//! (`SUDO_UID`/`SUDO_GID`); `--user NAME` picks another; started by root
//! without sudo it becomes `nobody`. The files it writes belong to the user
//! it becomes. Started by a user whose binary holds file capabilities, it
//! clears its capabilities instead.

use std::ffi::{CStr, CString};
use std::path::Path;

/// Who the process becomes (and who owns the files it writes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub uid: u32,
    pub gid: u32,
    pub name: Option<String>,
}

pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn lookup_name(name: &str) -> Result<(u32, u32), String> {
    let c = CString::new(name).map_err(|_| format!("bad user name {name:?}"))?;
    // SAFETY: getpwnam takes a NUL-terminated string; the result is read at once, before any other passwd call.
    let pw = unsafe { libc::getpwnam(c.as_ptr()) };
    if pw.is_null() {
        if let Ok(uid) = name.parse::<u32>() {
            return Ok((uid, uid));
        }
        return Err(format!(
            "there is no user {name:?} (--user takes a user name or a numeric uid)"
        ));
    }
    // SAFETY: pw is non-null and points to libc's static passwd record.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok((uid, gid))
}

fn name_of(uid: u32) -> Option<String> {
    // SAFETY: getpwuid has no preconditions; the record is copied out at once.
    let pw = unsafe { libc::getpwuid(uid) };
    if pw.is_null() {
        return None;
    }
    // SAFETY: pw_name of a non-null record is a valid C string.
    let n = unsafe { CStr::from_ptr((*pw).pw_name) };
    Some(n.to_string_lossy().into_owned())
}

/// Whom to become, from `--user`, then sudo's variables; `None` when not root.
pub fn target(user: Option<&str>) -> Result<Option<Target>, String> {
    if euid() != 0 {
        return Ok(None);
    }
    let env_id = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u32>().ok());
    let invoker = match (env_id("SUDO_UID"), env_id("SUDO_GID")) {
        (Some(u), Some(g)) => (u, g),
        (Some(u), None) => (u, u),
        _ => (0, 0),
    };
    let (uid, gid) = match user {
        Some(u) => lookup_name(u)?,
        None if invoker.0 != 0 => invoker,
        None => lookup_name("nobody").unwrap_or((65534, 65534)),
    };
    Ok(Some(Target {
        uid,
        gid,
        name: name_of(uid),
    }))
}

/// Becomes `t` for good: supplementary groups, group, then user; checks
/// that root cannot be taken back.
pub fn drop_to(t: &Target) -> Result<(), String> {
    if t.uid == 0 {
        return Ok(());
    }
    // SAFETY: plain system calls on this process's credentials; arguments are valid.
    unsafe {
        let groups_ok = match t.name.as_deref().and_then(|n| CString::new(n).ok()) {
            Some(n) => libc::initgroups(n.as_ptr(), t.gid) == 0,
            None => libc::setgroups(1, &t.gid) == 0,
        };
        if !groups_ok {
            return Err(format!(
                "cannot set the groups of uid {}: {}",
                t.uid,
                std::io::Error::last_os_error()
            ));
        }
        if libc::setgid(t.gid) != 0 {
            return Err(format!(
                "cannot switch to group {}: {}",
                t.gid,
                std::io::Error::last_os_error()
            ));
        }
        if libc::setuid(t.uid) != 0 {
            return Err(format!(
                "cannot switch to user {}: {}",
                t.uid,
                std::io::Error::last_os_error()
            ));
        }
        if libc::setuid(0) == 0 || libc::geteuid() == 0 {
            return Err("privileges could not be dropped: root is still reachable; stopping".into());
        }
    }
    Ok(())
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Clears every capability of this process (a non-root user running a
/// binary given cap_net_raw by setcap): the open handle keeps working.
pub fn drop_caps() -> Result<(), String> {
    let mut h = CapHeader {
        version: 0x2008_0522,
        pid: 0,
    };
    let d = [CapData::default(); 2];
    // SAFETY: capset with a v3 header and two data words, as the kernel ABI asks.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut h as *mut CapHeader, d.as_ptr()) };
    if r != 0 {
        return Err(format!(
            "cannot clear capabilities: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// Whether user `uid` (groups: `gid`) may create files in `dir`, by its mode bits.
pub fn dir_writable_by(dir: &Path, uid: u32, gid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::metadata(dir) else { return false };
    if uid == 0 {
        return true;
    }
    let mode = m.mode();
    (m.uid() == uid && mode & 0o300 == 0o300) || (m.gid() == gid && mode & 0o030 == 0o030) || mode & 0o003 == 0o003
}

/// The real and effective user ids, for reports.
pub fn ids() -> (u32, u32) {
    // SAFETY: getuid/geteuid have no preconditions.
    unsafe { (libc::getuid(), libc::geteuid()) }
}
