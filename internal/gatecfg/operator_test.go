package gatecfg

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDetectOperator(t *testing.T) {
	env, root := testEnv(t)
	defAdmin := filepath.Join(root, "run", "latchgate", "gate-admin.sock")

	got, err := DetectOperator(env, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.AdminSocket != defAdmin || got.PublicBaseURL != DefaultPublicBaseURL || got.Name != "" || !strings.HasPrefix(got.Source, "defaults") {
		t.Errorf("nothing configured: %+v", got)
	}

	// A project config with two credentials, "ops" first, no "default":
	// the first in document order, and its key under operators/.
	lg := filepath.Join(env.ProjectRoot, ".latchgate")
	write(t, filepath.Join(lg, "latchgate.toml"), `public_base_url = "http://gate.test:3000"
listen_admin_uds_path = "run/admin.sock"

[operator_credentials.zed]
api_key = "key-zed-1"
dpop_jkt = "j1"

[operator_credentials.ops]
api_key = "key-ops-2"
dpop_jkt = "j2"
`)
	write(t, filepath.Join(lg, "operators", "zed.pem"), "pem")
	got, err = DetectOperator(env, "")
	if err != nil {
		t.Fatal(err)
	}
	want := Operator{AdminSocket: filepath.Join(lg, "run", "admin.sock"), PublicBaseURL: "http://gate.test:3000",
		Source: "~/proj/.latchgate/latchgate.toml", Name: "zed", APIKey: "key-zed-1",
		ConfigPath: filepath.Join(lg, "latchgate.toml"), KeyPath: filepath.Join(lg, "operators", "zed.pem")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("project config (-want +got):\n%s", diff)
	}
	// By name; its key is .latchgate/ops.pem.
	write(t, filepath.Join(lg, "ops.pem"), "pem")
	got, _ = DetectOperator(env, "ops")
	if got.Name != "ops" || got.APIKey != "key-ops-2" || got.KeyPath != filepath.Join(lg, "ops.pem") {
		t.Errorf("by name: %+v", got)
	}
	if _, err := DetectOperator(env, "nobody"); err == nil || !strings.Contains(err.Error(), "zed, ops") {
		t.Errorf("unknown name: %v", err)
	}

	// "default" wins over document order.
	write(t, filepath.Join(lg, "latchgate.toml"), "[operator_credentials]\nfirst = { api_key = \"k1\" }\ndefault = { api_key = \"k2\" }\n")
	if got, _ := DetectOperator(env, ""); got.Name != "default" || got.APIKey != "k2" {
		t.Errorf("default: %+v", got)
	}
	write(t, filepath.Join(lg, "latchgate.toml"), "[operator_credentials]\nsecond.api_key = \"k1\"\nfirst.api_key = \"k2\"\n")
	if got, _ := DetectOperator(env, ""); got.Name != "second" {
		t.Errorf("dotted keys, document order: %+v", got)
	}

	// A running latchgate up wins for the socket, only while its admin
	// socket exists; the credential still comes from the project.
	rt := filepath.Join(root, "run", "latchgate")
	sock := filepath.Join(rt, "gate-admin.sock")
	write(t, filepath.Join(rt, "latchgate-up", "latchgate-up.toml"), "public_base_url = \"http://up.test:3000\"\n")
	if got, _ := DetectOperator(env, ""); got.PublicBaseURL != DefaultPublicBaseURL || strings.Contains(got.Source, "latchgate-up") {
		t.Errorf("stale session used: %+v", got)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, ln.Close()) }()
	got, _ = DetectOperator(env, "")
	if got.AdminSocket != sock || got.PublicBaseURL != "http://up.test:3000" || got.Name != "second" {
		t.Errorf("live session: %+v", got)
	}
	// The session's operator.pem is the last place a key is looked for.
	write(t, filepath.Join(rt, "latchgate-up", "operator.pem"), "pem")
	if got, _ := DetectOperator(env, ""); got.KeyPath != filepath.Join(rt, "latchgate-up", "operator.pem") {
		t.Errorf("session key: %+v", got)
	}

	// A broken file is reported with its position.
	write(t, filepath.Join(lg, "latchgate.toml"), "[operator_credentials\n")
	must(t, os.Remove(filepath.Join(rt, "latchgate-up", "latchgate-up.toml")))
	if _, err := DetectOperator(env, ""); err == nil || !strings.Contains(err.Error(), "line 1, column") {
		t.Errorf("broken toml: %v", err)
	}
}
