package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

// gatesKey holds a script's *scriptGates in testscript's Env.Values.
type gatesKey struct{}

// scriptGates is the test gate of one script.
type scriptGates struct {
	gate *gatetest.Gate
}

// cmdTestgate runs the reference gate in the test process for a script:
//
//	testgate tcp [-public URL]   listen on 127.0.0.1; sets GATE_URL and GATE_PUBLIC
//	testgate unix [-public URL]  listen on a short socket path; sets GATE_SOCKET and GATE_PUBLIC
//	testgate stop                stop listening (the gate is down; the socket is gone)
//
// -public sets the gate's public_base_url (default: the TCP URL, or
// http://localhost:3000 over the socket), to make it disagree with an
// entry. The gate has two actions.
func cmdTestgate(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! testgate")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: testgate tcp|unix|stop [-public URL]")
	}
	st := ts.Value(gatesKey{}).(*scriptGates)
	if args[0] == "stop" {
		if st.gate == nil {
			ts.Fatalf("testgate stop: no gate running")
		}
		ts.Check(st.gate.Stop())
		return
	}
	fs := flag.NewFlagSet("testgate", flag.ContinueOnError)
	public := fs.String("public", "", "the gate's public_base_url")
	if err := fs.Parse(args[1:]); err != nil {
		ts.Fatalf("testgate: %v", err)
	}
	if st.gate != nil {
		ts.Fatalf("testgate: a gate is running already")
	}
	schema := json.RawMessage(`{"type":"object","properties":{"url":{"type":"string"}}}`)
	g, err := gatetest.New(gatetest.Options{Actions: []gatetest.Action{
		{ID: "http_fetch", Version: "1.0.0", RiskLevel: "low", RequestSchema: schema},
		{ID: "gmail_send", Version: "1.0.0", RiskLevel: "high", RequestSchema: schema},
	}})
	ts.Check(err)
	st.gate = g
	ts.Defer(func() {
		if err := g.Close(); err != nil {
			ts.Logf("close the test gate: %v", err)
		}
	})
	switch args[0] {
	case "tcp":
		u, err := g.ListenTCP("127.0.0.1:0")
		ts.Check(err)
		pub := u
		if *public != "" {
			pub = *public
		}
		ts.Check(g.SetPublicBaseURL(pub))
		ts.Setenv("GATE_URL", u)
		ts.Setenv("GATE_PUBLIC", pub)
	case "unix":
		// A short directory: socket paths are limited to about 104 bytes.
		dir, err := os.MkdirTemp("", "lg")
		ts.Check(err)
		ts.Defer(func() {
			if err := os.RemoveAll(dir); err != nil {
				ts.Logf("remove %s: %v", dir, err)
			}
		})
		sock := filepath.Join(dir, "gate.sock")
		ts.Check(g.ListenUnix(sock))
		pub := g.PublicBaseURL()
		if *public != "" {
			ts.Check(g.SetPublicBaseURL(*public))
			pub = *public
		}
		ts.Setenv("GATE_SOCKET", sock)
		ts.Setenv("GATE_PUBLIC", pub)
	default:
		ts.Fatalf("testgate: unknown mode %q: use tcp, unix or stop", args[0])
	}
}

// cmdSchemacheck validates a file against one of the embedded schemas:
//
//	schemacheck doctor-report.schema.json stdout
func cmdSchemacheck(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: schemacheck SCHEMA FILE")
	}
	data := []byte(ts.ReadFile(args[1]))
	err := schemas.Validate(args[0], data)
	switch {
	case err != nil && !neg:
		ts.Fatalf("%s does not match %s: %v", args[1], args[0], err)
	case err == nil && neg:
		ts.Fatalf("%s matches %s, and should not", args[1], args[0])
	}
}
