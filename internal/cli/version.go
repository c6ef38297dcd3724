package cli

import "runtime/debug"

// version is set at release time with -ldflags "-X .../internal/cli.version=v1.2.3".
var version = ""

// Version returns the release version, or the module version recorded by
// "go install", or "dev".
func Version() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
