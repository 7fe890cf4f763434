//! External oracles (one test target): Icarus Verilog per-net toggle counts and OpenSTA power
//! on the same netlists and vectors. Each test skips with a note when its tool is missing; CI
//! installs them.

mod energy_opensta;
mod icarus_circuits;
mod icarus_random;
