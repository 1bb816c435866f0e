_package store

import "fmt"

// Store keeps items in memory.
type Store struct {
	items map[string]int
}

// Getter reads items.
type Getter interface {
	Get(key string) int
}

// Get returns the value for key.
func (s *Store) Get(key string) int {
	return s.items[key]
}

func (s Store) Len() int { return len(s.items) }

// NewStore makes an empty store.
func NewStore() *Store {
	fmt.Println("new")
	return &Store{items: map[string]int{}}
}
