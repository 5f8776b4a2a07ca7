//! Which CPU each serving thread of `mediate serve` runs on (`--cpu-affinity`).
//!
//! `mediate serve` runs one serving thread per core, each with its own connections (see
//! [`crate::serve`]). Left to the kernel, two of those threads can end up sharing one CPU
//! while the other CPUs are busy with other processes: the kernel's load balancer counts
//! runnable threads, not whose they are, so it sees nothing to fix. Both threads are then
//! rarely idle, and they take turns in whole time slices of several milliseconds, during
//! which every connection of the waiting thread waits too. On the load test's two cores
//! (wrk, the backend and mediate sharing them) that was the whole of mediate's p99 tail at
//! 1 KiB: in some runs `perf sched` showed both serving threads on one CPU, each waiting up to
//! 7.6 ms for the other, and p99 at 3–4.5 ms against nginx's 1.4; with each thread on its
//! own CPU p99 was 1.5–1.7 ms in every run.
//!
//! So, like nginx's `worker_cpu_affinity auto`, each serving thread is bound to a CPU of its
//! own, but only where that cannot hurt: when there is exactly one serving thread for every
//! CPU the process may run on (a VM, a container limited with a cpuset, `taskset`). Where the
//! process may use more CPUs than it has serving threads (a container with a CPU quota rather
//! than a cpuset, whose threads would otherwise all crowd onto the host's first CPUs), the
//! kernel keeps placing them. Threads other than the serving ones (tokio's blocking pool)
//! keep the process's whole CPU set.
//!
//! The system calls come from `nix` (no `unsafe` here); on systems other than Linux nothing is
//! pinned.

/// `mediate serve --cpu-affinity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CpuAffinity {
    /// Bind each serving thread to a CPU of its own when there is one serving thread for
    /// every CPU the process may use; otherwise leave placement to the kernel.
    Auto,
    /// Never bind: the kernel places the serving threads.
    Off,
}

/// The CPUs to bind serving threads to: serving thread `i` to `cpus[i]`. Empty: none is bound.
///
/// `allowed` is the process's CPU set in ascending order.
fn choose(mode: CpuAffinity, threads: usize, allowed: &[usize]) -> Vec<usize> {
    match mode {
        CpuAffinity::Off => Vec::new(),
        CpuAffinity::Auto if threads > 1 && allowed.len() == threads => allowed.to_vec(),
        CpuAffinity::Auto => Vec::new(),
    }
}

/// The CPUs of a CPU set, in ascending order.
#[cfg(target_os = "linux")]
fn cpus_of(set: &nix::sched::CpuSet) -> Vec<usize> {
    (0..nix::sched::CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect()
}

/// Where the serving threads go, decided once before any of them starts.
#[derive(Debug)]
pub(crate) struct Placement {
    cpus: Vec<usize>,
    #[cfg(target_os = "linux")]
    all: Option<nix::sched::CpuSet>,
}

impl Placement {
    /// The placement for `threads` serving threads, read from the calling thread's CPU set
    /// (call it before any thread is bound).
    pub(crate) fn plan(mode: CpuAffinity, threads: usize) -> Placement {
        #[cfg(target_os = "linux")]
        {
            use nix::sched::sched_getaffinity;
            use nix::unistd::Pid;
            match sched_getaffinity(Pid::from_raw(0)) {
                Ok(all) => {
                    let cpus = choose(mode, threads, &cpus_of(&all));
                    Placement {
                        all: (!cpus.is_empty()).then_some(all),
                        cpus,
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, "cannot read the CPU set; serving threads are not bound");
                    Placement {
                        cpus: Vec::new(),
                        all: None,
                    }
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (mode, threads);
            Placement { cpus: Vec::new() }
        }
    }

    /// The CPUs serving threads are bound to, by thread index (empty: not bound).
    pub(crate) fn cpus(&self) -> &[usize] {
        &self.cpus
    }

    /// Binds the calling thread, serving thread `index`, to its CPU (nothing when the
    /// placement binds none). A failure is logged and the thread stays where it is.
    pub(crate) fn bind_serving(&self, index: usize) {
        #[cfg(target_os = "linux")]
        if let Some(&cpu) = self.cpus.get(index) {
            let mut set = nix::sched::CpuSet::new();
            let bound = set
                .set(cpu)
                .and_then(|()| nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set));
            if let Err(e) = bound {
                tracing::debug!(cpu, error = %e, "cannot bind a serving thread to its CPU");
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = index;
    }

    /// Gives the calling thread the process's whole CPU set back: for threads that are not
    /// serving threads but were started by one that is bound (tokio's blocking pool).
    pub(crate) fn unbind(&self) {
        #[cfg(target_os = "linux")]
        if let Some(all) = &self.all
            && let Err(e) = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), all)
        {
            tracing::debug!(error = %e, "cannot restore a thread's CPU set");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_binds_only_when_there_is_a_serving_thread_for_every_allowed_cpu() {
        assert_eq!(choose(CpuAffinity::Auto, 2, &[0, 1]), vec![0, 1]);
        // A cpuset (or taskset) that is not the first CPUs.
        assert_eq!(choose(CpuAffinity::Auto, 2, &[2, 5]), vec![2, 5]);
        // A CPU quota: fewer threads than allowed CPUs; binding would crowd them onto CPUs
        // 0 and 1 of a larger host.
        assert!(choose(CpuAffinity::Auto, 2, &[0, 1, 2, 3]).is_empty());
        // One thread: nothing to keep apart.
        assert!(choose(CpuAffinity::Auto, 1, &[3]).is_empty());
        assert!(choose(CpuAffinity::Auto, 4, &[0, 1]).is_empty());
    }

    #[test]
    fn off_never_binds() {
        assert!(choose(CpuAffinity::Off, 2, &[0, 1]).is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_plan_binds_and_unbind_restores_the_whole_set() {
        use nix::sched::sched_getaffinity;
        use nix::unistd::Pid;
        // On a thread of its own, so that the test harness's threads keep their CPU set.
        std::thread::spawn(|| {
            let before = sched_getaffinity(Pid::from_raw(0)).expect("CPU set");
            let allowed = cpus_of(&before);
            let placement = Placement::plan(CpuAffinity::Auto, allowed.len());
            if allowed.len() < 2 {
                assert!(placement.cpus().is_empty());
                return;
            }
            assert_eq!(placement.cpus(), allowed.as_slice());
            placement.bind_serving(1);
            let bound = sched_getaffinity(Pid::from_raw(0)).expect("CPU set");
            for &cpu in &allowed {
                assert_eq!(bound.is_set(cpu).expect("in range"), cpu == allowed[1]);
            }
            placement.unbind();
            assert_eq!(
                sched_getaffinity(Pid::from_raw(0)).expect("CPU set"),
                before
            );
        })
        .join()
        .expect("the test thread");
    }
}
