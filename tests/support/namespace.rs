//! Private network and mount namespaces (irker's fixed port, a small tmpfs).

use std::process::Command;

/// Moves the calling test thread into a new network namespace with its own
/// loopback (so irker's hard-coded port 6659 is free and private). Processes
/// and sockets this thread creates afterwards live in it. Needs root.
pub fn private_network() {
    // SAFETY: unshare only changes this thread's namespaces.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    assert_eq!(
        rc,
        0,
        "unshare(CLONE_NEWNET) failed (tests must run as root): {}",
        std::io::Error::last_os_error()
    );
    let st = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .expect("running ip (make deps installs iproute2)");
    assert!(st.success(), "ip link set lo up failed");
}

/// Moves the calling test thread into a private mount namespace and mounts
/// a small tmpfs on `dir` there (other tests do not see it). Needs root.
pub fn private_tmpfs(dir: &std::path::Path, size: &str) {
    // SAFETY: unshare only changes this thread's namespaces.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWNS) };
    assert_eq!(
        rc,
        0,
        "unshare(CLONE_NEWNS): {}",
        std::io::Error::last_os_error()
    );
    let run = |args: &[&str]| {
        let st = Command::new(args[0])
            .args(&args[1..])
            .status()
            .expect("mount");
        assert!(st.success(), "{args:?}");
    };
    run(&["mount", "--make-rprivate", "/"]);
    run(&[
        "mount",
        "-t",
        "tmpfs",
        "-o",
        &format!("size={size}"),
        "tmpfs",
        dir.to_str().unwrap(),
    ]);
}
