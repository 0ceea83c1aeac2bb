fn main() {
    std::process::exit(pullcheck::cli::main_with_args(
        std::env::args_os().collect(),
    ));
}
