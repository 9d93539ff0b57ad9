// An independent verifier for negotiation-log's transparency log, written against Go's
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog (the Go checksum database's
// own implementation of signed notes and RFC 6962/9162 Merkle trees).
//
// It reads one JSON request per line on stdin and writes one JSON answer per line on
// stdout, in order. Every answer has "ok" and, when ok is false, "error". Hashes are base64.
//
//	{"op":"note","vkey":V,"note":N}                          -> {"text":T}
//	{"op":"inclusion","index":I,"size":S,"leaf_hash":H,"root":R,"proof":[...]}
//	{"op":"consistency","first":M,"second":N,"first_root":A,"second_root":B,"proof":[...]}
//	{"op":"tree","leaves":[...],"sizes":[...],"inclusions":[[I,S],...],"consistencies":[[M,N],...]}
//	    -> {"leaf_hashes":[...],"roots":[...],"inclusion":[[...]],"consistency":[[...]]}
//	{"op":"tiles","base_url":U,"size":S,"indexes":[...],"firsts":[...]}
//	    -> {"root":R,"leaf_hashes":[...],"inclusion":[[...]],"first_roots":[...],
//	        "consistency":[[...]],"fetched":[tile paths]}
//
// "tree" builds Go's own tree from the leaves (tlog.StoredHashes) and answers its roots and
// proofs; "tiles" reads a tree from C2SP tlog-tiles served over HTTP at U/tile/<L>/<N>[.p/<W>]
// and answers its root and proofs through tlog.TileHashReader, which authenticates tiles
// against the tree hash before using them. Every proof read from tiles is then checked again
// with tlog.CheckRecord / tlog.CheckTree, because TileHashReader (x/mod 0.7.0, as Debian ships
// it) leaves some tiles unauthenticated when several subtrees of the root share a tile: its
// loop over the tiles to check starts after len(stx) root hashes, not after the distinct
// root tiles.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

type request struct {
	Op            string     `json:"op"`
	Vkey          string     `json:"vkey"`
	Note          string     `json:"note"`
	Index         int64      `json:"index"`
	Size          int64      `json:"size"`
	First         int64      `json:"first"`
	Second        int64      `json:"second"`
	LeafHash      []byte     `json:"leaf_hash"`
	Root          []byte     `json:"root"`
	FirstRoot     []byte     `json:"first_root"`
	SecondRoot    []byte     `json:"second_root"`
	Proof         [][]byte   `json:"proof"`
	Leaves        [][]byte   `json:"leaves"`
	Sizes         []int64    `json:"sizes"`
	Inclusions    [][2]int64 `json:"inclusions"`
	Consistencies [][2]int64 `json:"consistencies"`
	BaseURL       string     `json:"base_url"`
	Indexes       []int64    `json:"indexes"`
	Firsts        []int64    `json:"firsts"`
}

type answer map[string]any

func toHash(b []byte) (tlog.Hash, error) {
	var h tlog.Hash
	if len(b) != tlog.HashSize {
		return h, fmt.Errorf("a hash is %d bytes, not %d", tlog.HashSize, len(b))
	}
	copy(h[:], b)
	return h, nil
}

func toHashes(bs [][]byte) ([]tlog.Hash, error) {
	hs := make([]tlog.Hash, len(bs))
	for i, b := range bs {
		h, err := toHash(b)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %v", i, err)
		}
		hs[i] = h
	}
	return hs, nil
}

func fromHashes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = append([]byte(nil), h[:]...)
	}
	return out
}

func openNote(r request) (answer, error) {
	v, err := note.NewVerifier(r.Vkey)
	if err != nil {
		return nil, err
	}
	n, err := note.Open([]byte(r.Note), note.VerifierList(v))
	if err != nil {
		return nil, err
	}
	return answer{"text": n.Text}, nil
}

// proofInputs decodes the two hashes a proof is checked against, and the proof.
func proofInputs(a, b []byte, aName, bName string, proof [][]byte) (ha, hb tlog.Hash, p []tlog.Hash, err error) {
	if ha, err = toHash(a); err != nil {
		return ha, hb, nil, fmt.Errorf("%s: %v", aName, err)
	}
	if hb, err = toHash(b); err != nil {
		return ha, hb, nil, fmt.Errorf("%s: %v", bName, err)
	}
	p, err = toHashes(proof)
	return ha, hb, p, err
}

func checkInclusion(r request) (answer, error) {
	leaf, root, proof, err := proofInputs(r.LeafHash, r.Root, "leaf hash", "root", r.Proof)
	if err != nil {
		return nil, err
	}
	return answer{}, tlog.CheckRecord(proof, r.Size, root, r.Index, leaf)
}

func checkConsistency(r request) (answer, error) {
	first, second, proof, err := proofInputs(r.FirstRoot, r.SecondRoot, "first root", "second root", r.Proof)
	if err != nil {
		return nil, err
	}
	return answer{}, tlog.CheckTree(proof, r.Second, second, r.First, first)
}

// storedHashes is an in-memory tlog.HashReader over the hashes tlog.StoredHashes made.
type storedHashes []tlog.Hash

func (s storedHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = s[x]
	}
	return out, nil
}

func buildTree(r request) (answer, error) {
	var stored storedHashes
	leafHashes := make([]tlog.Hash, len(r.Leaves))
	for i, leaf := range r.Leaves {
		hs, err := tlog.StoredHashes(int64(i), leaf, stored)
		if err != nil {
			return nil, err
		}
		stored = append(stored, hs...)
		leafHashes[i] = tlog.RecordHash(leaf)
	}
	roots := make([]tlog.Hash, len(r.Sizes))
	for i, n := range r.Sizes {
		h, err := tlog.TreeHash(n, stored)
		if err != nil {
			return nil, err
		}
		roots[i] = h
	}
	inclusion := make([][][]byte, len(r.Inclusions))
	for i, pair := range r.Inclusions {
		p, err := tlog.ProveRecord(pair[1], pair[0], stored)
		if err != nil {
			return nil, fmt.Errorf("inclusion of %d in %d: %v", pair[0], pair[1], err)
		}
		inclusion[i] = fromHashes(p)
	}
	consistency := make([][][]byte, len(r.Consistencies))
	for i, pair := range r.Consistencies {
		p, err := tlog.ProveTree(pair[1], pair[0], stored)
		if err != nil {
			return nil, fmt.Errorf("consistency of %d with %d: %v", pair[0], pair[1], err)
		}
		consistency[i] = fromHashes(p)
	}
	return answer{
		"leaf_hashes": fromHashes(leafHashes), "roots": fromHashes(roots),
		"inclusion": inclusion, "consistency": consistency,
	}, nil
}

// httpTiles is a tlog.TileReader fetching C2SP tiles: Go's tile/8/L/N[.p/W] is the C2SP
// tile/L/N[.p/W], the height being fixed at 8.
type httpTiles struct {
	base    string
	cache   map[tlog.Tile][]byte
	fetched []string
}

func (t *httpTiles) Height() int { return tileHeight }

func (t *httpTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func (t *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		data, err := t.read(tile)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (t *httpTiles) read(tile tlog.Tile) ([]byte, error) {
	if data, ok := t.cache[tile]; ok {
		return data, nil
	}
	path := "tile/" + strings.TrimPrefix(tile.Path(), fmt.Sprintf("tile/%d/", tileHeight))
	resp, err := http.Get(t.base + "/" + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/octet-stream") {
		return nil, fmt.Errorf("GET %s: Content-Type %q, not application/octet-stream", path, ct)
	}
	if len(data) != tile.W*tlog.HashSize {
		return nil, fmt.Errorf("GET %s: %d bytes, not %d", path, len(data), tile.W*tlog.HashSize)
	}
	t.cache[tile] = data
	t.fetched = append(t.fetched, path)
	return data, nil
}

// unverified reads stored hashes from the tiles of a tree of the given size without
// authenticating them: it is how the tree hash is learnt in the first place.
func (t *httpTiles) unverified(size int64) tlog.HashReaderFunc {
	return func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			tile := tlog.TileForIndex(tileHeight, x)
			width := (size >> uint(tile.L*tileHeight)) - tile.N<<tileHeight
			if width > 1<<tileHeight {
				width = 1 << tileHeight
			}
			tile.W = int(width)
			data, err := t.read(tile)
			if err != nil {
				return nil, err
			}
			if out[i], err = tlog.HashFromTile(tile, data, x); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

func readTiles(r request) (answer, error) {
	tiles := &httpTiles{base: strings.TrimRight(r.BaseURL, "/"), cache: map[tlog.Tile][]byte{}}
	root, err := tlog.TreeHash(r.Size, tiles.unverified(r.Size))
	if err != nil {
		return nil, fmt.Errorf("tree hash: %v", err)
	}
	verified := tlog.TileHashReader(tlog.Tree{N: r.Size, Hash: root}, tiles)
	leafHashes := make([][]byte, len(r.Indexes))
	inclusion := make([][][]byte, len(r.Indexes))
	for i, index := range r.Indexes {
		proof, err := tlog.ProveRecord(r.Size, index, verified)
		if err != nil {
			return nil, fmt.Errorf("inclusion of %d: %v", index, err)
		}
		leaf, err := verified.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
		if err != nil {
			return nil, fmt.Errorf("leaf %d: %v", index, err)
		}
		if err := tlog.CheckRecord(proof, r.Size, root, index, leaf[0]); err != nil {
			return nil, fmt.Errorf("inclusion of %d: %v", index, err)
		}
		leafHashes[i], inclusion[i] = leaf[0][:], fromHashes(proof)
	}
	firstRoots := make([][]byte, len(r.Firsts))
	consistency := make([][][]byte, len(r.Firsts))
	for i, first := range r.Firsts {
		old, err := tlog.TreeHash(first, verified)
		if err != nil {
			return nil, fmt.Errorf("tree hash of %d: %v", first, err)
		}
		proof, err := tlog.ProveTree(r.Size, first, verified)
		if err != nil {
			return nil, fmt.Errorf("consistency of %d: %v", first, err)
		}
		if err := tlog.CheckTree(proof, r.Size, root, first, old); err != nil {
			return nil, fmt.Errorf("consistency of %d: %v", first, err)
		}
		firstRoots[i], consistency[i] = append([]byte(nil), old[:]...), fromHashes(proof)
	}
	return answer{
		"root": root[:], "leaf_hashes": leafHashes, "inclusion": inclusion,
		"first_roots": firstRoots, "consistency": consistency, "fetched": tiles.fetched,
	}, nil
}

func handle(line []byte) answer {
	var r request
	if err := json.Unmarshal(line, &r); err != nil {
		return answer{"ok": false, "error": "bad request: " + err.Error()}
	}
	ops := map[string]func(request) (answer, error){
		"note": openNote, "inclusion": checkInclusion, "consistency": checkConsistency,
		"tree": buildTree, "tiles": readTiles,
	}
	op, ok := ops[r.Op]
	if !ok {
		return answer{"ok": false, "error": fmt.Sprintf("unknown op %q", r.Op)}
	}
	a, err := op(r)
	if err != nil {
		return answer{"ok": false, "error": err.Error()}
	}
	a["ok"] = true
	return a
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	enc := json.NewEncoder(out)
	for {
		line, err := in.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			if err := enc.Encode(handle(line)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		// Answer at once when no more requests are waiting, so that one request at a time
		// works as well as a batch.
		if in.Buffered() == 0 || err != nil {
			out.Flush()
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}
