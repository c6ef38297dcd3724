// Package all is the registry of IDE adapters and finds which IDEs are
// present on a machine ("install --all"). It lives apart from package
// ides so that adapters can import ides without a cycle.
package all
