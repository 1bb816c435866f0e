package net

import (
	"errors"
	"time"
)

// Client sends requests to one server.
type Client struct {
	Addr    string
	Retries int
}

// RetryWithBackoff calls fn until it succeeds, sleeping twice as long after
// every failure, at most attempts times.
func RetryWithBackoff(attempts int, fn func() error) error {
	delay := 10 * time.Millisecond
	for i := 0; i < attempts; i++ {
		if err := fn(); err == nil {
			return nil
		}
		time.Sleep(delay)
		delay *= 2
	}
	return errors.New("gave up after retries")
}

// Send delivers one message, retrying with exponential backoff.
func (c *Client) Send(msg string) error {
	return RetryWithBackoff(c.Retries, func() error {
		return deliver(c.Addr, msg)
	})
}

func deliver(addr, msg string) error {
	if addr == "" || msg == "" {
		return errors.New("nothing to deliver")
	}
	return nil
}
