package inspect

import "testing"

func TestDescribeArgs(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--gate-url", "http://a:1"}, nil, "HTTP http://a:1"},
		{[]string{"serve", "--gate-socket=/s.sock"}, nil, "socket /s.sock"},
		{[]string{"serve"}, map[string]string{"LATCHGATE_SOCKET": "/e.sock"}, "socket /e.sock"},
		{[]string{"serve", "--public-base-url", "http://localhost:3000"}, nil, "default socket"},
	}
	for _, tt := range tests {
		if got := DescribeArgs(tt.args, tt.env); got != tt.want {
			t.Errorf("describeArgs(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}
