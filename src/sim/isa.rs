//! Runtime choice of the vector instructions the bit-parallel kernels use.
//!
//! One binary runs on any x86-64 (or other) CPU: the kernels ([`super::program::Program`]'s
//! evaluator, the toggle counter, the byte-to-bit-plane transpose) are compiled several times,
//! each copy under `#[target_feature]`, and the CPU is asked once (`is_x86_feature_detected!`)
//! which copy to use. The choice is made per block of lanes, outside the loop over gates: the
//! gate loop itself is one flat, monomorphised program with no dispatch inside.
//!
//! `PANN_KERNEL=avx512|avx2|portable` forces a path (tests and benchmarks compare them); an
//! unknown name or a path this CPU cannot run is refused by [`kernel_path_from_env`].

use std::sync::OnceLock;

/// The environment variable that forces a kernel path.
pub const ENV: &str = "PANN_KERNEL";

/// One compiled copy of the kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KernelPath {
    /// 512-bit words: AVX-512F/BW/DQ/VL/VBMI/VBMI2, vector popcount (VPOPCNTDQ) and GFNI (every
    /// CPU with VPOPCNTDQ and BW has VBMI, VBMI2 and GFNI too: Ice Lake and later, Zen 4 and later).
    Avx512,
    /// 256-bit words: AVX2 with scalar `popcnt`.
    Avx2,
    /// Whatever the compilation target guarantees (x86-64: SSE2, no `popcnt`).
    Portable,
}

impl KernelPath {
    /// Every path, fastest first.
    pub const ALL: [KernelPath; 3] = [KernelPath::Avx512, KernelPath::Avx2, KernelPath::Portable];

    /// Short name (`avx512`, `avx2`, `portable`), as `PANN_KERNEL` takes it.
    pub fn name(self) -> &'static str {
        match self {
            KernelPath::Avx512 => "avx512",
            KernelPath::Avx2 => "avx2",
            KernelPath::Portable => "portable",
        }
    }

    /// What the path uses, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            KernelPath::Avx512 => "AVX-512 + vector popcount (runtime)",
            KernelPath::Avx2 => "AVX2 + popcnt (runtime)",
            KernelPath::Portable => "portable (runtime)",
        }
    }

    /// Whether this CPU can run the path.
    pub fn available(self) -> bool {
        match self {
            KernelPath::Portable => true,
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
                    && std::arch::is_x86_feature_detected!("avx512vbmi")
                    && std::arch::is_x86_feature_detected!("avx512vbmi2")
                    && std::arch::is_x86_feature_detected!("gfni")
                    && std::arch::is_x86_feature_detected!("popcnt")
            }
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("popcnt")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The fastest path this CPU can run.
    pub fn best() -> KernelPath {
        KernelPath::ALL
            .into_iter()
            .find(|p| p.available())
            .unwrap_or(KernelPath::Portable)
    }

    /// The paths this CPU can run, fastest first.
    pub fn available_paths() -> Vec<KernelPath> {
        KernelPath::ALL
            .into_iter()
            .filter(|p| p.available())
            .collect()
    }
}

impl std::fmt::Display for KernelPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for KernelPath {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        KernelPath::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown kernel path '{s}' (expected avx512, avx2 or portable)"))
    }
}

/// Call the copy of a kernel compiled for `path`: the one place where a kernel path becomes a
/// call. `avx512` and `avx2` are calls of `#[target_feature]` copies (unsafe: the path is
/// checked [`KernelPath::available`] first, so the CPU has their features); `portable` is the
/// plain copy, also taken for a path with no copy of its own (`avx2` may be left out).
macro_rules! on_path {
    ($path:expr, avx512: $a:expr, $(avx2: $b:expr,)? portable: $c:expr $(,)?) => {{
        let path: $crate::sim::isa::KernelPath = $path;
        match path {
            #[cfg(target_arch = "x86_64")]
            $crate::sim::isa::KernelPath::Avx512 => {
                assert!(path.available(), "kernel path avx512 is not available here");
                // SAFETY: the CPU has the avx512 copies' features (checked just above).
                unsafe { $a }
            }
            $(
                #[cfg(target_arch = "x86_64")]
                $crate::sim::isa::KernelPath::Avx2 => {
                    assert!(path.available(), "kernel path avx2 is not available here");
                    // SAFETY: the CPU has the avx2 copies' features (checked just above).
                    unsafe { $b }
                }
            )?
            _ => $c,
        }
    }};
}
pub(crate) use on_path;

/// The path `PANN_KERNEL` asks for (checked: known, and runnable here), or the best path when
/// it is unset or empty.
pub fn kernel_path_from_env() -> Result<KernelPath, String> {
    match std::env::var(ENV) {
        Ok(s) if !s.is_empty() => {
            let p: KernelPath = s.parse().map_err(|e| format!("{ENV}: {e}"))?;
            if !p.available() {
                return Err(format!("{ENV}={s}: this CPU cannot run the {s} kernels"));
            }
            Ok(p)
        }
        _ => Ok(KernelPath::best()),
    }
}

/// The process-wide kernel path, decided once: `PANN_KERNEL` if it names a path this CPU
/// runs, else the best path (the command line refuses a bad `PANN_KERNEL` up front).
pub fn kernel_path() -> KernelPath {
    static PATH: OnceLock<KernelPath> = OnceLock::new();
    *PATH.get_or_init(|| kernel_path_from_env().unwrap_or_else(|_| KernelPath::best()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_portable_is_always_available() {
        for p in KernelPath::ALL {
            assert_eq!(p.name().parse::<KernelPath>(), Ok(p));
        }
        assert!("avx1024".parse::<KernelPath>().is_err());
        assert!(KernelPath::Portable.available());
        assert!(KernelPath::best().available());
        assert!(KernelPath::available_paths().contains(&KernelPath::Portable));
    }
}
