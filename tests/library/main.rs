//! The library through its public API (one test target): circuits exact against integer
//! arithmetic, fast simulators against their reference twins, energy against Liberty, networks
//! in bit-exact integer arithmetic, PANN.

mod circuits_exact;
mod clock_gating;
mod energy_liberty;
mod energy_meter;
mod kernel_paths;
mod nn_data;
mod nn_float;
mod nn_gate_level;
mod nn_int;
mod nn_pann;
mod nn_qat;
mod nn_stream;
mod nn_train;
mod open_outputs;
mod parsers_never_panic;
mod sim_equivalence;
mod timed_equivalence;
mod timed_waveforms;
mod yosys_import;
