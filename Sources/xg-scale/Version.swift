/// The one place the version is set. `xg-scale --version` prints it; `make deb` names the package
/// after it (read back from the built binary); `make check-man` checks the profile manual's
/// header carries it.
let xgScaleVersion = "0.2.0"
