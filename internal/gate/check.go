package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Readiness is GET /readyz: whether the gate's dependencies are up.
type Readiness struct {
	Status            string `json:"status"` // ready, degraded or not_ready
	Redis             bool   `json:"redis"`
	OPA               bool   `json:"opa"`
	Ledger            bool   `json:"ledger"`
	ApprovalStore     bool   `json:"approval_store"`
	EgressProxy       *bool  `json:"egress_proxy"`
	ActionsRegistered int    `json:"actions_registered"`
}

// Ready reads GET /readyz. A 503 with a readiness body is not an error:
// the gate answered, and the body says what is missing.
func (c *Client) Ready(ctx context.Context) (*Readiness, error) {
	const op = "check gate readiness"
	ctx, cancel := context.WithTimeout(ctx, c.cfg.DiscoveryTimeout)
	defer cancel()
	resp, err := c.do(ctx, op, http.MethodGet, "/readyz", nil, nil, nil)
	if isStale(err) {
		resp, err = c.do(ctx, op, http.MethodGet, "/readyz", nil, nil, nil)
	}
	if err != nil {
		return nil, err
	}
	var r Readiness
	if (resp.status == http.StatusOK || resp.status == http.StatusServiceUnavailable) && json.Unmarshal(resp.body, &r) == nil && r.Status != "" {
		return &r, nil
	}
	if resp.status >= 300 {
		return nil, newError(op, resp.status, resp.header.Get, resp.body)
	}
	return nil, fmt.Errorf("%s: the answer is not a readiness report", op)
}

// VerifyAuth proves the whole authentication path works: it obtains a
// lease and reads a receipt that cannot exist. The gate checks the lease
// and the proof before it looks the receipt up, so "not found" means both
// were accepted; an *Error with Code "invalid_dpop" and a DenyReason
// mentioning htu means the public base URL does not match the gate's.
func (c *Client) VerifyAuth(ctx context.Context) error {
	_, err := c.Receipt(ctx, NewUUIDv7())
	var ge *Error
	if errors.As(err, &ge) && ge.Status == http.StatusNotFound {
		return nil
	}
	if err == nil {
		return errors.New("verify authentication: the gate returned a receipt that cannot exist")
	}
	return err
}
